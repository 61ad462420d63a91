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

// ---- Throttles and lockouts (docs/decisions/008-rate-limits.md; counted by src/auth/limits.ts) ----

// Consecutive failures of one account (passwords, and separately codes)

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

// Per client IP (request.ip: the socket, or the proxy's header when TRUST_PROXY names the proxy)

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

// SMS / voice code sends (toll fraud, SMS pumping)

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
