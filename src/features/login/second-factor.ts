/**
 * The second step of sign-in, for a session whose password is right
 * (`two_factor_pending`): a code by SMS or voice call, a code from an
 * authenticator app, or a recovery code. Every way goes through the same gate:
 * the pending session only reaches these pages, wrong codes count per account
 * and per IP (src/auth/limits.ts) and per pending session (MAX_CODE_ATTEMPTS),
 * and only one request can turn the pending session into a signed-in one.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { logSecurityEvent } from '../../auth/events.js';
import { factorsOf, SIGN_IN_FACTOR_PATHS, signInFactors, type AccountFactors, type SignInFactor } from '../../auth/factors.js';
import { requirePendingSignIn } from '../../auth/guards.js';
import { accountKey, CODES_LOCKED, TOO_MANY_WRONG_CODES } from '../../auth/limits.js';
import { MAX_CODE_ATTEMPTS } from '../../auth/policy.js';
import { RECOVERY_CODES_LOW, RecoveryCodes, recoveryCodesLowMessage } from '../../auth/recovery-codes.js';
import { endSession, startSession } from '../../auth/session.js';
import { TotpKeys } from '../../auth/totp.js';
import { trustThisDevice } from '../../auth/trusted-devices.js';
import { noteSignInBrowser } from '../../auth/new-browser-notice.js';
import { CHECK_FAILURE_MESSAGES, codeSentMessage, maskPhone, normalizeCode, resendTooSoonMessage, resendWaitMs, sendCode } from '../../auth/two-factor.js';
import type { AppContext } from '../../context.js';
import { countUnusedRecoveryCodes, findTotpFactor, useRecoveryCode, useTotpStep } from '../../db/factors.js';
import { enqueueMail } from '../../db/mail-outbox.js';
import type { Database, User } from '../../db/schema.js';
import { consumePendingSession, recordFailedCode, setSessionCodeSentAt } from '../../db/sessions.js';
import { setLastFactor } from '../../db/users.js';
import { checkbox, field, formSchema } from '../../http/form-schema.js';
import { codeEntry } from '../../views/code-entry.js';
import { html } from '../../views/html.js';
import { recoveryCodeUsedMail } from './mail.js';
import { otherWays, signInFooter, totpSignInPage, recoveryCodeSignInPage } from './views.js';
import { wasntMeLink } from '../../auth/wasnt-me.js';

const CodeForm = formSchema({ code: field(100), remember_device: checkbox() });
const RecoveryForm = formSchema({ code: field(100) });
const ResendForm = formSchema({ channel: z.enum(['sms', 'call']) });

export const WRONG_APP_CODE = 'That code is not right, or was already used. Enter the newest code from your authenticator app.';
export const WRONG_RECOVERY_CODE = 'That recovery code is not right, or was already used.';

/** What a code check decided: the second factor is done, or the reason it is not. */
type Verdict = { ok: true } | { ok: false; reason: 'wrong' | 'unavailable'; message: string };

/**
 * Sends the first SMS code of a sign-in (called right after the password, when
 * SMS is the factor offered first). Nothing is sent while codes are locked.
 */
export async function startSmsStep(ctx: AppContext, reply: FastifyReply, user: User, sessionId: string, ip: string): Promise<FastifyReply> {
  const codes = await ctx.limits.code.status(accountKey(user.id));
  if (!codes.ok) return reply.flash('error', CODES_LOCKED(codes.retryAfterMs)).redirect(SIGN_IN_FACTOR_PATHS.sms);
  const sent = await sendCode(ctx, user.phone!, 'sms', { userId: user.id, ip });
  if (sent.ok) await setSessionCodeSentAt(ctx.db, sessionId, ctx.clock.now());
  else reply.flash('error', sent.message);
  return reply.redirect(SIGN_IN_FACTOR_PATHS.sms);
}

export const secondFactorRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const totpKeys = new TotpKeys(ctx.config.secretKey);
  const recoveryCodes = new RecoveryCodes(ctx.config.secretKey);

  /** The pending session's user and factors; null when the account no longer has this way in (factor removed meanwhile). */
  async function pendingUser(request: FastifyRequest): Promise<{ user: User; factors: AccountFactors } | null> {
    const user = request.sessionUser;
    if (!user) return null;
    return { user, factors: await factorsOf(ctx.db, user) };
  }

  function otherWaysFor(factors: AccountFactors, current: SignInFactor | 'recovery') {
    const ways = [...(factors.totp ? (['totp'] as const) : []), ...(factors.sms ? (['sms'] as const) : []), ...(factors.recoveryCodes > 0 ? (['recovery'] as const) : [])];
    return otherWays(
      ways.filter((way) => way !== current),
      (way) => SIGN_IN_FACTOR_PATHS[way],
    );
  }

  /**
   * Runs one code check under the shared gate and, when it passes, signs the
   * browser in. `check` is called only once the per-IP and per-account limits allow it.
   */
  async function checkCode(
    request: FastifyRequest,
    reply: FastifyReply,
    user: User,
    factor: SignInFactor | 'recovery',
    check: () => Promise<Verdict>,
    show: (error: string, status: number) => FastifyReply | Promise<FastifyReply>,
    /** Runs in the sign-in's transaction once it succeeded (notices, warnings). */
    onSignedIn?: (trx: Kysely<Database>) => Promise<void>,
    /** "Remember this device for 30 days" was ticked. */
    rememberDevice = false,
  ): Promise<FastifyReply> {
    const session = request.session!;
    // Wrong codes count per account (and per IP), not per pending session: signing in again buys no fresh guesses.
    const lockKey = accountKey(user.id);
    const fromIp = await ctx.limits.beginCodeCheckFrom(request.ip);
    if (!fromIp.ok) return show(TOO_MANY_WRONG_CODES(fromIp.retryAfterMs), 429);
    const attempt = await ctx.limits.code.begin(lockKey);
    if (!attempt.ok) {
      await ctx.limits.refundCodeCheckFrom(request.ip);
      return show(CODES_LOCKED(attempt.retryAfterMs), 429);
    }
    let verdict: Verdict;
    try {
      verdict = await check();
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
        if (factor !== 'recovery') await setLastFactor(trx, user.id, factor);
        await logSecurityEvent(ctx, request, user.id, factor === 'recovery' ? 'recovery_code_used' : 'sign_in', trx);
        if (rememberDevice) {
          await trustThisDevice(ctx, request, reply, user.id, trx);
          await logSecurityEvent(ctx, request, user.id, 'trusted_device_added', trx);
        }
        await onSignedIn?.(trx);
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
      return show(verdict.message, 503);
    }
    await ctx.limits.code.fail(lockKey);
    await logSecurityEvent(ctx, request, user.id, 'code_failed');
    const failures = await recordFailedCode(ctx.db, session.id);
    if (failures >= MAX_CODE_ATTEMPTS) {
      await endSession(ctx, request, reply);
      return reply.flash('error', 'Too many wrong codes. For your safety, please sign in again.').redirect('/login');
    }
    const locked = await ctx.limits.code.status(lockKey);
    if (!locked.ok) return show(CODES_LOCKED(locked.retryAfterMs), 429);
    return show(verdict.message, 422);
  }

  /** The account lost this way in (removed on another device): start over. */
  async function startOver(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    await endSession(ctx, request, reply);
    return reply.redirect('/login');
  }

  // ---- Code by SMS or voice call ----

  async function showSmsPage(request: FastifyRequest, reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    const session = request.session!;
    const phone = request.sessionUser?.phone ?? '';
    const wait = Math.ceil(resendWaitMs(session.code_sent_at, ctx.clock.now()) / 1000);
    return reply.page(
      'Enter your code',
      codeEntry({
        heading: 'Enter the code we sent you',
        intro: session.code_sent_at ? `We sent a 6-digit code to ${maskPhone(phone)}.` : `Ask for a code to be sent to ${maskPhone(phone)}.`,
        csrfToken: reply.csrfToken(),
        action: SIGN_IN_FACTOR_PATHS.sms,
        resendAction: `${SIGN_IN_FACTOR_PATHS.sms}/resend`,
        resendWaitSeconds: wait,
        error,
        rememberDevice: true,
        footer: html`${otherWaysFor(factors, 'sms')}${signInFooter(reply.csrfToken())}`,
      }),
      { status, scripts: ['/static/js/countdown.js'], noReferrer: true },
    );
  }

  /** The sign-in's first page after the password: the factor used last (or the strongest) first. */
  app.get(SIGN_IN_FACTOR_PATHS.sms, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await pendingUser(request);
    if (!pending) return startOver(request, reply);
    if (!pending.factors.sms) {
      const [first] = signInFactors(pending.user, pending.factors);
      return first ? reply.redirect(SIGN_IN_FACTOR_PATHS[first]) : startOver(request, reply);
    }
    return showSmsPage(request, reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof CodeForm> }>(SIGN_IN_FACTOR_PATHS.sms, { preHandler: requirePendingSignIn, schema: { body: CodeForm } }, async (request, reply) => {
    const pending = await pendingUser(request);
    if (!pending?.factors.sms) return startOver(request, reply);
    const { user, factors } = pending;
    const code = normalizeCode(request.body.code);
    return checkCode(
      request,
      reply,
      user,
      'sms',
      async () => {
        const result = code ? await ctx.verify.check(user.phone!, code) : ({ ok: false, reason: 'wrong_code' } as const);
        if (result.ok) return { ok: true };
        return { ok: false, reason: result.reason === 'unavailable' ? 'unavailable' : 'wrong', message: CHECK_FAILURE_MESSAGES[result.reason] };
      },
      (error, status) => showSmsPage(request, reply, factors, error, status),
      undefined,
      request.body.remember_device,
    );
  });

  app.post<{ Body: z.infer<typeof ResendForm> }>(`${SIGN_IN_FACTOR_PATHS.sms}/resend`, { preHandler: requirePendingSignIn, schema: { body: ResendForm } }, async (request, reply) => {
    const session = request.session!;
    const pending = await pendingUser(request);
    if (!pending?.factors.sms) return startOver(request, reply);
    const { user } = pending;
    const tooSoon = resendTooSoonMessage(session.code_sent_at, ctx.clock.now());
    if (tooSoon) return reply.flash('error', tooSoon).redirect(SIGN_IN_FACTOR_PATHS.sms);
    const codes = await ctx.limits.code.status(accountKey(user.id));
    if (!codes.ok) return reply.flash('error', CODES_LOCKED(codes.retryAfterMs)).redirect(SIGN_IN_FACTOR_PATHS.sms);
    const sent = await sendCode(ctx, user.phone!, request.body.channel, { userId: user.id, ip: request.ip });
    if (!sent.ok) return reply.flash('error', sent.message).redirect(SIGN_IN_FACTOR_PATHS.sms);
    await setSessionCodeSentAt(ctx.db, session.id, ctx.clock.now());
    return reply.flash('info', codeSentMessage(request.body.channel)).redirect(SIGN_IN_FACTOR_PATHS.sms);
  });

  // ---- Authenticator app ----

  function showTotpPage(reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    return reply.page(
      'Enter your code',
      totpSignInPage({ csrfToken: reply.csrfToken(), error, otherWays: otherWaysFor(factors, 'totp'), footer: signInFooter(reply.csrfToken()) }),
      { status, noReferrer: true },
    );
  }

  app.get(SIGN_IN_FACTOR_PATHS.totp, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await pendingUser(request);
    if (!pending?.factors.totp) return reply.redirect(SIGN_IN_FACTOR_PATHS.sms);
    return showTotpPage(reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof CodeForm> }>(SIGN_IN_FACTOR_PATHS.totp, { preHandler: requirePendingSignIn, schema: { body: CodeForm } }, async (request, reply) => {
    const pending = await pendingUser(request);
    if (!pending?.factors.totp) return startOver(request, reply);
    const { user, factors } = pending;
    return checkCode(
      request,
      reply,
      user,
      'totp',
      async () => {
        const factor = await findTotpFactor(ctx.db, user.id);
        const step = factor ? totpKeys.matchingStep(factor.secret, request.body.code.replace(/\s/g, ''), ctx.clock.now()) : null;
        // A right code whose step was used already (replay, or the same code sent twice at once) is wrong.
        const ok = step !== null && (await useTotpStep(ctx.db, user.id, step));
        return ok ? { ok: true } : { ok: false, reason: 'wrong', message: WRONG_APP_CODE };
      },
      (error, status) => showTotpPage(reply, factors, error, status),
      undefined,
      request.body.remember_device,
    );
  });

  // ---- Recovery code ----

  function showRecoveryPage(reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    return reply.page(
      'Use a recovery code',
      recoveryCodeSignInPage({ csrfToken: reply.csrfToken(), error, otherWays: otherWaysFor(factors, 'recovery'), footer: signInFooter(reply.csrfToken()) }),
      { status, noReferrer: true },
    );
  }

  app.get(SIGN_IN_FACTOR_PATHS.recovery, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await pendingUser(request);
    if (!pending) return startOver(request, reply);
    return showRecoveryPage(reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof RecoveryForm> }>(SIGN_IN_FACTOR_PATHS.recovery, { preHandler: requirePendingSignIn, schema: { body: RecoveryForm } }, async (request, reply) => {
    const pending = await pendingUser(request);
    if (!pending) return startOver(request, reply);
    const { user, factors } = pending;
    return checkCode(
      request,
      reply,
      user,
      'recovery',
      async () => {
        const hash = recoveryCodes.hashTyped(request.body.code);
        // One conditional UPDATE: of two requests with the same code, only one marks it used.
        const ok = hash !== null && (await useRecoveryCode(ctx.db, user.id, hash, ctx.clock.now()));
        return ok ? { ok: true } : { ok: false, reason: 'wrong', message: WRONG_RECOVERY_CODE };
      },
      (error, status) => showRecoveryPage(reply, factors, error, status),
      async (trx) => {
        // Signed in with a recovery code: the owner hears of it by email, and how many codes are left.
        const left = await countUnusedRecoveryCodes(trx, user.id);
        const now = ctx.clock.now();
        const wasntMe = await wasntMeLink(trx, ctx.config.appUrl, user, now);
        await enqueueMail(trx, recoveryCodeUsedMail({ to: user.email, firstName: user.first_name, usedAt: now, left, wasntMeLink: wasntMe }), now);
        if (left <= RECOVERY_CODES_LOW) reply.flash('error', recoveryCodesLowMessage(left));
      },
    );
  });
};
