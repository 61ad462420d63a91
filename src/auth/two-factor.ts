/**
 * What sign-in and enrolment share about SMS codes: the user-facing message for
 * each Verify outcome, the resend rule, and how a number is shown.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CheckFailure, StartFailure } from '../adapters/verify/types.js';
import { CODE_RESEND_INTERVAL_MS } from './policy.js';

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
  const countryCode = parsePhoneNumberFromString(e164)?.countryCallingCode;
  return `${countryCode ? `+${countryCode}` : ''} ••• ${e164.slice(-4)}`;
}
