/**
 * The rules for what a user types into account forms, shared by registration,
 * profile editing and password reset. Each failure carries a problem key
 * (src/i18n/en/problems.ts), which the page shows in the reader's language
 * (`fieldErrors(error, t)`).
 */
import { z } from 'zod';
import type { PwnedPasswords } from '../adapters/pwned-passwords/types.js';
import { comparablePassword, isCommonPassword } from './password-blocklist.js';
import { ABOUT_ME_MAX_CHARACTERS, EMAIL_MAX_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, NAME_MAX_CHARACTERS } from '../lib/field-limits.js';
import type { Problem } from '../lib/problems.js';
import { normalizePassword } from './password.js';

/** A rule's message is a problem key: checked against the catalogue when it is written. */
const problem = (key: Problem): Problem => key;

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Length as a person counts it: "👍🏽" and "é" are one character each. */
export function visibleLength(text: string): number {
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}

export const usernameRule = z
  .string()
  .trim()
  .regex(USERNAME_PATTERN, problem('usernamePattern'));

export const nameRule = (missing: Problem) =>
  z
    .string()
    .trim()
    .min(1, missing)
    .refine((v) => visibleLength(v) <= NAME_MAX_CHARACTERS, problem('nameTooLong'));

export const emailRule = z
  .string()
  .trim()
  .max(EMAIL_MAX_LENGTH, problem('emailTooLong'))
  .pipe(z.email(problem('emailInvalid')));

/** Why a new password is refused: the problem key of each rule below. */
export const PASSWORD_PROBLEMS = {
  tooShort: problem('passwordTooShort'),
  tooLong: problem('passwordTooLong'),
  common: problem('passwordCommon'),
  repetitive: problem('passwordRepetitive'),
  appName: problem('passwordHasAppName'),
  username: problem('passwordHasUsername'),
  email: problem('passwordHasEmail'),
  breached: problem('passwordBreached'),
} as const;

/** Context-specific words (NIST SP 800-63B-4 §3.1.1.2): the service's own name. */
export const APP_NAME_WORD = 'gatehouse';
/** A username or email local part shorter than this is too short to forbid inside passwords. */
export const MIN_CONTEXT_WORD_LENGTH = 3;
/** A password that is one unit of at most this many characters repeated ("abcabcabc…") is refused. */
const MAX_REPEATED_UNIT_LENGTH = 3;

/**
 * True for "aaaaaaaaaaaaaaa", "abcabcabcabcabc" and "qwertyqwertyqwerty": the
 * whole password is one short unit, or one common password, repeated.
 */
function isRepetitive(comparable: string): boolean {
  const chars = [...comparable];
  for (let size = 1; size <= chars.length / 2; size++) {
    if (chars.length % size !== 0) continue;
    const unit = chars.slice(0, size).join('');
    if (unit.repeat(chars.length / size) !== comparable) continue;
    if (size <= MAX_REPEATED_UNIT_LENGTH || isCommonPassword(unit)) return true;
  }
  return false;
}

/**
 * The rules every new password meets (register, reset, change), without the
 * account's own words: 15 to 1024 characters counted in code points after NFKC;
 * any characters (spaces, emoji); no composition rules; not on the blocklist of
 * common passwords and not a short pattern repeated, compared ignoring case.
 * Nothing is ever truncated: the whole password is checked and hashed.
 */
export const newPasswordRule = z.string().superRefine((value, ctx) => {
  const length = [...normalizePassword(value)].length;
  if (length < MIN_PASSWORD_LENGTH) ctx.addIssue({ code: 'custom', message: PASSWORD_PROBLEMS.tooShort });
  else if (length > MAX_PASSWORD_LENGTH) ctx.addIssue({ code: 'custom', message: PASSWORD_PROBLEMS.tooLong });
  else if (isCommonPassword(value)) ctx.addIssue({ code: 'custom', message: PASSWORD_PROBLEMS.common });
  else if (isRepetitive(comparablePassword(value))) ctx.addIssue({ code: 'custom', message: PASSWORD_PROBLEMS.repetitive });
});

/** The words of an account a password must not contain: the app's name, the username, the email's local part. */
export interface PasswordContext {
  username: string;
  email: string;
}

/** Why `password` is too close to the account, or null. Compared ignoring case, after NFKC. */
export function passwordContextProblem(password: string, account: PasswordContext): Problem | null {
  const p = comparablePassword(password);
  if (p.includes(APP_NAME_WORD)) return PASSWORD_PROBLEMS.appName;
  const username = comparablePassword(account.username.trim());
  if (username.length >= MIN_CONTEXT_WORD_LENGTH && p.includes(username)) return PASSWORD_PROBLEMS.username;
  const email = comparablePassword(account.email.trim());
  const at = email.lastIndexOf('@');
  const local = at > 0 ? email.slice(0, at) : '';
  // "ada+news@…" is usually typed as "ada", so the part before a "+" counts too.
  for (const word of new Set([local, local.split('+')[0] ?? ''])) {
    if ([...word].length >= MIN_CONTEXT_WORD_LENGTH && p.includes(word)) return PASSWORD_PROBLEMS.email;
  }
  return null;
}

/**
 * For forms that carry the account's words themselves (register): adds the
 * context problem, if any, to `password`. Use with `.superRefine(...)`.
 */
export function passwordAvoidsAccountWords<T extends { password: string } & PasswordContext>(v: T, ctx: z.RefinementCtx): void {
  const problem = passwordContextProblem(v.password, v);
  if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
}

/**
 * The rules for a new password typed twice by a known account (reset, change):
 * the rules above, the account's words, and the two copies matching.
 */
export function newPasswordFormRules(account: PasswordContext) {
  return z
    .object({ password: newPasswordRule, confirm_password: z.string() })
    .superRefine((v, ctx) => passwordAvoidsAccountWords({ ...v, username: account.username, email: account.email }, ctx))
    .superRefine(passwordsMatch);
}

/**
 * The optional breached-password check (PWNED_PASSWORDS_CHECK), run after the
 * offline rules pass: the problem when the password is in a known breach, else
 * null. It fails open: an outage or a timeout returns null.
 */
export async function breachedPasswordProblem(pwned: PwnedPasswords, password: string): Promise<Problem | null> {
  const result = await pwned.check(normalizePassword(password));
  return result.kind === 'breached' ? PASSWORD_PROBLEMS.breached : null;
}

/** Browsers send CRLF for a line break; the user sees one character, so count one. */
export const aboutMeRule = z
  .string()
  .transform((v) => v.replace(/\r\n?/g, '\n').trim())
  .refine((v) => visibleLength(v) <= ABOUT_ME_MAX_CHARACTERS, problem('aboutMeTooLong'));

/** Adds "The two passwords do not match." to `confirm_password` when the two differ. */
export function passwordsMatch<T extends { password: string; confirm_password: string }>(v: T, ctx: z.RefinementCtx): void {
  if (v.password !== v.confirm_password) ctx.addIssue({ code: 'custom', path: ['confirm_password'], message: problem('passwordsDiffer') });
}

/** The fields of a new account and their rules, shared by registration and `npm run admin -- create-user`. */
export const newAccountFields = {
  first_name: nameRule('firstNameMissing'),
  last_name: nameRule('lastNameMissing'),
  username: usernameRule,
  email: emailRule,
  password: newPasswordRule,
};
