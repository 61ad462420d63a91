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
import { notifyOwner } from '../notices/notify.js';
import { signInPaused, type LockoutCause } from '../notices/sign-in.js';
import { logSecurityEvent } from './events.js';
import { FREE_CONSECUTIVE_FAILURES, lockoutMsAfter, MAX_CONSECUTIVE_FAILURES } from './policy.js';

/** The lockout the n-th consecutive failure starts, when it starts one the owner hears about; null otherwise. */
export function lockoutStartedBy(failures: number): { untilReset: boolean; forMs: number } | null {
  if (failures === FREE_CONSECUTIVE_FAILURES) return { untilReset: false, forMs: lockoutMsAfter(failures) };
  if (failures === MAX_CONSECUTIVE_FAILURES) return { untilReset: true, forMs: 0 };
  return null;
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
    await notifyOwner(ctx, trx, user, signInPaused(cause, started), now);
    await logSecurityEvent(ctx, request, user.id, 'sign_in_locked', trx);
  });
  return true;
}
