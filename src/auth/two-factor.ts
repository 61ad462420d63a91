/**
 * What sign-in and enrolment share about SMS codes: the user-facing message for
 * each Verify outcome, the resend rule, and how a number is shown.
 */
import type { CheckFailure, StartFailure, VerifyChannel } from '../adapters/verify/types.js';
import type { AppContext } from '../context.js';
import type { SendOutcome } from './limits.js';
import { CODE_RESEND_INTERVAL_MS } from './policy.js';
import { phoneNumbers } from '../lib/phone-numbers.js';

export const START_FAILURE_MESSAGES: Record<StartFailure, string> = {
  invalid_number: 'That phone number is not valid. Enter it with its country code, for example +44 7400 123456.',
  landline: 'That number looks like a landline, which cannot receive text messages. Choose "Call me instead".',
  blocked: 'We cannot send codes to that number or country. Try another number.',
  too_many_sends: 'Too many codes were sent to this number. Wait 10 minutes, then try again.',
  unavailable: 'We could not send a code right now. Please try again in a moment.',
};

export const CHECK_FAILURE_MESSAGES: Record<CheckFailure, string> = {
  wrong_code: 'That code is not right. Check the latest message and try again.',
  expired: 'That code has expired or was already used. Send a new code.',
  too_many_checks: 'Too many tries with this code. Send a new code.',
  unavailable: 'We could not check your code right now. Please try again in a moment.',
};

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
export function resendTooSoonMessage(codeSentAt: number | null, now: number): string | null {
  const wait = resendWaitMs(codeSentAt, now);
  return wait > 0 ? `Please wait ${Math.ceil(wait / 1000)} seconds before asking for another code.` : null;
}

export function codeSentMessage(channel: VerifyChannel): string {
  return channel === 'call' ? 'We are calling you now with your code.' : 'We sent you a new code.';
}

/**
 * Every code Gatehouse sends goes through here (sign-in, enrolment, resends),
 * so limits on sending apply to all of them. Returns the user-facing message
 * on failure.
 */
export async function sendCode(
  ctx: Pick<AppContext, 'verify' | 'limits'>,
  phone: string,
  channel: VerifyChannel,
  /** Who asks: the account the code is for and the client IP (src/auth/limits.ts counts both). */
  from: { userId: number; ip: string },
): Promise<SendOutcome> {
  // Country allow-list, per-account / per-number / per-IP limits, the hourly budget and the circuit breaker.
  return ctx.limits.sms.send(ctx.verify, { userId: from.userId, ip: from.ip, phone, channel });
}
