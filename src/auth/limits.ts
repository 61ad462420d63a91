/**
 * Throttles and lockouts: how often anyone may try a password, a code, a reset
 * request or an SMS send — the one object (`Limits`) the flows are given. The
 * parts: the store (limit-store.ts), the lockouts and their keys (lockout.ts),
 * the SMS guard (sms-guard.ts); the numbers, with their units and reasons, are
 * in policy.ts. See docs/decisions/008-rate-limits.md.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { seconds } from '../lib/duration.js';
import { rateLimitKeyForIp } from '../lib/ip.js';
import { keyDigest, LimiterFactory, take, type Limiter, type LimitVerdict } from './limit-store.js';
import { accountKey, ConsecutiveFailureLockout, loginKey } from './lockout.js';
import {
  CODE_FAILURES_PER_IP,
  EMAIL_CODE_MAILS_PER_ACCOUNT,
  RECOVERY_MAILS_PER_ACCOUNT,
  REGISTRATIONS_PER_IP,
  RESET_MAILS_PER_EMAIL,
  RESET_MAILS_PER_EMAIL_AND_IP,
  RESET_REQUESTS_PER_IP,
  SIGN_IN_FAILURES_PER_IP,
} from './policy.js';
import { SmsGuard } from './sms-guard.js';

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
  beginSignInFrom(ip: string): Promise<LimitVerdict> {
    return take(this.signInFailuresPerIp, rateLimitKeyForIp(ip));
  }

  /** The attempt was not a failure (a success): give its point back. */
  async refundSignInFrom(ip: string): Promise<void> {
    await this.signInFailuresPerIp.reward(rateLimitKeyForIp(ip), 1);
  }

  /** Same pattern for 2FA codes from one IP. */
  beginCodeCheckFrom(ip: string): Promise<LimitVerdict> {
    return take(this.codeFailuresPerIp, rateLimitKeyForIp(ip));
  }

  /** The code was right, or could not be checked (Twilio down): give the point back. */
  async refundCodeCheckFrom(ip: string): Promise<void> {
    await this.codeFailuresPerIp.reward(rateLimitKeyForIp(ip), 1);
  }

  /** A "forgot password" request from `ip`: refused (429) past RESET_REQUESTS_PER_IP. */
  resetRequestFrom(ip: string): Promise<LimitVerdict> {
    return take(this.resetRequestsPerIp, rateLimitKeyForIp(ip));
  }

  /** A registration from `ip`: refused (429) past REGISTRATIONS_PER_IP. */
  registrationFrom(ip: string): Promise<LimitVerdict> {
    return take(this.registrationsPerIp, rateLimitKeyForIp(ip));
  }

  /** Whether a reset mail may go to this (normalized) address for a request from `ip`. */
  async resetMailAllowed(normalizedEmail: string, ip: string): Promise<boolean> {
    const email = keyDigest(normalizedEmail);
    if (!(await take(this.resetMailsPerEmailAndIp, `${email}:${rateLimitKeyForIp(ip)}`)).ok) return false;
    return (await take(this.resetMailsPerEmail, email)).ok;
  }

  /** An account-recovery link mailed to the account's owner: refused past RECOVERY_MAILS_PER_ACCOUNT. */
  recoveryMailTo(userId: number): Promise<LimitVerdict> {
    return take(this.recoveryMailsPerAccount, accountKey(userId));
  }

  /** A sign-in code mailed to the account's owner: refused past EMAIL_CODE_MAILS_PER_ACCOUNT. */
  emailCodeMailTo(userId: number): Promise<LimitVerdict> {
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
