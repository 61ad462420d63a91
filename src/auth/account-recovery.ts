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
import type { Database, User } from '../db/schema.js';
import type { EndedSession } from '../db/sessions.js';
import { findUserById, setAdmin, setMustSetUpFactor } from '../db/users.js';
import { recordAdminAction } from '../db/admin-audit.js';
import { notifyOwner } from '../notices/notify.js';
import { recoveryCancelled, recoveryCompleted, type CancelReason } from '../notices/recovery.js';
import { logSecurityEvent } from './events.js';
import { signOutEverywhere } from './sign-out-everywhere.js';
import { latestSecurityEventAt } from '../db/security-events.js';
import type { Messages } from '../i18n/messages.js';

/** Whose recovery: the mail goes to `email`, in the account's language (`locale`). */
type Owner = Pick<User, 'id' | 'email' | 'first_name' | 'locale'>;

/**
 * Records the cancellation of `owner`'s recovery (already marked cancelled in
 * `trx`) and queues the mail that tells them. The caller kicks the outbox.
 */
export async function noteRecoveryCancelled(ctx: AppContext, request: FastifyRequest, owner: Owner, reason: CancelReason, trx: Kysely<Database>): Promise<void> {
  const now = ctx.clock.now();
  await logSecurityEvent(ctx, request, owner.id, 'recovery_cancelled', trx);
  await notifyOwner(ctx, trx, owner, recoveryCancelled(reason), now);
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
  // The flash is for whoever signed in, in the language of their request (the mail follows the account).
  if (await cancelRecovery(ctx, request, owner, 'factor-sign-in', trx)) reply.flash('info', request.t.recovery.flash.cancelledBySignIn);
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
  let ended: EndedSession[] = [];
  const user = await ctx.db.transaction().execute(async (trx) => {
    const recovery = await claimDueRecovery(trx, userId, now);
    const owner = recovery ? await findUserById(trx, userId) : undefined;
    if (!recovery || !owner) return null;
    await removeAllSecondFactors(trx, userId);
    // Whoever is signed in elsewhere, perhaps with the lost phone's help, is signed out, with their apps.
    ended = await signOutEverywhere(trx, owner);
    await setMustSetUpFactor(trx, userId, true);
    // A password and a mailbox (and a wait nobody stopped) are not enough to run the console: an admin account
    // that recovered itself loses the role, and an operator gives it back from the shell (decision 020).
    if (owner.is_admin === 1) {
      await setAdmin(trx, userId, false);
      await recordAdminAction(trx, { action: 'admin_revoked', now, actor: { id: null, name: 'account recovery' }, target: { id: owner.id, username: owner.username }, detail: { reason: 'self-service account recovery completed' } });
    }
    await logSecurityEvent(ctx, request, userId, 'recovery_completed', trx);
    await notifyOwner(ctx, trx, owner, recoveryCompleted(recovery.started_at), now);
    return (await findUserById(trx, userId)) ?? null;
  });
  if (user) ctx.mail.kick();
  await ctx.identityProvider.sessionsEnded(ended, 'account-secured');
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

/** Why a recovery cannot be asked for or started yet, in `t`'s language. */
export function recoveryBlockedMessage(t: Messages, b: { resetAt: number; until: number }): string {
  return t.recovery.blocked.message(t.common.time.exact(b.resetAt), t.common.time.exact(b.until));
}
