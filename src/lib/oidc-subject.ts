/**
 * The `sub` other apps know an account by (OpenID Connect Core §2): stable, never reassigned, and opaque — 128
 * random bits, so it tells nothing about the username, the row id or when the account was made, and one app's
 * users cannot be counted or guessed from another's.
 */
import { randomBytes } from 'node:crypto';

const SUBJECT_BYTES = 16;

export function newOidcSubject(): string {
  return randomBytes(SUBJECT_BYTES).toString('base64url');
}
