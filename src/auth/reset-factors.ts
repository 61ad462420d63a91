/**
 * An operator removes every second factor of an account — for someone who lost their phone and their recovery
 * codes — from the admin CLI (`reset-factors`) or the console (/admin). One transaction: the factors (passkeys, the
 * authenticator app, SMS and its backup phone, recovery codes, email codes, and the remembered browsers that stood
 * in for one), every session and every app's access (whoever holds the lost phone may be signed in), the security
 * event, a waiting self-service recovery cancelled, and the notice mail to the owner. The owner is always told, and
 * never told of a reset that did not happen.
 */
import type { Kysely } from 'kysely';
import { cancelLiveRecovery } from '../db/account-recoveries.js';
import { countUnusedRecoveryCodes, findTotpFactor, removeAllSecondFactors } from '../db/factors.js';
import type { Database, User } from '../db/schema.js';
import { recordSecurityEvent } from '../db/security-events.js';
import { countSessionsOfUser, type EndedSession } from '../db/sessions.js';
import { findUserById } from '../db/users.js';
import { factorsReset } from '../notices/factors.js';
import { notifyOwner, type Notifier } from '../notices/notify.js';
import { factorsOf } from './factors.js';
import { signOutEverywhere } from './sign-out-everywhere.js';

type Db = Kysely<Database>;

/** What a reset removes, read in the transaction that removes it. */
export interface ResetPlan {
  passkeys: number;
  /** An authenticator app, set up or half set up. */
  app: boolean;
  /** The phone that gets text-message codes, or null when SMS is off. */
  smsPhone: string | null;
  unusedRecoveryCodes: number;
  sessions: number;
}

export async function planReset(db: Db, user: User): Promise<ResetPlan> {
  const factors = await factorsOf(db, user);
  return {
    passkeys: factors.passkeys,
    app: (await findTotpFactor(db, user.id)) !== undefined,
    smsPhone: factors.sms ? user.phone : null,
    unusedRecoveryCodes: await countUnusedRecoveryCodes(db, user.id),
    sessions: await countSessionsOfUser(db, user.id),
  };
}

/** A reset with nothing to remove would only mail the owner a notice that is not true. */
export function nothingToReset(plan: ResetPlan): boolean {
  return plan.passkeys === 0 && !plan.app && plan.smsPhone === null && plan.unusedRecoveryCodes === 0;
}

export interface FactorsReset {
  /** The account as it was read in the transaction. */
  user: User;
  plan: ResetPlan;
  /** The sessions that ended: hand them to `identityProvider.sessionsEnded(…, 'account-secured')` after the commit. */
  ended: EndedSession[];
}

/**
 * Does the reset in `trx` (call it inside a transaction). Null when the account is gone; `done: false` (and nothing
 * changed) when it has nothing to reset. `where` is what the security event records as the request's origin; `ctx`
 * queues the notice (the admin CLI has no running app: it passes its own outbox).
 */
export async function resetAllFactors(
  ctx: Notifier,
  trx: Db,
  userId: number,
  now: number,
  where: { ip: string | null; userAgent: string | null },
): Promise<(FactorsReset & { done: boolean }) | null> {
  const user = await findUserById(trx, userId);
  if (!user) return null;
  const plan = await planReset(trx, user);
  if (nothingToReset(plan)) return { user, plan, ended: [], done: false };
  // Every factor, and the remembered browsers that stood in for one (they must not skip the new one).
  await removeAllSecondFactors(trx, user.id);
  // A session opened with a factor now gone would outlive the reset; and whoever holds the lost phone may be signed in.
  const ended = await signOutEverywhere(trx, user);
  await recordSecurityEvent(trx, { userId: user.id, kind: 'factors_reset_by_admin', now, ...where });
  // A self-service recovery waiting to remove the factors has done its work: left alone, it would remove the
  // factor the owner sets up next.
  if (await cancelLiveRecovery(trx, user.id, now)) {
    await recordSecurityEvent(trx, { userId: user.id, kind: 'recovery_cancelled', now, ...where });
  }
  await notifyOwner(ctx, trx, user, factorsReset, now);
  return { user, plan, ended, done: true };
}
