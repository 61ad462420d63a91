/**
 * Delayed self-service account recovery (issue #5, "Lost phone, no recovery
 * codes"; docs/decisions/011-delayed-account-recovery.md). Someone who knows
 * the password and can open the account's mailbox starts a recovery; after a
 * wait (ACCOUNT_RECOVERY_WAIT, 48 h by default) during which the owner is told
 * by email and can cancel, the next sign-in with the password removes every
 * second factor and the account must set up a new one.
 *
 * This module holds what other flows share: cancelling a waiting recovery (a
 * sign-in with a second factor, a password reset or change, "This wasn't me",
 * the cancel link, the security page), completing a due one at the password
 * sign-in, and the state the security page shows. Starting one is the
 * feature's (src/features/account-recovery/routes.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import { cancelLiveRecovery, claimDueRecovery, deleteRecoveryLinksOfUser, findLiveRecovery } from '../db/account-recoveries.js';
import { removeAllSecondFactors } from '../db/factors.js';
import { enqueueMail } from '../db/mail-outbox.js';
import type { Database, User } from '../db/schema.js';
import { deleteSessionsOfUser } from '../db/sessions.js';
import { findUserById, setMustSetUpFactor } from '../db/users.js';
import { recoveryCancelledMail, recoveryCompletedMail } from '../views/account-recovery-mail.js';
import { logSecurityEvent } from './events.js';
import { wasntMeLink } from './wasnt-me.js';
import { latestSecurityEventAt } from '../db/security-events.js';
import { exactUtc } from '../lib/relative-time.js';

/** The page, reached from the second step of sign-in, that explains the recovery and mails the link. */
export const RECOVER_PATH = '/login/recover';
/** The mailed link that starts a recovery: `/recover/<token>`. */
export const RECOVERY_LINK_PATH = '/recover';
/** The mailed link that cancels one: `/recover/cancel/<token>`. */
export const RECOVERY_CANCEL_PATH = '/recover/cancel';
/** The security page's Cancel button. */
export const SECURITY_CANCEL_RECOVERY_PATH = '/security/recovery/cancel';

/** Why a waiting recovery was cancelled: one sentence of the mail the owner gets. */
const CANCELLED_BECAUSE = {
  link: 'It was cancelled with the link in our email.',
  'security-page': 'It was cancelled on the security page of the account.',
  'factor-sign-in': 'Someone signed in with one of its second factors, so the account does not need recovering.',
  'password-changed': 'The password was changed, and a recovery is only as good as the password that started it.',
  'password-reset': 'The password was reset by email, and a recovery is only as good as the password that started it.',
  'wasnt-me': '"This wasn\'t me" was reported from one of our emails.',
} as const;

export type CancelReason = keyof typeof CANCELLED_BECAUSE;

/** Shown after a sign-in with a second factor cancelled a waiting recovery. */
export const CANCELLED_BY_SIGN_IN_MESSAGE = 'You signed in with a second factor, so the account recovery that was waiting is cancelled. Your second factors stay as they are.';

type Owner = Pick<User, 'id' | 'email' | 'first_name'>;

/**
 * Records the cancellation of `owner`'s recovery (already marked cancelled in
 * `trx`) and queues the mail that tells them. The caller kicks the outbox.
 */
export async function noteRecoveryCancelled(ctx: AppContext, request: FastifyRequest, owner: Owner, reason: CancelReason, trx: Kysely<Database>): Promise<void> {
  const now = ctx.clock.now();
  await logSecurityEvent(ctx, request, owner.id, 'recovery_cancelled', trx);
  await enqueueMail(trx, recoveryCancelledMail({ to: owner.email, firstName: owner.first_name, at: now, why: CANCELLED_BECAUSE[reason] }), now);
}

/**
 * Cancels `owner`'s waiting recovery, if there is one, in `trx`: records it and
 * mails the owner. True when one was cancelled. The caller kicks the outbox.
 */
export async function cancelRecovery(ctx: AppContext, request: FastifyRequest, owner: Owner, reason: CancelReason, trx: Kysely<Database>): Promise<boolean> {
  // A link not opened yet was asked for with the password of before (or by whoever has a factor now): it goes too.
  await deleteRecoveryLinksOfUser(trx, owner.id);
  if (!(await cancelLiveRecovery(trx, owner.id, ctx.clock.now()))) return false;
  await noteRecoveryCancelled(ctx, request, owner, reason, trx);
  return true;
}

/**
 * A sign-in completed with a second factor (the shared gate, `checkCode`):
 * whoever signed in evidently has a factor, so a waiting recovery has no
 * purpose and, if the owner did not start it, must not go on. Call it in the
 * sign-in's transaction.
 */
export async function cancelRecoveryAfterSignIn(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, owner: Owner, trx: Kysely<Database>): Promise<void> {
  if (await cancelRecovery(ctx, request, owner, 'factor-sign-in', trx)) reply.flash('info', CANCELLED_BY_SIGN_IN_MESSAGE);
}

/**
 * At a sign-in whose password is right, before its factors are read: when the
 * user's recovery has waited its time, completes it in one transaction —
 * removes every second factor, ends every session, marks the account as having
 * to set up a new factor, records it and mails the owner. Returns the user as
 * it is now, or null when there was nothing to complete. Safe to run twice at
 * once: one conditional UPDATE decides which request completes it.
 */
export async function completeDueRecovery(ctx: AppContext, request: FastifyRequest, userId: number): Promise<User | null> {
  const now = ctx.clock.now();
  // The common case (no recovery, or one still waiting) costs one indexed read and no transaction.
  const live = await findLiveRecovery(ctx.db, userId);
  if (!live || live.completes_at > now) return null;
  const user = await ctx.db.transaction().execute(async (trx) => {
    const recovery = await claimDueRecovery(trx, userId, now);
    const owner = recovery ? await findUserById(trx, userId) : undefined;
    if (!recovery || !owner) return null;
    await removeAllSecondFactors(trx, userId);
    // Whoever is signed in elsewhere, perhaps with the lost phone's help, is signed out.
    await deleteSessionsOfUser(trx, userId);
    await setMustSetUpFactor(trx, userId, true);
    await logSecurityEvent(ctx, request, userId, 'recovery_completed', trx);
    const wasntMe = await wasntMeLink(trx, ctx.config.appUrl, owner, now);
    await enqueueMail(trx, recoveryCompletedMail({ to: owner.email, firstName: owner.first_name, startedAt: recovery.started_at, at: now, wasntMeLink: wasntMe }), now);
    return (await findUserById(trx, userId)) ?? null;
  });
  if (user) ctx.mail.kick();
  return user;
}

/** What the security page says about recovery: one waiting (and when it completes), or a new factor to set up. */
export type RecoveryStatus = { kind: 'waiting'; completesAt: number } | { kind: 'set-up' } | null;

export async function recoveryStatusOf(db: Kysely<Database>, user: Pick<User, 'id' | 'must_set_up_factor'>): Promise<RecoveryStatus> {
  if (user.must_set_up_factor === 1) return { kind: 'set-up' };
  const live = await findLiveRecovery(db, user.id);
  return live ? { kind: 'waiting', completesAt: live.completes_at } : null;
}

/**
 * A password set through a reset link proves only the mailbox. Recovery must
 * not turn "mailbox" into "mailbox and a wait": for one full wait after a reset
 * by email, no recovery can be asked for or started, so the owner (who can no
 * longer sign in with the old password) has a whole wait to notice and reset
 * it back before a recovery could even begin. Returns when it may start, or
 * null when it may now.
 */
export async function recoveryBlockedUntil(db: Kysely<Database>, userId: number, waitMs: number, now: number): Promise<{ resetAt: number; until: number } | null> {
  const resetAt = await latestSecurityEventAt(db, userId, 'password_reset');
  return resetAt !== null && resetAt + waitMs > now ? { resetAt, until: resetAt + waitMs } : null;
}

export function recoveryBlockedMessage(b: { resetAt: number; until: number }): string {
  return `Your password was reset by email on ${exactUtc(b.resetAt)}. So that someone who reads your mailbox cannot also remove your second factors, account recovery can start from ${exactUtc(b.until)}.`;
}
