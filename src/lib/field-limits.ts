/**
 * The limits of an account's fields, in one module that imports nothing: the rules (src/auth/account-rules.ts,
 * src/auth/password.ts), the forms and the words that explain them (src/i18n) all read them here, so loading a
 * message catalogue loads no rule, no zod and no password hasher.
 */

/** A first or last name, in characters as a person counts them (graphemes). */
export const NAME_MAX_CHARACTERS = 64;
/** "About me", in characters as a person counts them. */
export const ABOUT_ME_MAX_CHARACTERS = 140;
/** An email address: RFC 5321's path limit. */
export const EMAIL_MAX_LENGTH = 254;
/**
 * NIST SP 800-63B-4 §3.1.1.2: at least 15 characters when the password may be the only factor (most accounts have
 * no 2FA). Counted in code points after NFKC.
 */
export const MIN_PASSWORD_LENGTH = 15;
/**
 * Long passphrases must work (NIST: accept at least 64, the issue: 128); this only bounds hashing work per request.
 * Longer is refused, never truncated.
 */
export const MAX_PASSWORD_LENGTH = 1024;
