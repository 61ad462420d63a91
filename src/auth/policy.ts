/**
 * The security numbers of sign-in, in one place, each with its unit and the
 * reason for it.
 */
import { days, hours, minutes, seconds } from '../lib/duration.js';

/** Without "remember me": idle timeout (the issue; OWASP ASVS 7.3.1 allows up to 30 min–2 h for low-risk apps). */
export const SESSION_IDLE_TIMEOUT_MS = hours(2);
/** Without "remember me": absolute lifetime, so a tab left open is not signed in forever (ASVS 7.3.2). */
export const SESSION_MAX_LIFETIME_MS = hours(24);
/** With "remember me". */
export const REMEMBER_ME_LIFETIME_MS = days(30);
/** A password-only (pending second factor) sign-in expires after this. */
export const PENDING_SIGN_IN_LIFETIME_MS = minutes(10);
/** Wrong codes before a pending sign-in (or a phone enrolment) is ended. */
export const MAX_CODE_ATTEMPTS = 5;
/** A new code can be asked for once this long after the last one. */
export const CODE_RESEND_INTERVAL_MS = seconds(30);
/** An enrolment (phone typed, code not yet confirmed) lasts as long as a Verify code. */
export const PHONE_ENROLLMENT_LIFETIME_MS = minutes(10);
/** Session activity and a user's `last_seen` are written at most this often, never on every request. */
export const ACTIVITY_WRITE_INTERVAL_MS = minutes(1);
/** A password-reset link works this long, once. */
export const PASSWORD_RESET_LIFETIME_MS = minutes(30);
