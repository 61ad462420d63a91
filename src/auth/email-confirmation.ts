/**
 * What registration and the email-confirmation feature share: the numbers, the
 * confirmation mail, and issuing a link (token + mail, written together).
 *
 * The link's token is 256 random bits (tokens.ts), stored only as a SHA-256
 * hash, valid 24 hours, usable once; a newer link voids older ones.
 */
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import { replaceConfirmationToken } from '../db/email-confirmations.js';
import type { Database, User } from '../db/schema.js';
import { messagesForAccount, type Messages } from '../i18n/messages.js';
import { hours, minutes } from '../lib/duration.js';
import { renderMail, type ExpiringLink } from '../views/mail.js';
import { hashToken, newToken } from '../lib/tokens.js';
import { CONFIRM_EMAIL_PATH, LOGIN_PATH } from '../lib/paths.js';

/** A confirmation link works this long, once (the issue: "valid 24 h"). */
export const EMAIL_CONFIRMATION_LIFETIME_MS = hours(24);
/** "Resend the confirmation mail" works once per account in this interval, so the button cannot be used to flood an inbox. */
export const CONFIRMATION_RESEND_INTERVAL_MS = minutes(1);
/** The owner of an address hears about registration attempts with it at most this often (no mail flood by re-registering). */
export const REGISTRATION_NOTICE_INTERVAL_MS = hours(1);

/** The confirmation link's mail, in `t` (the account's language); `signInUrl` is where to ask again should the link expire before it is delivered. */
export function confirmationMail(t: Messages, p: { to: string; firstName: string; link: ExpiringLink; signInUrl: string }) {
  const m = t.account.confirmationMail;
  const lifetimeHours = EMAIL_CONFIRMATION_LIFETIME_MS / hours(1);
  return renderMail(t, {
    kind: 'email_confirmation',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [m.intro(lifetimeHours)],
    action: { label: m.action, url: p.link.url },
    after: [m.notYou],
    expires: {
      at: p.link.expiresAt,
      instead: {
        subject: m.expired.subject,
        heading: m.expired.heading,
        paragraphs: [m.expired.what(lifetimeHours), m.expired.askAgain(t.common.layout.resend)],
        action: { label: t.common.layout.signIn, url: p.signInUrl },
        after: [m.notYou],
      },
    },
  });
}

/**
 * Issues a new confirmation link for the user and queues its mail, in `trx`
 * (so the token and the mail are written together, both or neither). With
 * `minIntervalMs` > 0 nothing happens when the last link is younger than that;
 * returns whether a link was issued. Call `ctx.mail.kick()` after the commit.
 */
export async function issueConfirmationLink(
  ctx: Pick<AppContext, 'config' | 'mail'>,
  trx: Kysely<Database>,
  /** Its mail speaks the account's language (for a new account, the one of the page it was made from). */
  user: Pick<User, 'id' | 'email' | 'first_name' | 'locale'>,
  now: number,
  minIntervalMs: number,
): Promise<boolean> {
  const token = newToken();
  const expiresAt = now + EMAIL_CONFIRMATION_LIFETIME_MS;
  const stored = await replaceConfirmationToken(trx, user.id, hashToken(token), now, expiresAt, minIntervalMs);
  if (!stored) return false;
  // The link's host comes from APP_URL, never from the request's Host header.
  const link = { url: `${ctx.config.appUrl}${CONFIRM_EMAIL_PATH}/${token}`, expiresAt };
  const mail = confirmationMail(messagesForAccount(user), { to: user.email, firstName: user.first_name, link, signInUrl: `${ctx.config.appUrl}${LOGIN_PATH}` });
  await ctx.mail.enqueue(trx, mail, user.id, now);
  return true;
}
