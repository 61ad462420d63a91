/**
 * The one gate every way of finishing a sign-in goes through (decision record
 * 010): a session whose password is right (`two_factor_pending`) reaches only
 * the second-factor pages; wrong answers count per account and per IP (one
 * code attempt, src/auth/code-attempt.ts, as at every set-up) and per pending
 * session (MAX_CODE_ATTEMPTS); and only one request can turn the pending
 * session into a signed-in one, through the one completion of every sign-in
 * (src/auth/sign-in.ts). A way of signing in (SMS, app, passkey, email,
 * recovery code) brings its page and a `check`; everything else is here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { attemptCode, type CodeCheck } from '../../auth/code-attempt.js';
import { factorsOf, type AccountFactors } from '../../auth/factors.js';
import { MAX_CODE_ATTEMPTS } from '../../auth/policy.js';
import { endSession } from '../../auth/session.js';
import { completeSignIn, type SecondStepMethod, type SignInMethod } from '../../auth/sign-in.js';
import type { AppContext } from '../../context.js';
import type { Database, User } from '../../db/schema.js';
import { consumePendingSession, recordFailedCode } from '../../db/sessions.js';
import type { Messages } from '../../i18n/messages.js';
import type { SafeHtml } from '../../views/html.js';
import { otherWays, type SignInWay } from './views.js';
import { HOME_PATH, LOGIN_PATH, SIGN_IN_WAY_PATHS } from '../../lib/paths.js';


/** What a right check proved besides its way, for the sign-in's record (src/auth/sign-in.ts). */
export interface Proved {
  alsoProved?: readonly SignInMethod[];
  /** A passkey's backup state as it answered: synced (true) or bound to its device (false). */
  passkeyBackedUp?: boolean;
}

export interface PendingSignIn {
  user: User;
  factors: AccountFactors;
}

export interface GateCheck {
  request: FastifyRequest;
  reply: FastifyReply;
  user: User;
  /** The way, as the record of how someone signed in names it (a code by call is `call`, not `sms`). */
  way: SecondStepMethod;
  /**
   * Called only once the per-IP and per-account limits allow a try (src/auth/code-attempt.ts). A right check
   * may say what else it proved (a passkey that verified its user, and whether that passkey is synced).
   */
  check: () => Promise<CodeCheck<Proved>>;
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
      (way) => SIGN_IN_WAY_PATHS[way],
    );
  }

  /** The account lost this way in (removed on another device): start over. */
  async startOver(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    await endSession(this.ctx, request, reply);
    return reply.redirect(LOGIN_PATH);
  }

  /** Runs one check under the gate and, when it passes, signs the browser in. */
  async checkCode(c: GateCheck): Promise<FastifyReply> {
    const { ctx } = this;
    const { request, reply, user } = c;
    const session = request.session!;
    const attempt = await attemptCode(ctx, request, user, 'sign-in', c.check);
    if (attempt.ok) {
      // Only one of two concurrent correct codes can consume the pending session.
      const signedIn = await ctx.db.transaction().execute(async (trx) => {
        if (!(await consumePendingSession(trx, session.id))) return false;
        request.session = null; // already deleted; completeSignIn must not delete it again
        const proved = attempt.value ?? {};
        const path = { kind: 'second-step', step: c.way, alsoProved: proved.alsoProved ?? [], rememberDevice: Boolean(c.rememberDevice), passkeyBackedUp: proved.passkeyBackedUp } as const;
        // Null: suspended meanwhile — the pending session is gone, and the password page says why.
        if ((await completeSignIn(ctx, request, reply, { user, path, remember: Boolean(session.remember) }, trx)) === null) return false;
        await c.onSignedIn?.(trx);
        return true;
      });
      if (!signedIn) return reply.redirect(LOGIN_PATH);
      ctx.mail.kick();
      return reply.redirect(session.next_path ?? HOME_PATH);
    }
    if (attempt.outcome === 'wrong') {
      // Wrong codes also count per pending sign-in: after MAX_CODE_ATTEMPTS it ends, and the password is asked again.
      const failures = await recordFailedCode(ctx.db, session.id);
      if (failures >= MAX_CODE_ATTEMPTS) {
        await endSession(ctx, request, reply);
        return reply.flash('error', request.t.login.tooManyWrongCodes).redirect(LOGIN_PATH);
      }
    }
    return c.show(attempt.message, attempt.status);
  }
}
