/**
 * English: what a field says when its value breaks a rule (src/auth/account-rules.ts).
 * The rules carry these keys, not text, so one rule serves every language.
 */
import { ABOUT_ME_MAX_CHARACTERS, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, NAME_MAX_CHARACTERS } from '../../lib/field-limits.js';
import type { Problem } from '../../lib/problems.js';

export const problems = {
  usernamePattern: 'Use 3 to 32 characters: letters, digits, "_", "-" or ".".',
  firstNameMissing: 'Enter your first name.',
  lastNameMissing: 'Enter your last name.',
  nameTooLong: `Use at most ${NAME_MAX_CHARACTERS} characters.`,
  emailTooLong: 'That email address is too long.',
  emailInvalid: 'Enter an email address like name@example.com.',
  aboutMeTooLong: `Use at most ${ABOUT_ME_MAX_CHARACTERS} characters.`,
  passwordsDiffer: 'The two passwords do not match.',
  passwordTooShort: `Use at least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a long password that is easy to remember.`,
  passwordTooLong: `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
  passwordCommon: 'This is one of the most common passwords, so attackers try it first. Choose something less predictable, like a few unrelated words.',
  passwordRepetitive: 'This password repeats a short or common pattern, which makes it easy to guess. Choose something less predictable.',
  passwordHasAppName: 'Your password must not contain "Gatehouse": it is the first word an attacker would try here.',
  passwordHasUsername: 'Your password must not contain your username: anyone who knows your username would try it.',
  passwordHasEmail: 'Your password must not contain your email address: anyone who knows your address would try it.',
  passwordBreached: 'This password has appeared in a data breach, so attackers try it. Choose a different one.',
  /** The hint under every new-password field (NIST SP 800-63B-4 §3.1.1.2: say why, suggest a passphrase). */
  newPasswordHint:
    `At least ${MIN_PASSWORD_LENGTH} characters, because your password may be the only thing protecting your account. ` +
    'Try a passphrase: four or more unrelated words, with spaces if you like. Any characters work, emoji too.',
} satisfies Record<Problem, string> & { newPasswordHint: string };
