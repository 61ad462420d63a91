/**
 * The one gate every way of finishing a sign-in goes through (decision record
 * 010): a session whose password is right (`two_factor_pending`) reaches only
 * the second-factor pages; wrong answers count per account and per IP
 * (src/auth/limits.ts) and per pending session (MAX_CODE_ATTEMPTS); and only
 * one request can turn the pending session into a signed-in one. A way of
 * signing in (SMS, app, passkey, email, recovery code) brings its page and a
 * `check`; everything else is here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { cancelRecoveryAfterSignIn } from '../../auth/account-recovery.js';
import { logSecurityEvent } from '../../auth/events.js';
import { factorsOf, SIGN_IN_FACTOR_PATHS, type AccountFactors, type SignInFactor } from '../../auth/factors.js';
import { accountKey } from '../../auth/limits.js';
import { codesLocked } from '../../auth/two-factor.js';
import { noteSignInBrowser } from '../../auth/new-browser-notice.js';
import { MAX_CODE_ATTEMPTS } from '../../auth/policy.js';
import { endSession, startSession } from '../../auth/session.js';
import { trustThisDevice } from '../../auth/trusted-devices.js';
import type { AppContext } from '../../context.js';
import type { Database, User } from '../../db/schema.js';
import { consumePendingSession, recordFailedCode } from '../../db/sessions.js';
import { setLastFactor } from '../../db/users.js';
import type { Messages } from '../../i18n/messages.js';
import type { SafeHtml } from '../../views/html.js';
import { otherWays, type SignInWay } from './views.js';

/** What a check decided: the second factor is done, or the reason it is not (`message` in the request's language). */
export type Verdict = { ok: true } | { ok: false; reason: 'wrong' | 'unavailable'; message: string };

/** Which way a sign-in was finished: a factor, or a fallback (it is not remembered as the factor to offer first). */
export type FinishedWith = SignInFactor | 'recovery' | 'email';

export interface PendingSignIn {
  user: User;
  factors: AccountFactors;
}

export interface CodeCheck {
  request: FastifyRequest;
  reply: FastifyReply;
  user: User;
  way: FinishedWith;
  /** Called only once the per-IP and per-account limits allow a try. */
  check: () => Promise<Verdict>;
  /** Shows the way's page again with this error and status. */
  show: (error: string, status: number) => FastifyReply | Promise<FastifyReply>;
  /** Runs in the sign-in's transaction once it succeeded (notices, warnings). */
  onSignedIn?: (trx: Kysely<Database>) => Promise<void>;
  /** "Remember this device for 30 days" was ticked. */
  rememberDevice?: boolean;
}


export class SignInGate {
  constructor(private readonly ctx: AppContext) {}

  /** The pending session's user and factors; null when there is none. */
  async pending(request: FastifyRequest): Promise<PendingSignIn | null> {
    const user = request.sessionUser;
    if (!user) return null;
    return { user, factors: await factorsOf(this.ctx.db, user) };
  }

  /** "Try another way": every way this account has, except the one (or ones) on screen. */
  otherWays(t: Messages, factors: AccountFactors, current: SignInWay | readonly SignInWay[]): SafeHtml {
    const shown: readonly SignInWay[] = typeof current === 'string' ? [current] : current;
    const ways: SignInWay[] = [
      ...(factors.passkeys > 0 ? (['passkey'] as const) : []),
      ...(factors.totp ? (['totp'] as const) : []),
      ...(factors.sms ? (['sms'] as const) : []),
      ...(factors.backupPhone ? (['backupPhone'] as const) : []),
      ...(factors.emailCodes ? (['email'] as const) : []),
      ...(factors.recoveryCodes > 0 ? (['recovery'] as const) : []),
    ];
    return otherWays(
      t,
      ways.filter((way) => !shown.includes(way)),
      (way) => SIGN_IN_FACTOR_PATHS[way],
    );
  }

  /** The account lost this way in (removed on another device): start over. */
  async startOver(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    await endSession(this.ctx, request, reply);
    return reply.redirect('/login');
  }

  /** Runs one check under the gate and, when it passes, signs the browser in. */
  async checkCode(c: CodeCheck): Promise<FastifyReply> {
    const { ctx } = this;
    const { request, reply, user } = c;
    const session = request.session!;
    const t = request.t;
    // Wrong codes count per account (and per IP), not per pending session: signing in again buys no fresh guesses.
    const lockKey = accountKey(user.id);
    const fromIp = await ctx.limits.beginCodeCheckFrom(request.ip);
    if (!fromIp.ok) return c.show(t.codes.limits.tooManyWrongCodes(fromIp.retryAfterMs), 429);
    const attempt = await ctx.limits.code.begin(lockKey);
    if (!attempt.ok) {
      await ctx.limits.refundCodeCheckFrom(request.ip);
      return c.show(codesLocked(t, attempt.retryAfterMs), 429);
    }
    let verdict: Verdict;
    try {
      verdict = await c.check();
    } catch (error) {
      await ctx.limits.code.release(lockKey);
      await ctx.limits.refundCodeCheckFrom(request.ip);
      throw error;
    }

    if (verdict.ok) {
      await ctx.limits.code.succeed(lockKey);
      await ctx.limits.refundCodeCheckFrom(request.ip);
      // Only one of two concurrent correct codes can consume the pending session.
      const signedIn = await ctx.db.transaction().execute(async (trx) => {
        if (!(await consumePendingSession(trx, session.id))) return false;
        request.session = null; // already deleted; startSession must not delete it again
        await startSession(ctx, request, reply, { userId: user.id, remember: Boolean(session.remember), twoFactorPending: false, nextPath: null }, trx);
        if (c.way !== 'recovery' && c.way !== 'email') await setLastFactor(trx, user.id, c.way);
        await logSecurityEvent(ctx, request, user.id, c.way === 'recovery' ? 'recovery_code_used' : c.way === 'email' ? 'sign_in_email_code' : 'sign_in', trx);
        if (c.rememberDevice) {
          await trustThisDevice(ctx, request, reply, user.id, trx);
          await logSecurityEvent(ctx, request, user.id, 'trusted_device_added', trx);
        }
        // Whoever signed in has a factor: a recovery waiting to remove them is cancelled (src/auth/account-recovery.ts).
        await cancelRecoveryAfterSignIn(ctx, request, reply, user, trx);
        await c.onSignedIn?.(trx);
        await noteSignInBrowser(ctx, request, reply, user, trx);
        return true;
      });
      if (!signedIn) return reply.redirect('/login');
      ctx.mail.kick();
      return reply.redirect(session.next_path ?? '/');
    }

    if (verdict.reason === 'unavailable') {
      await ctx.limits.code.release(lockKey);
      await ctx.limits.refundCodeCheckFrom(request.ip);
      return c.show(verdict.message, 503);
    }
    await ctx.limits.code.fail(lockKey);
    await logSecurityEvent(ctx, request, user.id, 'code_failed');
    const failures = await recordFailedCode(ctx.db, session.id);
    if (failures >= MAX_CODE_ATTEMPTS) {
      await endSession(ctx, request, reply);
      return reply.flash('error', t.login.tooManyWrongCodes).redirect('/login');
    }
    const locked = await ctx.limits.code.status(lockKey);
    if (!locked.ok) return c.show(codesLocked(t, locked.retryAfterMs), 429);
    return c.show(verdict.message, 422);
  }
}
