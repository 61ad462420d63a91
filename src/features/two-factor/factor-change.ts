/** The notice mail for a second factor added or removed (authenticator app, passkeys, email codes), with "This wasn't me". */
import type { Kysely } from 'kysely';
import { wasntMeLink } from '../../auth/wasnt-me.js';
import type { AppContext } from '../../context.js';
import type { Database, User } from '../../db/schema.js';
import { messagesForAccount, type Messages } from '../../i18n/messages.js';
import { renderMail, type WasntMeLink } from '../../views/mail.js';

/** What changed, in the recipient's words: one of `t.security.factorChange`. */
export type FactorChange = (t: Messages) => string;

/** A second factor was added to or removed from the account: the owner hears of it, with a way to undo a takeover. */
export function factorChangedMail(t: Messages, p: { to: string; firstName: string; change: FactorChange; at: number; wasntMeLink: WasntMeLink }) {
  const m = t.security.mail.factorChanged;
  const change = p.change(t);
  return renderMail(t, {
    kind: 'factor_changed',
    to: p.to,
    subject: m.subject(change),
    heading: change,
    firstName: p.firstName,
    paragraphs: [m.what(t.common.time.exact(p.at), change), m.ifYou],
    wasntMe: p.wasntMeLink,
  });
}

/**
 * Queues the notice in the transaction that made the change: the owner is told exactly when it happened,
 * in the account's language (`change` picks the words from that catalogue).
 */
export async function noticeOfFactorChange(ctx: Pick<AppContext, 'config' | 'mail'>, trx: Kysely<Database>, user: User, change: FactorChange, now: number): Promise<void> {
  const wasntMe = await wasntMeLink(trx, ctx.config.appUrl, user, now);
  await ctx.mail.enqueue(trx, factorChangedMail(messagesForAccount(user), { to: user.email, firstName: user.first_name, change, at: now, wasntMeLink: wasntMe }), user.id, now);
}
