/**
 * What sign-in and enrolment share about SMS codes: sending through the
 * limits, the user-facing message for each outcome, the resend rule, and how
 * a number is shown.
 */
import type { VerifyChannel } from '../adapters/verify/types.js';
import type { AppContext } from '../context.js';
import { recordSmsSend, type SmsSendOutcome } from '../db/sms-sends.js';
import type { Locale } from '../i18n/locales.js';
import type { Messages } from '../i18n/messages.js';
import type { SendFailure, SendOutcome } from './sms-guard.js';
import { CODE_RESEND_INTERVAL_MS } from './policy.js';
import { phoneNumbers } from '../lib/phone-numbers.js';

/** Users paste codes with spaces or dashes ("123 456"); only digits matter. */
export function normalizeCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^[0-9]{4,10}$/.test(digits) ? digits : null;
}

/** Milliseconds until another code may be sent (0 = now). */
export function resendWaitMs(codeSentAt: number | null, now: number): number {
  if (codeSentAt === null) return 0;
  return Math.max(0, codeSentAt + CODE_RESEND_INTERVAL_MS - now);
}

/** "+1 ••• ••• 4567": enough to recognise one's own phone, not enough to learn the number. */
export function maskPhone(e164: string): string {
  const countryCode = phoneNumbers().parsePhoneNumberFromString(e164)?.countryCallingCode;
  return `${countryCode ? `+${countryCode}` : ''} ••• ${e164.slice(-4)}`;
}

/** The flash shown when a new code is asked for too soon, or null when one may be sent. */
export function resendTooSoonMessage(t: Messages, codeSentAt: number | null, now: number): string | null {
  const wait = resendWaitMs(codeSentAt, now);
  return wait > 0 ? t.codes.resendTooSoon(Math.ceil(wait / 1000)) : null;
}

/** The account's codes are locked: for a while, or (after too many) until a password reset. */
export function codesLocked(t: Messages, retryAfterMs: number | null): string {
  return retryAfterMs === null ? t.codes.limits.codesLockedUntilReset : t.codes.limits.tooManyWrongCodes(retryAfterMs);
}

export function codeSentMessage(t: Messages, channel: VerifyChannel): string {
  return t.codes.codeSent[channel];
}

/** What a person reads when a code could not be sent: a limit, the country list, or Verify's own answer. */
export function sendFailureMessage(t: Messages, failure: SendFailure): string {
  const limits = t.codes.limits;
  switch (failure.reason) {
    case 'country':
      return limits.countryNotAllowed;
    case 'paused':
      return limits.smsPaused(failure.retryAfterMs);
    case 'throttled':
      return limits.tooManyCodesSent(failure.retryAfterMs);
    default:
      return t.codes.startFailure[failure.reason];
  }
}

export type SendCodeResult = { ok: true } | { ok: false; reason: SendFailure['reason']; message: string };

/** Gatehouse's own refusals (the number was never handed to the provider); any other failure is the provider's. */
const REFUSED_BY_US: ReadonlySet<SendFailure['reason']> = new Set(['country', 'throttled', 'paused']);

function outcomeOf(outcome: SendOutcome): SmsSendOutcome {
  if (outcome.ok) return 'sent';
  return REFUSED_BY_US.has(outcome.reason) ? 'refused' : 'failed';
}

/**
 * The destination as the send record keeps it: its country and calling code, never the number
 * (src/db/sms-sends.ts).
 */
function destinationOf(phone: string): { country: string | null; callingCode: string | null } {
  const parsed = phoneNumbers().parsePhoneNumberFromString(phone);
  return { country: parsed?.country ?? null, callingCode: parsed?.countryCallingCode ?? null };
}

/**
 * The guard admits the send (country allow-list, per-account / per-number / per-IP limits, the hourly budget and
 * the circuit breaker), then Verify sends it, and Verify's answer goes back to the guard's error-rate breaker.
 */
async function sendThroughGuard(
  ctx: Pick<AppContext, 'verify' | 'limits'>,
  phone: string,
  channel: VerifyChannel,
  from: { userId: number; ip: string },
  locale: Locale,
): Promise<SendOutcome> {
  const admitted = await ctx.limits.sms.admitSend({ userId: from.userId, ip: from.ip, phone });
  if (!admitted.ok) return admitted;
  const result = await ctx.verify.start(phone, channel, locale);
  await ctx.limits.sms.recordSendOutcome(result.ok ? null : result.reason);
  return result.ok ? { ok: true } : { ok: false, reason: result.reason };
}

/**
 * Every code Gatehouse sends goes through here (sign-in, enrolment, resends),
 * so limits on sending apply to all of them, and each send is recorded (when,
 * the country, the channel, what came of it) for the console's SMS page. The
 * message (text or voice) is in the asker's language: Verify is sent its
 * `Locale`. Returns the user-facing message on failure, in that language too.
 */
export async function sendCode(
  ctx: Pick<AppContext, 'verify' | 'limits' | 'db' | 'clock'>,
  phone: string,
  channel: VerifyChannel,
  /** Who asks: the account the code is for and the client IP (src/auth/limits.ts counts both). */
  from: { userId: number; ip: string },
  t: Messages,
): Promise<SendCodeResult> {
  const outcome = await sendThroughGuard(ctx, phone, channel, from, t.common.locale);
  await recordSmsSend(ctx.db, { at: ctx.clock.now(), ...destinationOf(phone), channel, outcome: outcomeOf(outcome), reason: outcome.ok ? null : outcome.reason });
  return outcome.ok ? outcome : { ok: false, reason: outcome.reason, message: sendFailureMessage(t, outcome) };
}
