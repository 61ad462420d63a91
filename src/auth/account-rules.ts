/**
 * The rules for what a user types into account forms, shared by registration,
 * profile editing and password reset. Each failure carries the message shown
 * beside the field.
 */
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, normalizePassword } from './password.js';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const ABOUT_ME_MAX_CHARACTERS = 140;
export const NAME_MAX_CHARACTERS = 64;
export const EMAIL_MAX_LENGTH = 254; // RFC 5321 path limit

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
  .regex(USERNAME_PATTERN, 'Use 3 to 32 characters: letters, digits, "_", "-" or ".".');

export const nameRule = (label: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter your ${label}.`)
    .refine((v) => visibleLength(v) <= NAME_MAX_CHARACTERS, `Use at most ${NAME_MAX_CHARACTERS} characters.`);

export const emailRule = z
  .string()
  .trim()
  .max(EMAIL_MAX_LENGTH, 'That email address is too long.')
  .pipe(z.email('Enter an email address like name@example.com.'));

/** Any characters (spaces, emoji) are allowed and nothing is truncated; length is counted in code points. */
export const newPasswordRule = z.string().superRefine((value, ctx) => {
  const length = [...normalizePassword(value)].length;
  if (length < MIN_PASSWORD_LENGTH) ctx.addIssue({ code: 'custom', message: `Use at least ${MIN_PASSWORD_LENGTH} characters.` });
  else if (length > MAX_PASSWORD_LENGTH) ctx.addIssue({ code: 'custom', message: `Use at most ${MAX_PASSWORD_LENGTH} characters.` });
});

/** Browsers send CRLF for a line break; the user sees one character, so count one. */
export const aboutMeRule = z
  .string()
  .transform((v) => v.replace(/\r\n?/g, '\n').trim())
  .refine((v) => visibleLength(v) <= ABOUT_ME_MAX_CHARACTERS, `Use at most ${ABOUT_ME_MAX_CHARACTERS} characters.`);

/** Adds "Passwords do not match." to `confirm_password` when the two differ. */
export function passwordsMatch<T extends { password: string; confirm_password: string }>(v: T, ctx: z.RefinementCtx): void {
  if (v.password !== v.confirm_password) ctx.addIssue({ code: 'custom', path: ['confirm_password'], message: 'The two passwords do not match.' });
}
