/**
 * Throttles and lockouts: how often anyone may try a password, a code, a reset
 * request or an SMS send. The counting is rate-limiter-flexible's (fixed
 * windows, atomic increments, blocks); this module only chooses the keys, the
 * numbers and what to do when a limit is reached. See
 * docs/decisions/008-rate-limits.md.
 *
 * Store: this process's memory by default; Redis when REDIS_URL is set, so
 * every instance shares one set of counters (keys start with
 * RATE_LIMIT_KEY_PREFIX). Time is rate-limiter-flexible's: `Date.now()` in
 * memory, the server's TTLs in Redis.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { StartFailure, VerifyChannel, VerifyService } from '../adapters/verify/types.js';
import type { Config } from '../config.js';
import { hours, minutes, seconds } from '../lib/duration.js';
import { rateLimitKeyForIp } from '../lib/ip.js';
import type { Locale } from '../i18n/locales.js';
import { phoneNumbers } from '../lib/phone-numbers.js';

// ---- Consecutive failures of one account (passwords, and separately codes) ----

/** Failures allowed before the first lockout (issue #3: "5 failures → 1 min"). */
export const FREE_CONSECUTIVE_FAILURES = 5;
/** The lockout after the 5th consecutive failure; each further failure doubles it (issue #3). */
export const FIRST_LOCKOUT_MS = minutes(1);
/** The longest lockout (issue #3: "capped at 1 h"). */
export const MAX_LOCKOUT_MS = hours(1);
/**
 * NIST SP 800-63B §5.2.2: a verifier SHALL limit consecutive failed attempts on
 * one account to no more than 100. After the 100th the account stays locked
 * until its password is reset by email.
 */
export const MAX_CONSECUTIVE_FAILURES = 100;
/**
 * One attempt per account at a time: an attempt holds the account's slot while
 * its password or code is checked, so a burst of parallel guesses cannot slip
 * past a lockout that the first of them is about to set. If the process dies
 * mid-check, the slot frees itself after this long.
 */
export const ATTEMPT_SLOT_MS = seconds(30);
/**
 * How long the failures of one typed login (a username or address, known or not) are remembered. The account's
 * own count has no such end (the 100-failure cap); this one drives only what the sign-in page says, and must
 * behave the same for a login that matches no account, whose counts cannot be kept forever.
 */
export const LOGIN_FAILURES_TTL_MS = hours(24);

// ---- Per client IP (request.ip: the socket, or the proxy's header when TRUST_PROXY names the proxy) ----

/** A fixed-window limit: `points` per `durationMs`. */
export interface WindowLimit {
  points: number;
  durationMs: number;
}

/** Failed sign-ins from one IP, any accounts (credential stuffing). OWASP ASVS 5.0 V6.3.1. */
export const SIGN_IN_FAILURES_PER_IP: WindowLimit = { points: 100, durationMs: hours(1) };
/** Wrong 2FA codes from one IP, any accounts. */
export const CODE_FAILURES_PER_IP: WindowLimit = { points: 50, durationMs: hours(1) };
/** "Forgot password" requests from one IP (a visible 429). */
export const RESET_REQUESTS_PER_IP: WindowLimit = { points: 10, durationMs: hours(1) };
/** Registrations per IP: each costs a hash and may send a mail, and free accounts feed SMS pumping. */
export const REGISTRATIONS_PER_IP: WindowLimit = { points: 20, durationMs: hours(1) };
/**
 * Reset mails to one address asked for from one IP. Past it the page answers as
 * usual but no mail goes (no enumeration, no mail bombing). Keyed with the IP
 * so an attacker's requests never use up the owner's.
 */
export const RESET_MAILS_PER_EMAIL_AND_IP: WindowLimit = { points: 3, durationMs: hours(1) };
/** Reset mails to one address from all IPs together: the cap on mail bombing one inbox. */
export const RESET_MAILS_PER_EMAIL: WindowLimit = { points: 10, durationMs: hours(1) };
/**
 * Account-recovery links mailed for one account (docs/decisions/011). Asking needs the password, so the
 * limit is per account and visible: it stops whoever has the password from flooding the owner's inbox.
 */
export const RECOVERY_MAILS_PER_ACCOUNT: WindowLimit = { points: 3, durationMs: hours(1) };
/** Sign-in codes by email (the fallback factor): as many as SMS codes to one account, so a known password cannot flood a mailbox. */
export const EMAIL_CODE_MAILS_PER_ACCOUNT: WindowLimit = { points: 10, durationMs: hours(1) };

// ---- SMS / voice code sends (toll fraud, SMS pumping) ----

/** Code sends for one account (sign-in, enrolment and resends together). */
export const CODE_SENDS_PER_ACCOUNT: WindowLimit = { points: 10, durationMs: hours(1) };
/** Code sends to one phone number, whichever account asks. */
export const CODE_SENDS_PER_PHONE: WindowLimit = { points: 10, durationMs: hours(1) };
/** Code sends asked for from one IP. */
export const CODE_SENDS_PER_IP: WindowLimit = { points: 20, durationMs: hours(1) };
/** The global budget's window; its size is SMS_HOURLY_BUDGET. */
export const SMS_BUDGET_WINDOW_MS = hours(1);
/** Twilio's error rate is measured over this window... */
export const SMS_ERROR_WINDOW_MS = minutes(10);
/** ...once at least this many sends were made in it... */
export const SMS_ERROR_MIN_SENDS = 20;
/** ...and the breaker opens when this share of them failed at the provider (an outage: timeouts, network errors, HTTP 5xx, 20429). */
export const SMS_ERROR_RATE_TO_TRIP = 0.5;
/** Sending stays off this long after the error rate trips the breaker. */
export const SMS_BREAKER_OPEN_MS = minutes(15);

/** The growing lockout after the n-th consecutive failure (0 before the 5th). */
export function lockoutMsAfter(failures: number): number {
  if (failures < FREE_CONSECUTIVE_FAILURES) return 0;
  return Math.min(FIRST_LOCKOUT_MS * 2 ** (failures - FREE_CONSECUTIVE_FAILURES), MAX_LOCKOUT_MS);
}

/** Keys never hold a typed login or address in clear (Redis keys are visible to whoever runs Redis). */
const digest = (s: string) => createHash('sha256').update(s).digest('base64url');
/** The lockout key of an existing account: its id, so username, email and case variants share it. */
const ACCOUNT_KEY_PREFIX = 'user:';
export const accountKey = (userId: number) => `${ACCOUNT_KEY_PREFIX}${userId}`;
/**
 * The lockout key of one typed login (normalized: case and whitespace variants share it), whether or not an
 * account matches. What the sign-in page tells about a lockout follows this key only, so that it behaves the
 * same for every login: an account's username and address, which share the account's count, would otherwise
 * let a prober learn that the two belong together (locking one pauses the other).
 */
export const loginKey = (normalizedLogin: string) => `login:${digest(normalizedLogin)}`;
/**
 * A browser the account remembered (a trusted device) counts its wrong passwords apart from the account's,
 * so someone who locks the account by guessing does not lock its owner out of their own devices (OWASP's
 * device cookies). The device's counter locks the same way.
 */
const DEVICE_KEY_PREFIX = 'device:';
export const deviceKey = (tokenHash: string) => `${DEVICE_KEY_PREFIX}${tokenHash}`;

export type Verdict = { ok: true } | { ok: false; retryAfterMs: number };
/**
 * `retryAfterMs: null` = locked until the password is reset. `failures`: the key's new count, when refusing
 * this attempt counted it as a failure (passwords), so the caller can tell whether it started a lockout.
 */
export type LockoutVerdict = { ok: true } | { ok: false; retryAfterMs: number | null; failures?: number };

type Limiter = RateLimiterMemory | RateLimiterRedis;

/** Builds limiters on the chosen store. */
class LimiterFactory {
  constructor(
    private readonly redis: Redis | null,
    private readonly prefix: string,
  ) {}

  /** A small text kept beside the counters for `ttlMs` (in Redis when REDIS_URL is set, shared by every instance). */
  note(name: string): Note {
    return this.redis ? new RedisNote(this.redis, `${this.prefix}:${name}`) : new MemoryNote();
  }

  /** durationMs 0 = the count never expires. */
  make(name: string, points: number, durationMs: number): Limiter {
    const options = { keyPrefix: `${this.prefix}:${name}`, points, duration: Math.ceil(durationMs / 1000) };
    if (!this.redis) return new RateLimiterMemory(options);
    // If Redis stops answering, each instance counts in its own memory until it is back, rather than failing open.
    return new RateLimiterRedis({ ...options, storeClient: this.redis, insuranceLimiter: new RateLimiterMemory(options) });
  }
}

/** A text that forgets itself after a while: why the SMS breaker opened, for the console. */
interface Note {
  set(value: string, ttlMs: number): Promise<void>;
  get(): Promise<string | null>;
  clear(): Promise<void>;
}

class MemoryNote implements Note {
  private value: { text: string; until: number } | null = null;

  set(text: string, ttlMs: number): Promise<void> {
    this.value = { text, until: Date.now() + ttlMs };
    return Promise.resolve();
  }

  get(): Promise<string | null> {
    return Promise.resolve(this.value && this.value.until > Date.now() ? this.value.text : null);
  }

  clear(): Promise<void> {
    this.value = null;
    return Promise.resolve();
  }
}

/**
 * In Redis, so every instance reads the same note. Only informative: when Redis does not answer, the note is
 * not kept (or read as absent) rather than failing the send that tripped the breaker or the console's page.
 */
class RedisNote implements Note {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async set(text: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key, text, 'PX', Math.max(1, Math.ceil(ttlMs))).catch(() => undefined);
  }

  async get(): Promise<string | null> {
    return this.redis.get(this.key).catch(() => null);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key).catch(() => undefined);
  }
}

/** Consume `points`; a refusal is a value, a store failure an exception. */
async function take(limiter: Limiter, key: string, points = 1): Promise<Verdict> {
  try {
    await limiter.consume(key, points);
    return { ok: true };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(error.msBeforeNext, 0) };
    throw error;
  }
}

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

/** Why a code was not sent: a limit (with how long it holds), the country list, or Verify's answer. */
export type SendFailure =
  | { ok: false; reason: 'throttled' | 'paused'; retryAfterMs: number }
  | { ok: false; reason: 'country' }
  | { ok: false; reason: StartFailure };
export type SendOutcome = { ok: true } | SendFailure;

export interface SendRequest {
  userId: number;
  /** E.164. */
  phone: string;
  ip: string;
  channel: VerifyChannel;
  /** The language of the text or call (Verify's `Locale`). */
  locale: Locale;
}

/** Why the breaker opened: the hourly budget was spent, or too many sends failed at the provider. */
export type BreakerReason = { kind: 'budget' } | { kind: 'provider'; errors: number; sends: number };

/** The breaker as the console shows it: closed, or open until a time (with why, when it was recorded). */
export type BreakerState = { open: false } | { open: true; forMs: number; reason: BreakerReason | null };

/** The hourly budget's use: `used` of `budget` in the window that ends in `endsInMs` (null: nothing used yet). */
export interface BudgetState {
  budget: number;
  used: number;
  endsInMs: number | null;
}

function parseReason(text: string | null): BreakerReason | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as BreakerReason;
    return value.kind === 'budget' || value.kind === 'provider' ? value : null;
  } catch {
    return null;
  }
}

/**
 * Every SMS or voice code goes out through `send`: country allow-list, the
 * circuit breaker, per-account / per-number / per-IP limits, the global hourly
 * budget, then Verify. Twilio's answers feed the error-rate breaker.
 */
export class SmsGuard {
  private readonly perAccount: Limiter;
  private readonly perPhone: Limiter;
  private readonly perIp: Limiter;
  private readonly budget: Limiter;
  private readonly breaker: Limiter;
  private readonly sends: Limiter;
  private readonly errors: Limiter;
  /** Why the breaker is open (BreakerReason as JSON), for as long as it is. */
  private readonly breakerReason: Note;

  constructor(
    factory: LimiterFactory,
    private readonly allowedCountries: readonly string[] | null,
    private readonly hourlyBudget: number,
    private readonly log: FastifyBaseLogger,
  ) {
    this.breakerReason = factory.note('sms-breaker-reason');
    this.perAccount = factory.make('sms-account', CODE_SENDS_PER_ACCOUNT.points, CODE_SENDS_PER_ACCOUNT.durationMs);
    this.perPhone = factory.make('sms-phone', CODE_SENDS_PER_PHONE.points, CODE_SENDS_PER_PHONE.durationMs);
    this.perIp = factory.make('sms-ip', CODE_SENDS_PER_IP.points, CODE_SENDS_PER_IP.durationMs);
    this.budget = factory.make('sms-budget', hourlyBudget, SMS_BUDGET_WINDOW_MS);
    this.breaker = factory.make('sms-breaker', 1, SMS_BREAKER_OPEN_MS);
    this.sends = factory.make('sms-sends', Number.MAX_SAFE_INTEGER, SMS_ERROR_WINDOW_MS);
    this.errors = factory.make('sms-errors', Number.MAX_SAFE_INTEGER, SMS_ERROR_WINDOW_MS);
  }

  /** true when the number's country may receive codes (SMS_ALLOWED_COUNTRIES; unset = all). */
  countryAllowed(phone: string): boolean {
    if (this.allowedCountries === null) return true;
    // Numbers without a country (+800, +882 satellite and other international networks) are a toll-fraud favourite.
    const country = phoneNumbers().parsePhoneNumberFromString(phone)?.country;
    return country !== undefined && this.allowedCountries.includes(country);
  }

  /** Milliseconds the breaker stays open, or 0 when codes may be sent. */
  async pausedForMs(): Promise<number> {
    const state = await this.breaker.get('global');
    return state && state.consumedPoints > 1 ? Math.max(state.msBeforeNext, 1) : 0;
  }

  /** The breaker for the console: open or closed, for how long, and why when that was recorded. */
  async breakerState(): Promise<BreakerState> {
    const forMs = await this.pausedForMs();
    if (forMs === 0) return { open: false };
    return { open: true, forMs, reason: parseReason(await this.breakerReason.get()) };
  }

  /** How much of the hourly budget the current window used. */
  async budgetState(): Promise<BudgetState> {
    const state = await this.budget.get('global');
    if (!state || state.consumedPoints === 0) return { budget: this.hourlyBudget, used: 0, endsInMs: null };
    // A refused send still counts a point: never say more than the whole budget was used.
    return { budget: this.hourlyBudget, used: Math.min(state.consumedPoints, this.hourlyBudget), endsInMs: Math.max(state.msBeforeNext, 0) };
  }

  /**
   * The console's "Resume": closes the breaker and starts the provider error count afresh. A spent budget starts
   * again from zero too — else the next send would open the breaker again at once — so a resume lets at most one
   * more budget's worth of codes go before the breaker opens again; a budget not spent keeps its count. Returns
   * what was closed, or null when the breaker was closed already.
   */
  async resume(): Promise<{ reason: BreakerReason | null; budgetRestarted: boolean } | null> {
    const state = await this.breakerState();
    if (!state.open) return null;
    const budget = await this.budgetState();
    const budgetRestarted = budget.used >= budget.budget;
    await Promise.all([
      this.breaker.delete('global'),
      this.breakerReason.clear(),
      this.sends.delete('global'),
      this.errors.delete('global'),
      budgetRestarted ? this.budget.delete('global') : undefined,
    ]);
    this.log.warn({ event: 'sms_circuit_breaker_resumed', reason: state.reason }, 'SMS circuit breaker closed from the console: codes are sent again.');
    return { reason: state.reason, budgetRestarted };
  }

  async send(verify: VerifyService, request: SendRequest): Promise<SendOutcome> {
    if (!this.countryAllowed(request.phone)) return { ok: false, reason: 'country' };
    const paused = await this.pausedForMs();
    if (paused > 0) return { ok: false, reason: 'paused', retryAfterMs: paused };

    for (const [limiter, key] of [
      [this.perAccount, accountKey(request.userId)],
      [this.perPhone, digest(request.phone)],
      [this.perIp, rateLimitKeyForIp(request.ip)],
    ] as const) {
      const verdict = await take(limiter, key);
      if (!verdict.ok) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs };
    }
    const budget = await take(this.budget, 'global');
    if (!budget.ok) {
      await this.trip(budget.retryAfterMs, 'the hourly SMS budget (SMS_HOURLY_BUDGET) is spent', { kind: 'budget' });
      return { ok: false, reason: 'paused', retryAfterMs: budget.retryAfterMs };
    }

    const result = await verify.start(request.phone, request.channel, request.locale);
    await this.recordOutcome(result.ok ? null : result.reason);
    return result.ok ? { ok: true } : { ok: false, reason: result.reason };
  }

  /**
   * Only provider outages ('unavailable') count towards the error rate.
   * Answers about one number (invalid, landline, STOP, a blocked prefix or
   * country, too many sends to it) cost nothing and an attacker can cause them
   * at will: counting them would let anyone open the breaker and stop every
   * sign-in code. Configuration errors ('misconfigured': bad credentials, a
   * channel turned off) fail every send until the operator fixes them, and are
   * reported as such (error log, metric); pausing on them would only keep SMS
   * off for another SMS_BREAKER_OPEN_MS after the fix. The table of which
   * Twilio code is which: TWILIO_VERIFY_ERRORS in src/adapters/verify/twilio.ts.
   */
  private async recordOutcome(failure: StartFailure | null): Promise<void> {
    const sends = (await this.sends.penalty('global', 1)).consumedPoints;
    if (failure !== 'unavailable') return;
    const errors = (await this.errors.penalty('global', 1)).consumedPoints;
    if (sends >= SMS_ERROR_MIN_SENDS && errors / sends >= SMS_ERROR_RATE_TO_TRIP) {
      await this.trip(SMS_BREAKER_OPEN_MS, `${errors} of the last ${sends} code sends failed at the provider`, { kind: 'provider', errors, sends });
      await Promise.all([this.sends.delete('global'), this.errors.delete('global')]);
    }
  }

  private async trip(forMs: number, why: string, reason: BreakerReason): Promise<void> {
    if ((await this.pausedForMs()) > 0) return; // already open: one log line per trip
    const seconds = Math.max(1, Math.ceil(forMs / 1000));
    await this.breaker.block('global', seconds);
    await this.breakerReason.set(JSON.stringify(reason), seconds * 1000);
    this.log.error(
      { event: 'sms_circuit_breaker_open', reason: why, pausedForMs: forMs },
      `SMS circuit breaker open: ${why}. No codes will be sent for ${Math.max(1, Math.ceil(forMs / minutes(1)))} min. Check Twilio and the SMS traffic (toll fraud?).`,
    );
  }
}

/** What the flows use. One per app; `close()` at shutdown. */
export class Limits {
  /** Consecutive wrong passwords per account (or per unknown login). */
  readonly password: ConsecutiveFailureLockout;
  /** Consecutive wrong 2FA codes per account, across pending sign-ins and enrolments. */
  readonly code: ConsecutiveFailureLockout;
  readonly sms: SmsGuard;
  private readonly signInFailuresPerIp: Limiter;
  private readonly codeFailuresPerIp: Limiter;
  private readonly resetRequestsPerIp: Limiter;
  private readonly registrationsPerIp: Limiter;
  private readonly resetMailsPerEmailAndIp: Limiter;
  private readonly resetMailsPerEmail: Limiter;
  private readonly recoveryMailsPerAccount: Limiter;
  private readonly emailCodeMailsPerAccount: Limiter;

  constructor(
    factory: LimiterFactory,
    config: Pick<Config, 'sms'>,
    log: FastifyBaseLogger,
    private readonly redis: Redis | null,
  ) {
    this.password = new ConsecutiveFailureLockout(factory, 'password', true);
    this.code = new ConsecutiveFailureLockout(factory, 'code', false);
    this.sms = new SmsGuard(factory, config.sms.allowedCountries, config.sms.hourlyBudget, log);
    this.signInFailuresPerIp = factory.make('sign-in-ip', SIGN_IN_FAILURES_PER_IP.points, SIGN_IN_FAILURES_PER_IP.durationMs);
    this.codeFailuresPerIp = factory.make('code-ip', CODE_FAILURES_PER_IP.points, CODE_FAILURES_PER_IP.durationMs);
    this.resetRequestsPerIp = factory.make('reset-ip', RESET_REQUESTS_PER_IP.points, RESET_REQUESTS_PER_IP.durationMs);
    this.registrationsPerIp = factory.make('register-ip', REGISTRATIONS_PER_IP.points, REGISTRATIONS_PER_IP.durationMs);
    this.resetMailsPerEmailAndIp = factory.make('reset-email-ip', RESET_MAILS_PER_EMAIL_AND_IP.points, RESET_MAILS_PER_EMAIL_AND_IP.durationMs);
    this.resetMailsPerEmail = factory.make('reset-email', RESET_MAILS_PER_EMAIL.points, RESET_MAILS_PER_EMAIL.durationMs);
    this.recoveryMailsPerAccount = factory.make('recovery-mail', RECOVERY_MAILS_PER_ACCOUNT.points, RECOVERY_MAILS_PER_ACCOUNT.durationMs);
    this.emailCodeMailsPerAccount = factory.make('email-code-mail', EMAIL_CODE_MAILS_PER_ACCOUNT.points, EMAIL_CODE_MAILS_PER_ACCOUNT.durationMs);
  }

  /**
   * A sign-in attempt from `ip` counts as a failure up front, so a burst of
   * parallel requests cannot all pass before the first is counted; a success
   * gives the point back (`refundSignInFrom`).
   */
  beginSignInFrom(ip: string): Promise<Verdict> {
    return take(this.signInFailuresPerIp, rateLimitKeyForIp(ip));
  }

  /** The attempt was not a failure (a success): give its point back. */
  async refundSignInFrom(ip: string): Promise<void> {
    await this.signInFailuresPerIp.reward(rateLimitKeyForIp(ip), 1);
  }

  /** Same pattern for 2FA codes from one IP. */
  beginCodeCheckFrom(ip: string): Promise<Verdict> {
    return take(this.codeFailuresPerIp, rateLimitKeyForIp(ip));
  }

  /** The code was right, or could not be checked (Twilio down): give the point back. */
  async refundCodeCheckFrom(ip: string): Promise<void> {
    await this.codeFailuresPerIp.reward(rateLimitKeyForIp(ip), 1);
  }

  /** A "forgot password" request from `ip`: refused (429) past RESET_REQUESTS_PER_IP. */
  resetRequestFrom(ip: string): Promise<Verdict> {
    return take(this.resetRequestsPerIp, rateLimitKeyForIp(ip));
  }

  /** A registration from `ip`: refused (429) past REGISTRATIONS_PER_IP. */
  registrationFrom(ip: string): Promise<Verdict> {
    return take(this.registrationsPerIp, rateLimitKeyForIp(ip));
  }

  /** Whether a reset mail may go to this (normalized) address for a request from `ip`. */
  async resetMailAllowed(normalizedEmail: string, ip: string): Promise<boolean> {
    const email = digest(normalizedEmail);
    if (!(await take(this.resetMailsPerEmailAndIp, `${email}:${rateLimitKeyForIp(ip)}`)).ok) return false;
    return (await take(this.resetMailsPerEmail, email)).ok;
  }

  /** An account-recovery link mailed to the account's owner: refused past RECOVERY_MAILS_PER_ACCOUNT. */
  recoveryMailTo(userId: number): Promise<Verdict> {
    return take(this.recoveryMailsPerAccount, accountKey(userId));
  }

  /** A sign-in code mailed to the account's owner: refused past EMAIL_CODE_MAILS_PER_ACCOUNT. */
  emailCodeMailTo(userId: number): Promise<Verdict> {
    return take(this.emailCodeMailsPerAccount, accountKey(userId));
  }

  /** A password reset ends every lockout of the account, and of its username and address: the owner proved control of the mailbox. */
  async clearAccount(user: { id: number; username_normalized: string; email_normalized: string }): Promise<void> {
    await Promise.all([
      this.password.clear(accountKey(user.id)),
      this.password.clear(loginKey(user.username_normalized)),
      this.password.clear(loginKey(user.email_normalized)),
      this.code.clear(accountKey(user.id)),
    ]);
  }

  /** True when the counters are in Redis (REDIS_URL). */
  get usesRedis(): boolean {
    return this.redis !== null;
  }

  /** Resolves when the counters' store answers (/readyz): at once in memory, a PING to Redis otherwise. */
  async ping(): Promise<void> {
    if (this.redis) await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * The limits for an app: in memory, or in Redis when REDIS_URL is set (the
 * connection is made here, so a wrong REDIS_URL stops the start).
 */
export async function createLimits(config: Pick<Config, 'redisUrl' | 'rateLimitKeyPrefix' | 'sms'>, log: FastifyBaseLogger): Promise<Limits> {
  let redis: Redis | null = null;
  if (config.redisUrl) {
    // No offline queue: while Redis is away, limiter calls fail at once and the in-memory insurance counts.
    // A command that gets no answer fails after a second (a hung Redis must not hang sign-ins).
    // ioredis is loaded only when REDIS_URL is set: the embedded default never pays for it.
    const { Redis } = await import('ioredis');
    redis = new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: seconds(5), commandTimeout: seconds(1) });
    redis.on('error', (error: Error) => log.warn({ err: error }, 'Redis (rate limits): %s', error.message));
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new Error(`Cannot connect to REDIS_URL for rate limits: ${(error as Error).message}`);
    }
  }
  return new Limits(new LimiterFactory(redis, config.rateLimitKeyPrefix), config, log, redis);
}
