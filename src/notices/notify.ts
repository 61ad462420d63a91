/**
 * Mailing a notice to an account's owner: the one way every flow does it. In the caller's transaction (the notice
 * and what it tells of are written together, both or neither); the caller kicks the outbox after the commit.
 */
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database, User } from '../db/schema.js';
import { messagesForAccount } from '../i18n/messages.js';
import { hashToken, newToken } from '../lib/tokens.js';
import type { ExpiringLink } from '../views/mail.js';
import { renderNotice, type Notice } from './notice.js';
import { wasntMeLink } from './wasnt-me.js';

/** What queuing a notice needs: APP_URL for its links, and the outbox (the admin CLI passes its own). */
export type Notifier = { config: Pick<AppContext['config'], 'appUrl'>; mail: Pick<AppContext['mail'], 'enqueue'> };

/** The account a notice is about: its address, name, and language (the owner's, not the requester's). */
export type Owner = Pick<User, 'id' | 'email' | 'first_name' | 'locale'>;

/**
 * Queues `notice` to `owner`, in the owner's language, with a new "This wasn't me" link when the notice carries
 * one. Call it in the transaction that made the change the notice tells of.
 */
export async function notifyOwner(ctx: Notifier, trx: Kysely<Database>, owner: Owner, notice: Notice, now: number): Promise<void> {
  const wasntMe = notice.wasntMe ? await wasntMeLink(trx, ctx.config.appUrl, owner, now) : undefined;
  const mail = renderNotice(notice, owner, { t: messagesForAccount(owner), now, appUrl: ctx.config.appUrl }, wasntMe);
  await ctx.mail.enqueue(trx, mail, notice.accountGone ? null : owner.id, now);
}

/**
 * Issues a link mailed to the owner: a new token (256 random bits) under `path`, working until `lifetimeMs` from
 * now, which `store` keeps as its SHA-256 hash (a stored secret cannot be replayed) or refuses (returns false: then
 * nothing is mailed); and `notice`, the mail that carries it. Both in `trx`, both or neither. The link's host comes
 * from APP_URL, never from a request's Host header. Returns whether the link was issued.
 */
export async function issueMailedLink(
  ctx: Notifier,
  trx: Kysely<Database>,
  owner: Owner,
  now: number,
  link: { path: string; lifetimeMs: number; store: (tokenHash: string, expiresAt: number) => Promise<boolean | void>; notice: (link: ExpiringLink) => Notice },
): Promise<boolean> {
  const token = newToken();
  const expiresAt = now + link.lifetimeMs;
  if ((await link.store(hashToken(token), expiresAt)) === false) return false;
  await notifyOwner(ctx, trx, owner, link.notice({ url: `${ctx.config.appUrl}${link.path}/${token}`, expiresAt }), now);
  return true;
}
