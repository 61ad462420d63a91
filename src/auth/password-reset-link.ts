/**
 * A password-reset link: its token (stored hashed, PASSWORD_RESET_LIFETIME_MS, once, the newest only) and the mail
 * that carries it (src/notices/account.ts), written together in the caller's transaction — both or neither. Issued
 * by "Forgot your password?", by "This wasn't me", and by an operator from the console. The link's host comes from
 * APP_URL, never from a request's Host header; the mail speaks the account's language, for whoever reads that mailbox.
 */
import type { Kysely } from 'kysely';
import { replaceResetToken } from '../db/password-reset-tokens.js';
import type { Database, User } from '../db/schema.js';
import { RESET_PASSWORD_PATH } from '../lib/paths.js';
import { passwordResetLink } from '../notices/account.js';
import { issueMailedLink, type Notifier } from '../notices/notify.js';
import { PASSWORD_RESET_LIFETIME_MS } from './policy.js';

/**
 * Issues a new link for `user` (the last one stops working) and queues its mail to `to` (the account's address
 * unless the caller knows better: "This wasn't me" sends it to the owner's address of before a change). Call
 * `ctx.mail.kick()` after the commit.
 */
export async function issueResetLink(ctx: Notifier, trx: Kysely<Database>, user: Pick<User, 'id' | 'email' | 'first_name' | 'locale'>, now: number, to: string = user.email): Promise<void> {
  await issueMailedLink(ctx, trx, user, now, {
    path: RESET_PASSWORD_PATH,
    lifetimeMs: PASSWORD_RESET_LIFETIME_MS,
    store: (tokenHash, expiresAt) => replaceResetToken(trx, user.id, tokenHash, now, expiresAt),
    notice: (link) => passwordResetLink(link, PASSWORD_RESET_LIFETIME_MS, to),
  });
}
