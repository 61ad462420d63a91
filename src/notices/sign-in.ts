/** Notices about signing in: from a new browser, paused after wrong guesses, with a recovery code, and a sign-in code by email. */
import { RESET_PASSWORD_PATH } from '../lib/paths.js';
import { deviceName } from '../lib/user-agent.js';
import { expiring, told, type Notice } from './notice.js';

/** From a browser the account has not used before: what (named in the owner's language), where and when. */
export const newBrowser = (userAgent: string | null, ip: string): Notice =>
  told('new_browser', { wasntMe: true }, (t) => t.login.mail.newBrowser, (m, at, t) => [m.what(deviceName(t, userAgent), ip, at), m.ifYou]);

/** What was guessed: the password, or codes after the right password (the password is then known). */
export type LockoutCause = 'password' | 'code';

/** Sign-in is paused: for `forMs`, or until a password reset. */
export const signInPaused = (cause: LockoutCause, lockout: { untilReset: boolean; forMs: number }): Notice =>
  told('sign_in_paused', { wasntMe: true }, (t) => t.login.mail.lockout, (m, at, t) => [
    cause === 'password' ? m.wrongPasswords(at) : m.wrongCodes(at),
    lockout.untilReset ? m.untilReset : m.forAWhile(t.common.time.duration(lockout.forMs)),
    cause === 'code' ? m.ifNotYouCode : lockout.untilReset ? m.ifYouPasswordUntilReset : m.ifYouPassword,
  ]);

/** Signed in with a recovery code: and how many are left. */
export const recoveryCodeUsed = (left: number): Notice =>
  told('recovery_code_used', { wasntMe: true }, (t) => t.login.mail.recoveryCodeUsed, (m, at) => [m.what(at, left), m.ifYou]);

/**
 * A sign-in code by email (the fallback factor); whoever asked for it knows the password, so the owner can act.
 * The code is in the body only, never the subject (lock screens, inbox lists and mail logs show subjects).
 * Delivered after the code expired, the mail still says that someone typed the password, without the code.
 */
export const emailSignInCode = (code: string, expiresAt: number): Notice =>
  expiring('email_code', { wasntMe: true, secret: { expiresAt } }, (t) => t.login.mail.emailCode, (m, { t, now, appUrl }) => {
    const at = t.common.time.exact(now);
    const resetPassword = { label: t.mail.chooseNewPassword, url: `${appUrl}${RESET_PASSWORD_PATH}` };
    const instead = { paragraphs: [m.expired.what(at), m.expired.ifYou, m.expired.ifNotYou], action: resetPassword };
    return { paragraphs: [m.what(code), m.askedFor(at)], instead };
  });
