/**
 * What registration and the email-confirmation feature share: the numbers, and
 * issuing a link (token + mail, written together; the mail is src/notices/account.ts).
 *
 * The link's token is 256 random bits (src/lib/tokens.ts), stored only as a SHA-256
 * hash, valid 24 hours, usable once; a newer link voids older ones.
 */
import type { Kysely } from 'kysely';
import { replaceConfirmationToken } from '../db/email-confirmations.js';
import type { Database, User } from '../db/schema.js';
import { hours, minutes } from '../lib/duration.js';
import { CONFIRM_EMAIL_PATH } from '../lib/paths.js';
import { emailConfirmation } from '../notices/account.js';
import { issueMailedLink, type Notifier } from '../notices/notify.js';

/** A confirmation link works this long, once (the issue: "valid 24 h"). */
export const EMAIL_CONFIRMATION_LIFETIME_MS = hours(24);
/** "Resend the confirmation mail" works once per account in this interval, so the button cannot be used to flood an inbox. */
export const CONFIRMATION_RESEND_INTERVAL_MS = minutes(1);
/** The owner of an address hears about registration attempts with it at most this often (no mail flood by re-registering). */
export const REGISTRATION_NOTICE_INTERVAL_MS = hours(1);

/**
 * Issues a new confirmation link for the user and queues its mail, in `trx`
 * (so the token and the mail are written together, both or neither). With
 * `minIntervalMs` > 0 nothing happens when the last link is younger than that;
 * returns whether a link was issued. Call `ctx.mail.kick()` after the commit.
 */
export async function issueConfirmationLink(
  ctx: Notifier,
  trx: Kysely<Database>,
  /** Its mail speaks the account's language (for a new account, the one of the page it was made from). */
  user: Pick<User, 'id' | 'email' | 'first_name' | 'locale'>,
  now: number,
  minIntervalMs: number,
): Promise<boolean> {
  return issueMailedLink(ctx, trx, user, now, {
    path: CONFIRM_EMAIL_PATH,
    lifetimeMs: EMAIL_CONFIRMATION_LIFETIME_MS,
    store: (tokenHash, expiresAt) => replaceConfirmationToken(trx, user.id, tokenHash, now, expiresAt, minIntervalMs),
    notice: (link) => emailConfirmation(link, EMAIL_CONFIRMATION_LIFETIME_MS),
  });
}
