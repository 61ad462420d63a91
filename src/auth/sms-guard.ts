/**
 * The guard every code send passes (toll fraud, SMS pumping): the country list, per-account / per-number / per-IP
 * limits, the global hourly budget, and the circuit breaker that Twilio's errors trip. The numbers are in
 * policy.ts; the counting in limit-store.ts. See docs/decisions/008-rate-limits.md.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { StartFailure } from '../adapters/verify/types.js';
import { minutes } from '../lib/duration.js';
import { rateLimitKeyForIp } from '../lib/ip.js';
import { phoneNumbers } from '../lib/phone-numbers.js';
import { accountKey } from './lockout.js';
import { keyDigest, take, type Limiter, type LimiterFactory, type Note } from './limit-store.js';
import {
  CODE_SENDS_PER_ACCOUNT,
  CODE_SENDS_PER_IP,
  CODE_SENDS_PER_PHONE,
  SMS_BREAKER_OPEN_MS,
  SMS_BUDGET_WINDOW_MS,
  SMS_ERROR_MIN_SENDS,
  SMS_ERROR_RATE_TO_TRIP,
  SMS_ERROR_WINDOW_MS,
} from './policy.js';

/** Why the guard refused a send: a limit (with how long it holds) or the country list. */
export type SendRefusal =
  | { ok: false; reason: 'throttled' | 'paused'; retryAfterMs: number }
  | { ok: false; reason: 'country' };
/** Why a code was not sent: the guard's refusal, or Verify's answer. */
export type SendFailure = SendRefusal | { ok: false; reason: StartFailure };
export type SendOutcome = { ok: true } | SendFailure;

/** The send the guard is asked to admit: who it is for, where it goes, who asks. */
export interface SendRequest {
  userId: number;
  /** E.164. */
  phone: string;
  ip: string;
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
 * Every SMS or voice code is first admitted by `admitSend`: country allow-list,
 * the circuit breaker, per-account / per-number / per-IP limits, the global
 * hourly budget. The sender then calls Verify (src/auth/two-factor.ts) and
 * reports Twilio's answer to `recordSendOutcome`, which feeds the error-rate breaker.
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

  /**
   * Admits one code send or refuses it, checking in this order: the country list, the breaker, the per-account,
   * per-number and per-IP limits, then the hourly budget (a spent budget opens the breaker). An admitted send must
   * be followed by `recordSendOutcome` with Verify's answer.
   */
  async admitSend(request: SendRequest): Promise<{ ok: true } | SendRefusal> {
    if (!this.countryAllowed(request.phone)) return { ok: false, reason: 'country' };
    const paused = await this.pausedForMs();
    if (paused > 0) return { ok: false, reason: 'paused', retryAfterMs: paused };

    for (const [limiter, key] of [
      [this.perAccount, accountKey(request.userId)],
      [this.perPhone, keyDigest(request.phone)],
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
    return { ok: true };
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
   * `failure` is Verify's answer to an admitted send: null when the code went out.
   */
  async recordSendOutcome(failure: StartFailure | null): Promise<void> {
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
