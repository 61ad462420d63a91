/**
 * "Sign-in to your account is paused": when wrong passwords (or wrong codes
 * after the right password) lock an account, its owner is mailed, with
 * "This wasn't me". Once per lockout, not once per failure: the mail goes
 * when a run of failures first locks the account, and again when it reaches
 * the lock that only a password reset lifts — at most two mails however long
 * someone keeps guessing, so the notice cannot be turned into a mail bomb.
 * The failure counts are atomic (src/auth/limits.ts), so of many requests at
 * once exactly one sees the count that starts a lockout.
 *
 * The same moments are recorded as a `sign_in_locked` security event, in the
 * mail's transaction: the owner's activity shows the lockout, and the console's
 * overview counts lockouts from these events — so once per lockout there too,
 * never once per refused attempt.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';
import { messagesForAccount, type Messages } from '../i18n/messages.js';
import { renderMail, type WasntMeLink } from '../views/mail.js';
import { logSecurityEvent } from './events.js';
import { FREE_CONSECUTIVE_FAILURES, lockoutMsAfter, MAX_CONSECUTIVE_FAILURES } from './policy.js';
import { wasntMeLink } from './wasnt-me.js';

/** What was guessed: the password, or codes after the right password (the password is then known). */
export type LockoutCause = 'password' | 'code';

/** The lockout the n-th consecutive failure starts, when it starts one the owner hears about; null otherwise. */
export function lockoutStartedBy(failures: number): { untilReset: boolean; forMs: number } | null {
  if (failures === FREE_CONSECUTIVE_FAILURES) return { untilReset: false, forMs: lockoutMsAfter(failures) };
  if (failures === MAX_CONSECUTIVE_FAILURES) return { untilReset: true, forMs: 0 };
  return null;
}

export function lockoutMail(t: Messages, p: { to: string; firstName: string; cause: LockoutCause; untilReset: boolean; forMs: number; at: number; wasntMeLink: WasntMeLink }) {
  const m = t.login.mail.lockout;
  const at = t.common.time.exact(p.at);
  return renderMail(t, {
    kind: 'sign_in_paused',
    to: p.to,
    subject: m.subject,
    heading: m.heading,
    firstName: p.firstName,
    paragraphs: [
      p.cause === 'password' ? m.wrongPasswords(at) : m.wrongCodes(at),
      p.untilReset ? m.untilReset : m.forAWhile(t.common.time.duration(p.forMs)),
      p.cause === 'code' ? m.ifNotYouCode : p.untilReset ? m.ifYouPasswordUntilReset : m.ifYouPassword,
    ],
    wasntMe: p.wasntMeLink,
  });
}

/**
 * Mails the owner, and records `sign_in_locked` in their activity, when `failures` (the count the failure that just
 * happened returned) starts a lockout; the event names the request that started it (its IP and browser).
 * Returns whether a mail was queued (the caller then kicks the outbox).
 */
export async function noticeOfLockout(
  ctx: Pick<AppContext, 'db' | 'clock' | 'config' | 'mail'>,
  request: FastifyRequest,
  user: Pick<User, 'id' | 'email' | 'first_name' | 'locale'>,
  cause: LockoutCause,
  failures: number,
): Promise<boolean> {
  const started = lockoutStartedBy(failures);
  if (!started) return false;
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const wasntMe = await wasntMeLink(trx, ctx.config.appUrl, user, now);
    await ctx.mail.enqueue(trx, lockoutMail(messagesForAccount(user), { to: user.email, firstName: user.first_name, cause, ...started, at: now, wasntMeLink: wasntMe }), user.id, now);
    await logSecurityEvent(ctx, request, user.id, 'sign_in_locked', trx);
  });
  return true;
}
