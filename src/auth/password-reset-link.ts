/**
 * A password-reset link: its token (stored hashed, PASSWORD_RESET_LIFETIME_MS, once, the newest only) and the mail
 * that carries it, written together in the caller's transaction — both or neither. Issued by "Forgot your
 * password?", by "This wasn't me", and by an operator from the console. The link's host comes from APP_URL, never
 * from a request's Host header; the mail speaks the account's language, for whoever reads that mailbox.
 */
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import { replaceResetToken } from '../db/password-reset-tokens.js';
import type { Database, User } from '../db/schema.js';
import { messagesForAccount, type Messages } from '../i18n/messages.js';
import { minutes } from '../lib/duration.js';
import { renderMail, type ExpiringLink } from '../views/mail.js';
import { PASSWORD_RESET_LIFETIME_MS } from './policy.js';
import { hashToken, newToken } from '../lib/tokens.js';
import { RESET_PASSWORD_PATH } from '../lib/paths.js';

/**
 * `askAgainUrl` is the "Forgot your password?" page: where the mail sent
 * instead points when the link expired before it could be delivered.
 */
export function resetPasswordMail(t: Messages, p: { to: string; firstName: string; link: ExpiringLink; askedAt: number; askAgainUrl: string }) {
  const m = t.reset.mail;
  const lifetimeMinutes = PASSWORD_RESET_LIFETIME_MS / minutes(1);
  return renderMail(t, {
    kind: 'password_reset',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.intro(lifetimeMinutes)],
    action: { label: m.action, url: p.link.url },
    after: [m.ignore],
    expires: {
      at: p.link.expiresAt,
      instead: {
        subject: m.expired.subject,
        heading: m.expired.heading,
        paragraphs: [m.expired.what(t.common.time.exact(p.askedAt), lifetimeMinutes), m.expired.askAgain],
        action: { label: m.expired.action, url: p.askAgainUrl },
      },
    },
  });
}

/**
 * Issues a new link for `user` (the last one stops working) and queues its mail to `to` (the account's address
 * unless the caller knows better: "This wasn't me" sends it to the owner's address of before a change). Call
 * `ctx.mail.kick()` after the commit.
 */
export async function issueResetLink(
  ctx: Pick<AppContext, 'config' | 'mail'>,
  trx: Kysely<Database>,
  user: Pick<User, 'id' | 'email' | 'first_name' | 'locale'>,
  now: number,
  to: string = user.email,
): Promise<void> {
  const token = newToken();
  const expiresAt = now + PASSWORD_RESET_LIFETIME_MS;
  await replaceResetToken(trx, user.id, hashToken(token), now, expiresAt);
  const link = { url: `${ctx.config.appUrl}${RESET_PASSWORD_PATH}/${token}`, expiresAt };
  const mail = resetPasswordMail(messagesForAccount(user), { to, firstName: user.first_name, link, askedAt: now, askAgainUrl: `${ctx.config.appUrl}${RESET_PASSWORD_PATH}` });
  await ctx.mail.enqueue(trx, mail, user.id, now);
}
