/**
 * The seam to a phone-verification service: start a verification by SMS or
 * voice call, then check the code the user typed. Implementations: Twilio
 * Verify (twilio.ts) and the development outbox (dev.ts). Expected failures are
 * values, not exceptions, so every page can turn them into a clear message.
 */
import type { Locale } from '../../i18n/locales.js';

export type VerifyChannel = 'sms' | 'call';

export type StartFailure =
  /** The number is not a valid, reachable phone number (Twilio 60200). */
  | 'invalid_number'
  /** The number is a landline and cannot receive SMS; a voice call may work (Twilio 60205). */
  | 'landline'
  /** The number's prefix or country is blocked (Twilio 60410, 60605). */
  | 'blocked'
  /** Too many codes were sent to this number recently (Twilio 60203). */
  | 'too_many_sends'
  /** The service could not be reached, timed out, or failed (5xx, 20429, network). */
  | 'unavailable';

export type CheckFailure =
  /** The code is wrong; the verification is still open (Twilio: HTTP 200, status "pending"). */
  | 'wrong_code'
  /** No open verification: expired, already approved, or never started (Twilio 20404). */
  | 'expired'
  /** The verification took too many checks (Twilio 60202). */
  | 'too_many_checks'
  | 'unavailable';

export type StartResult = { ok: true } | { ok: false; reason: StartFailure };
export type CheckResult = { ok: true } | { ok: false; reason: CheckFailure };

export interface VerifyService {
  /**
   * Sends a code to an E.164 number, its text or voice in `locale` (Verify's
   * `Locale` parameter: Twilio words the message). Never throws for service failures.
   */
  start(to: string, channel: VerifyChannel, locale: Locale): Promise<StartResult>;
  /** Checks a code; only `{ ok: true }` (Twilio "approved") may let anyone in. */
  check(to: string, code: string): Promise<CheckResult>;
}
