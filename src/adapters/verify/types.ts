/**
 * The seam to a phone-verification service: start a verification by SMS or
 * voice call, then check the code the user typed. Implementations: Twilio
 * Verify (twilio.ts) and the development outbox (dev.ts). Expected failures are
 * values, not exceptions, so every page can turn them into a clear message.
 *
 * The failures are grouped by what the person can do about them; which Twilio
 * error codes give each is one table, TWILIO_VERIFY_ERRORS in twilio.ts.
 */
import type { Locale } from '../../i18n/locales.js';

export type VerifyChannel = 'sms' | 'call';

export type StartFailure =
  // -- Fix the number --
  /** The number is not a valid phone number (Twilio 60200, 21211). */
  | 'invalid_number'
  // -- Use another number, or a voice call --
  /** The number cannot receive text messages (a landline); a voice call may work (Twilio 60205, 21614). */
  | 'landline'
  /** The number turned our text messages off by replying STOP; a voice call works, or START turns them back on (Twilio 21610). */
  | 'unsubscribed'
  /** The number's prefix or country is blocked, by fraud or geographic rules (Twilio 60410, 60605, 21408, 60220). */
  | 'blocked'
  // -- Wait, then try again --
  /** Too many codes were sent to this number recently (Twilio 60203). */
  | 'too_many_sends'
  /** Several codes were asked for this number at the same moment (Twilio 60212). */
  | 'number_busy'
  // -- Nothing the person can do --
  /**
   * The operator's Twilio account or Verify service refuses the request
   * (credentials, service id, a channel turned off…): every send fails until
   * the operator fixes it. Logged at error level and counted in
   * gatehouse_twilio_config_errors_total; never counts as an outage.
   */
  | 'misconfigured'
  /** The service could not be reached, timed out, or failed (HTTP 5xx, 20429, network): the only failure that counts as an outage. */
  | 'unavailable';

export type CheckFailure =
  /** The code is wrong; the verification is still open (Twilio: HTTP 200, status "pending"). */
  | 'wrong_code'
  /** No open verification: expired, already approved, or never started (Twilio 20404). */
  | 'expired'
  /** The verification took too many checks (Twilio 60202). */
  | 'too_many_checks'
  /** As for sends: the operator's Twilio set-up refuses the check (e.g. 20003). Says nothing about the code. */
  | 'misconfigured'
  /** As for sends: an outage. Says nothing about the code. */
  | 'unavailable';

export type StartResult = { ok: true } | { ok: false; reason: StartFailure };
export type CheckResult = { ok: true } | { ok: false; reason: CheckFailure };

/**
 * Check failures that say nothing about the code typed: the attempt is
 * released, never counted as a wrong code, so an outage or a broken Twilio
 * set-up cannot lock anyone's codes.
 */
export function checkGaveNoVerdict(reason: CheckFailure): reason is 'misconfigured' | 'unavailable' {
  return reason === 'misconfigured' || reason === 'unavailable';
}

export interface VerifyService {
  /**
   * Sends a code to an E.164 number, its text or voice in `locale` (Verify's
   * `Locale` parameter: Twilio words the message). Never throws for service failures.
   */
  start(to: string, channel: VerifyChannel, locale: Locale): Promise<StartResult>;
  /** Checks a code; only `{ ok: true }` (Twilio "approved") may let anyone in. */
  check(to: string, code: string): Promise<CheckResult>;
}
