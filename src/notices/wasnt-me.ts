/**
 * "This wasn't me": every security notice mail carries a link that lets the
 * owner, without signing in and after one confirmation, sign out everywhere,
 * forget remembered devices and get a password-reset link
 * (src/features/password-reset/wasnt-me.ts). The token is 256 random bits,
 * stored as SHA-256, valid 7 days, used once.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { insertWasntMeToken } from '../db/wasnt-me-tokens.js';
import { days } from '../lib/duration.js';
import { RESET_PASSWORD_PATH, WASNT_ME_PATH } from '../lib/paths.js';
import { hashToken, newToken } from '../lib/tokens.js';
import type { WasntMeLink } from '../views/mail.js';

export const WASNT_ME_LIFETIME_MS = days(7);

/**
 * A new link for a notice mailed to `user.email`; made in the transaction that queues the notice (notify.ts). The
 * address is kept with the link: if the account's address was changed meanwhile (by whoever took it over), using
 * the link restores it and sends the reset link there.
 */
export async function wasntMeLink(db: Kysely<Database>, appUrl: string, user: { id: number; email: string }, now: number): Promise<WasntMeLink> {
  const token = newToken();
  const expiresAt = now + WASNT_ME_LIFETIME_MS;
  await insertWasntMeToken(db, hashToken(token), user.id, user.email, now, expiresAt);
  return { url: `${appUrl}${WASNT_ME_PATH}/${token}`, expiresAt, resetPasswordUrl: `${appUrl}${RESET_PASSWORD_PATH}` };
}
