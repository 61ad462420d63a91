/**
 * Sign in (password, then the SMS code when two-factor is on) and sign out.
 * Wrong username and wrong password get the same message, and an unknown user
 * still costs one password hash, so neither tells which accounts exist.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requirePendingSignIn, TWO_FACTOR_SIGN_IN_PATH } from '../../auth/guards.js';
import { accountKey, CODES_LOCKED, TOO_MANY_SIGN_IN_ATTEMPTS, TOO_MANY_WRONG_CODES, unknownLoginKey } from '../../auth/limits.js';
import { verifyAgainstDummy, verifyPassword } from '../../auth/password.js';
import { MAX_CODE_ATTEMPTS } from '../../auth/policy.js';
import { safeNextPath } from '../../auth/redirects.js';
import { endSession, startSession } from '../../auth/session.js';
import { CHECK_FAILURE_MESSAGES, codeSentMessage, maskPhone, normalizeCode, resendTooSoonMessage, resendWaitMs, sendCode } from '../../auth/two-factor.js';
import type { AppContext } from '../../context.js';
import { consumePendingSession, recordFailedCode, setSessionCodeSentAt } from '../../db/sessions.js';
import { findUserByLogin, normalizeEmail, normalizeUsername } from '../../db/users.js';
import { checkbox, field, formSchema } from '../../http/form-schema.js';
import { codeEntry } from '../../views/code-entry.js';
import { loginPage, signInFooter } from './views.js';

const LoginQuery = z.object({ next: z.string().max(2000).optional() });
const LoginForm = formSchema({ login: field(500), password: field(4096), remember: checkbox(), next: field(2000).optional() });
const CodeForm = formSchema({ code: field(100) });
const ResendForm = formSchema({ channel: z.enum(['sms', 'call']) });

const INVALID_CREDENTIALS = 'That username or email and password do not match. Check them and try again.';

export const loginRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: z.infer<typeof LoginQuery> }>('/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const next = safeNextPath(request.query.next);
    if (request.user) return reply.redirect(next ?? '/');
    return reply.page('Sign in', loginPage({ csrfToken: reply.csrfToken(), login: '', remember: false, next }));
  });

  app.post<{ Body: z.infer<typeof LoginForm> }>('/login', { schema: { body: LoginForm } }, async (request, reply) => {
    const { login, password, remember } = request.body;
    const next = safeNextPath(request.body.next);
    const refuse = (error = INVALID_CREDENTIALS, status = 401) =>
      reply.page('Sign in', loginPage({ csrfToken: reply.csrfToken(), login, remember, next, error }), { status });

    // Credential stuffing: every attempt from this IP counts until it succeeds (src/auth/limits.ts).
    const fromIp = await ctx.limits.beginSignInFrom(request.ip);
    if (!fromIp.ok) {
      ctx.metrics.signIn('throttled');
      return refuse(TOO_MANY_SIGN_IN_ATTEMPTS(fromIp.retryAfterMs), 429);
    }
    const user = login.trim() ? await findUserByLogin(ctx.db, login.trim()) : undefined;
    // One failure counter per account id (so case, whitespace, username and email share it), or per typed
    // login when no account matches, so an unknown user locks exactly like a known one.
    const lockKey = user ? accountKey(user.id) : unknownLoginKey(login.includes('@') ? normalizeEmail(login) : normalizeUsername(login));
    const attempt = await ctx.limits.password.begin(lockKey);
    if (!attempt.ok) {
      // Locked: even the right password gets the wrong-password answer, in the time a hash takes.
      await verifyAgainstDummy(password);
      ctx.metrics.signIn('locked');
      return refuse();
    }
    let passwordOk: boolean;
    try {
      passwordOk = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
    } catch (error) {
      // No verdict (hashing busy → 503): free the account's attempt slot and the IP's point, so a retry is a fair try.
      await ctx.limits.password.release(lockKey);
      await ctx.limits.refundSignInFrom(request.ip);
      throw error;
    }
    if (!user || !passwordOk) {
      await ctx.limits.password.fail(lockKey);
      ctx.metrics.signIn('failure');
      return refuse();
    }
    ctx.metrics.signIn('success');
    await ctx.limits.password.succeed(lockKey);
    await ctx.limits.refundSignInFrom(request.ip);

    if (!user.two_factor_enabled || !user.phone) {
      await startSession(ctx, request, reply, { userId: user.id, remember, twoFactorPending: false, nextPath: null });
      return reply.redirect(next ?? '/');
    }

    // Password is right, second factor still to come: a pending session that reaches only the code page.
    const sessionId = await startSession(ctx, request, reply, { userId: user.id, remember, twoFactorPending: true, nextPath: next });
    // Starting the sign-in again does not reset the code counter (it is per account), and no code is sent while it is locked.
    const codes = await ctx.limits.code.status(accountKey(user.id));
    if (!codes.ok) return reply.flash('error', CODES_LOCKED(codes.retryAfterMs)).redirect(TWO_FACTOR_SIGN_IN_PATH);
    const sent = await sendCode(ctx, user.phone, 'sms', { userId: user.id, ip: request.ip });
    if (sent.ok) await setSessionCodeSentAt(ctx.db, sessionId, ctx.clock.now());
    else reply.flash('error', sent.message);
    return reply.redirect(TWO_FACTOR_SIGN_IN_PATH);
  });

  async function showCodePage(request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) {
    const session = request.session!;
    const user = request.sessionUser;
    const wait = Math.ceil(resendWaitMs(session.code_sent_at, ctx.clock.now()) / 1000);
    return reply.page(
      'Enter your code',
      codeEntry({
        heading: 'Enter the code we sent you',
        intro: session.code_sent_at ? `We sent a 6-digit code to ${maskPhone(user?.phone ?? '')}.` : `Ask for a code to be sent to ${maskPhone(user?.phone ?? '')}.`,
        csrfToken: reply.csrfToken(),
        action: TWO_FACTOR_SIGN_IN_PATH,
        resendAction: `${TWO_FACTOR_SIGN_IN_PATH}/resend`,
        resendWaitSeconds: wait,
        error,
        footer: signInFooter(reply.csrfToken()),
      }),
      { status, scripts: ['/static/js/countdown.js'], noReferrer: true },
    );
  }

  app.get(TWO_FACTOR_SIGN_IN_PATH, { preHandler: requirePendingSignIn }, async (request, reply) => showCodePage(request, reply));

  app.post<{ Body: z.infer<typeof CodeForm> }>(
    TWO_FACTOR_SIGN_IN_PATH,
    { preHandler: requirePendingSignIn, schema: { body: CodeForm } },
    async (request, reply) => {
      const session = request.session!;
      const user = request.sessionUser;
      if (!user?.phone || !user.two_factor_enabled) {
        await endSession(ctx, request, reply);
        return reply.redirect('/login');
      }
      // Wrong codes count per account (and per IP), not per pending session: signing in again buys no fresh guesses.
      const lockKey = accountKey(user.id);
      const fromIp = await ctx.limits.beginCodeCheckFrom(request.ip);
      if (!fromIp.ok) return showCodePage(request, reply, TOO_MANY_WRONG_CODES(fromIp.retryAfterMs), 429);
      const attempt = await ctx.limits.code.begin(lockKey);
      if (!attempt.ok) {
        await ctx.limits.refundCodeCheckFrom(request.ip);
        return showCodePage(request, reply, CODES_LOCKED(attempt.retryAfterMs), 429);
      }
      const code = normalizeCode(request.body.code);
      const result = code ? await ctx.verify.check(user.phone, code) : ({ ok: false, reason: 'wrong_code' } as const);

      if (result.ok) {
        await ctx.limits.code.succeed(lockKey);
        await ctx.limits.refundCodeCheckFrom(request.ip);
        // Only one of two concurrent correct codes can consume the pending session.
        const signedIn = await ctx.db.transaction().execute(async (trx) => {
          if (!(await consumePendingSession(trx, session.id))) return false;
          request.session = null; // already deleted; startSession must not delete it again
          await startSession(ctx, request, reply, { userId: user.id, remember: Boolean(session.remember), twoFactorPending: false, nextPath: null }, trx);
          return true;
        });
        if (!signedIn) return reply.redirect('/login');
        return reply.redirect(session.next_path ?? '/');
      }

      if (result.reason === 'unavailable') {
        await ctx.limits.code.release(lockKey);
        await ctx.limits.refundCodeCheckFrom(request.ip);
        return showCodePage(request, reply, CHECK_FAILURE_MESSAGES.unavailable, 503);
      }
      await ctx.limits.code.fail(lockKey);
      const failures = await recordFailedCode(ctx.db, session.id);
      if (failures >= MAX_CODE_ATTEMPTS) {
        await endSession(ctx, request, reply);
        return reply.flash('error', 'Too many wrong codes. For your safety, please sign in again.').redirect('/login');
      }
      const locked = await ctx.limits.code.status(lockKey);
      if (!locked.ok) return showCodePage(request, reply, CODES_LOCKED(locked.retryAfterMs), 429);
      return showCodePage(request, reply, CHECK_FAILURE_MESSAGES[result.reason], 422);
    },
  );

  app.post<{ Body: z.infer<typeof ResendForm> }>(
    `${TWO_FACTOR_SIGN_IN_PATH}/resend`,
    { preHandler: requirePendingSignIn, schema: { body: ResendForm } },
    async (request, reply) => {
      const session = request.session!;
      const user = request.sessionUser;
      if (!user?.phone) return reply.redirect('/login');
      const tooSoon = resendTooSoonMessage(session.code_sent_at, ctx.clock.now());
      if (tooSoon) return reply.flash('error', tooSoon).redirect(TWO_FACTOR_SIGN_IN_PATH);
      const codes = await ctx.limits.code.status(accountKey(user.id));
      if (!codes.ok) return reply.flash('error', CODES_LOCKED(codes.retryAfterMs)).redirect(TWO_FACTOR_SIGN_IN_PATH);
      const sent = await sendCode(ctx, user.phone, request.body.channel, { userId: user.id, ip: request.ip });
      if (!sent.ok) return reply.flash('error', sent.message).redirect(TWO_FACTOR_SIGN_IN_PATH);
      await setSessionCodeSentAt(ctx.db, session.id, ctx.clock.now());
      return reply.flash('info', codeSentMessage(request.body.channel)).redirect(TWO_FACTOR_SIGN_IN_PATH);
    },
  );

  app.post('/logout', { schema: { body: formSchema({}) } }, async (request, reply) => {
    await endSession(ctx, request, reply);
    return reply.flash('info', 'You have signed out.').redirect('/login');
  });
};
