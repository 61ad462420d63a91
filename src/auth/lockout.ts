/**
 * Consecutive failures and the lockouts they set: the keys an attempt counts under (an account, a typed login, a
 * remembered browser) and the lockout that grows with each failure. The numbers are in policy.ts; the counting in
 * limit-store.ts. See docs/decisions/008-rate-limits.md.
 */
import { ATTEMPT_SLOT_MS, lockoutMsAfter, LOGIN_FAILURES_TTL_MS, MAX_CONSECUTIVE_FAILURES } from './policy.js';
import { keyDigest, take, type Limiter, type LimiterFactory } from './limit-store.js';

/** The lockout key of an existing account: its id, so username, email and case variants share it. */
const ACCOUNT_KEY_PREFIX = 'user:';
export const accountKey = (userId: number) => `${ACCOUNT_KEY_PREFIX}${userId}`;
/**
 * The lockout key of one typed login (normalized: case and whitespace variants share it), whether or not an
 * account matches. What the sign-in page tells about a lockout follows this key only, so that it behaves the
 * same for every login: an account's username and address, which share the account's count, would otherwise
 * let a prober learn that the two belong together (locking one pauses the other).
 */
export const loginKey = (normalizedLogin: string) => `login:${keyDigest(normalizedLogin)}`;
/**
 * A browser the account remembered (a trusted device) counts its wrong passwords apart from the account's,
 * so someone who locks the account by guessing does not lock its owner out of their own devices (OWASP's
 * device cookies). The device's counter locks the same way.
 */
const DEVICE_KEY_PREFIX = 'device:';
export const deviceKey = (tokenHash: string) => `${DEVICE_KEY_PREFIX}${tokenHash}`;

/**
 * `retryAfterMs: null` = locked until the password is reset. `failures`: the key's new count, when refusing
 * this attempt counted it as a failure (passwords), so the caller can tell whether it started a lockout.
 */
export type LockoutVerdict = { ok: true } | { ok: false; retryAfterMs: number | null; failures?: number };

/**
 * Consecutive failures of one account with a lockout that grows: 5 failures →
 * 1 min, doubling with each further failure, at most 1 h; after 100 the
 * account is locked until `clear` (a password reset). A success clears only
 * its own key, so a success elsewhere never resets a victim's count.
 *
 * Every attempt: `begin(key)`; if ok, check the secret, then exactly one of
 * `fail`, `succeed` or `release` (no verdict, e.g. Twilio was down).
 */
export class ConsecutiveFailureLockout {
  private readonly failures: Limiter;
  /** Holds either the one in-flight attempt (1 point) or a lockout (a block). */
  private readonly slot: Limiter;

  /** Failures of one typed login: forgotten after a day, or sprayed random logins would fill the store. */
  private readonly loginFailures: Limiter;
  /**
   * Typed logins that reached the 100-failure cap, kept until a success or a reset, as an account's count is:
   * only logins someone spent a hundred guesses on land here, so spraying cannot fill it cheaply.
   */
  private readonly cappedLogins: Limiter;

  /**
   * @param countRefused true: an attempt refused because another is in flight or the key is locked
   *   still counts as a failure (passwords: "50 parallel wrong passwords record 50 failures", and NIST's
   *   100-failure cap counts attempts, not checks). false: only checked codes count (2FA codes, which
   *   also have a per-session cap and the provider's own).
   */
  constructor(
    factory: LimiterFactory,
    name: string,
    private readonly countRefused: boolean,
  ) {
    this.failures = factory.make(`${name}-failures`, MAX_CONSECUTIVE_FAILURES, 0);
    this.loginFailures = factory.make(`${name}-login-failures`, MAX_CONSECUTIVE_FAILURES, LOGIN_FAILURES_TTL_MS);
    this.cappedLogins = factory.make(`${name}-capped-logins`, 1, 0);
    this.slot = factory.make(`${name}-slot`, 1, ATTEMPT_SLOT_MS);
  }

  /** Accounts and remembered devices keep their count until a success or a reset (the 100-failure cap); typed logins for a day. */
  private failuresOf(key: string): Limiter {
    return key.startsWith(ACCOUNT_KEY_PREFIX) || key.startsWith(DEVICE_KEY_PREFIX) ? this.failures : this.loginFailures;
  }

  private isLoginKey(key: string): boolean {
    return !key.startsWith(ACCOUNT_KEY_PREFIX) && !key.startsWith(DEVICE_KEY_PREFIX);
  }

  async failureCount(key: string): Promise<number> {
    if (this.isLoginKey(key) && (await this.cappedLogins.get(key))) return MAX_CONSECUTIVE_FAILURES;
    return (await this.failuresOf(key).get(key))?.consumedPoints ?? 0;
  }

  /** One more failure of the key (atomic); returns the new count. */
  private async count(key: string): Promise<number> {
    const count = (await this.failuresOf(key).penalty(key, 1)).consumedPoints;
    if (count >= MAX_CONSECUTIVE_FAILURES && this.isLoginKey(key)) await this.cappedLogins.set(key, 1, 0);
    return count;
  }

  /** Whether the key is locked now, without taking an attempt. */
  async status(key: string): Promise<LockoutVerdict> {
    if ((await this.failureCount(key)) >= MAX_CONSECUTIVE_FAILURES) return { ok: false, retryAfterMs: null };
    const slot = await this.slot.get(key);
    if (slot && slot.consumedPoints > 1) return { ok: false, retryAfterMs: Math.max(slot.msBeforeNext, 0) };
    return { ok: true };
  }

  /** Takes the account's attempt slot, unless it is locked or another attempt holds it. */
  async begin(key: string): Promise<LockoutVerdict> {
    if ((await this.failureCount(key)) >= MAX_CONSECUTIVE_FAILURES) return { ok: false, retryAfterMs: null };
    const verdict = await take(this.slot, key);
    if (!verdict.ok && this.countRefused) {
      const count = await this.count(key);
      return { ok: false, retryAfterMs: count >= MAX_CONSECUTIVE_FAILURES ? null : verdict.retryAfterMs, failures: count };
    }
    return verdict;
  }

  /** Counts a failure (atomically) and locks for as long as the new count requires; returns the count. */
  async fail(key: string): Promise<number> {
    const count = await this.count(key);
    const lockMs = lockoutMsAfter(count);
    if (count < MAX_CONSECUTIVE_FAILURES && lockMs > 0) await this.slot.block(key, lockMs / 1000);
    else await this.slot.delete(key);
    return count;
  }

  /**
   * Counts an attempt that another key refused before it was checked (the account's typed login was locked),
   * without taking this key's slot; returns the count. Like a refused `begin`, it does not lengthen a lock that
   * is running, but it starts one when the count calls for it and none runs (the one checked attempt of a
   * parallel burst may have failed while the count was still low).
   */
  async penalize(key: string): Promise<number> {
    const before = await this.failureCount(key);
    if (before >= MAX_CONSECUTIVE_FAILURES) return before; // locked until a reset: nothing more to count
    const count = await this.count(key);
    const lockMs = lockoutMsAfter(count);
    const slot = await this.slot.get(key);
    const locked = slot !== null && slot.consumedPoints > 1;
    if (count < MAX_CONSECUTIVE_FAILURES && lockMs > 0 && !locked) await this.slot.block(key, lockMs / 1000);
    return count;
  }

  async succeed(key: string): Promise<void> {
    await this.clear(key);
  }

  /** The attempt ended without a verdict: free the slot, count nothing. */
  async release(key: string): Promise<void> {
    await this.slot.delete(key);
  }

  /** Forget every failure and lock of the key (a success, or a password reset). */
  async clear(key: string): Promise<void> {
    await Promise.all([this.failuresOf(key).delete(key), this.slot.delete(key), this.isLoginKey(key) ? this.cappedLogins.delete(key) : undefined]);
  }
}
