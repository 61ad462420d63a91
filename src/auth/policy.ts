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

// ---- Delayed account recovery (docs/decisions/011-delayed-account-recovery.md) ----

/** The mailed link that starts a recovery works this long, once (it only proves the mailbox; the wait comes after). */
export const ACCOUNT_RECOVERY_LINK_LIFETIME_MS = hours(1);
/**
 * ACCOUNT_RECOVERY_WAIT's default: how long a started recovery waits before the second factors go. Two days
 * let an owner who is asleep, travelling or offline for a weekend see the "recovery started" mail and cancel.
 */
export const DEFAULT_ACCOUNT_RECOVERY_WAIT_MS = hours(48);
/** The shortest wait ACCOUNT_RECOVERY_WAIT accepts: below it the owner has no real chance to see the notice. */
export const MIN_ACCOUNT_RECOVERY_WAIT_MS = hours(1);
/** The longest: past a month, a locked-out owner is better served by an administrator (`npm run admin -- reset-factors`). */
export const MAX_ACCOUNT_RECOVERY_WAIT_MS = days(30);

