/** The notice mail for a second factor added or removed on the security page, with "This wasn't me". */
import type { Kysely } from 'kysely';
import { wasntMeLink } from '../../auth/wasnt-me.js';
import type { AppContext } from '../../context.js';
import type { Database, User } from '../../db/schema.js';
import { messagesForAccount } from '../../i18n/messages.js';
import { factorChangedMail, type FactorChange } from './mail.js';

/**
 * Queues the notice in the transaction that made the change: the owner is told exactly when it happened,
 * in the account's language (`change` picks the words from that catalogue).
 */
export async function noticeOfFactorChange(ctx: Pick<AppContext, 'config' | 'mail'>, trx: Kysely<Database>, user: User, change: FactorChange, now: number): Promise<void> {
  const wasntMe = await wasntMeLink(trx, ctx.config.appUrl, user, now);
  await ctx.mail.enqueue(trx, factorChangedMail(messagesForAccount(user), { to: user.email, firstName: user.first_name, change, at: now, wasntMeLink: wasntMe }), user.id, now);
}
