/**
 * Sign in (password, then the SMS code when two-factor is on) and sign out.
 * Wrong username and wrong password get the same message, and an unknown user
 * still costs one password hash, so neither tells which accounts exist.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requirePendingSignIn, TWO_FACTOR_SIGN_IN_PATH } from '../../auth/guards.js';
import { verifyAgainstDummy, verifyPassword } from '../../auth/password.js';
import { MAX_CODE_ATTEMPTS } from '../../auth/policy.js';
import { safeNextPath } from '../../auth/redirects.js';
import { endSession, startSession } from '../../auth/session.js';
import { CHECK_FAILURE_MESSAGES, maskPhone, normalizeCode, resendWaitMs, START_FAILURE_MESSAGES } from '../../auth/two-factor.js';
import type { VerifyChannel } from '../../adapters/verify/types.js';
import type { AppContext } from '../../context.js';
import { consumePendingSession, recordFailedCode, setSessionCodeSentAt } from '../../db/sessions.js';
import { findUserById, findUserByLogin } from '../../db/users.js';
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
    const user = login.trim() ? await findUserByLogin(ctx.db, login.trim()) : undefined;
    const passwordOk = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
    if (!user || !passwordOk) {
      return reply.page('Sign in', loginPage({ csrfToken: reply.csrfToken(), login, remember, next, error: INVALID_CREDENTIALS }), { status: 401 });
    }

    if (!user.two_factor_enabled || !user.phone) {
      await startSession(ctx, request, reply, { userId: user.id, remember, twoFactorPending: false, nextPath: null });
      return reply.redirect(next ?? '/');
    }

    // Password is right, second factor still to come: a pending session that reaches only the code page.
    const sessionId = await startSession(ctx, request, reply, { userId: user.id, remember, twoFactorPending: true, nextPath: next });
    const sent = await ctx.verify.start(user.phone, 'sms');
    if (sent.ok) await setSessionCodeSentAt(ctx.db, sessionId, ctx.clock.now());
    else reply.flash('error', START_FAILURE_MESSAGES[sent.reason]);
    return reply.redirect(TWO_FACTOR_SIGN_IN_PATH);
  });

  async function showCodePage(request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) {
    const session = request.session!;
    const user = await findUserById(ctx.db, session.user_id);
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
      { status, scripts: ['/static/js/countdown.js'] },
    );
  }

  app.get(TWO_FACTOR_SIGN_IN_PATH, { preHandler: requirePendingSignIn }, async (request, reply) => showCodePage(request, reply));

  app.post<{ Body: z.infer<typeof CodeForm> }>(
    TWO_FACTOR_SIGN_IN_PATH,
    { preHandler: requirePendingSignIn, schema: { body: CodeForm } },
    async (request, reply) => {
      const session = request.session!;
      const user = await findUserById(ctx.db, session.user_id);
      if (!user?.phone || !user.two_factor_enabled) {
        await endSession(ctx, request, reply);
        return reply.redirect('/login');
      }
      const code = normalizeCode(request.body.code);
      const result = code ? await ctx.verify.check(user.phone, code) : ({ ok: false, reason: 'wrong_code' } as const);

      if (result.ok) {
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

      if (result.reason === 'unavailable') return showCodePage(request, reply, CHECK_FAILURE_MESSAGES.unavailable, 503);
      const failures = await recordFailedCode(ctx.db, session.id);
      if (failures >= MAX_CODE_ATTEMPTS) {
        await endSession(ctx, request, reply);
        return reply.flash('error', 'Too many wrong codes. For your safety, please sign in again.').redirect('/login');
      }
      return showCodePage(request, reply, CHECK_FAILURE_MESSAGES[result.reason], 422);
    },
  );

  app.post<{ Body: z.infer<typeof ResendForm> }>(
    `${TWO_FACTOR_SIGN_IN_PATH}/resend`,
    { preHandler: requirePendingSignIn, schema: { body: ResendForm } },
    async (request, reply) => {
      const session = request.session!;
      const user = await findUserById(ctx.db, session.user_id);
      if (!user?.phone) return reply.redirect('/login');
      const wait = resendWaitMs(session.code_sent_at, ctx.clock.now());
      if (wait > 0) return reply.flash('error', `Please wait ${Math.ceil(wait / 1000)} seconds before asking for another code.`).redirect(TWO_FACTOR_SIGN_IN_PATH);
      const channel: VerifyChannel = request.body.channel;
      const sent = await ctx.verify.start(user.phone, channel);
      if (!sent.ok) return reply.flash('error', START_FAILURE_MESSAGES[sent.reason]).redirect(TWO_FACTOR_SIGN_IN_PATH);
      await setSessionCodeSentAt(ctx.db, session.id, ctx.clock.now());
      return reply.flash('info', channel === 'call' ? 'We are calling you now with your code.' : 'We sent you a new code.').redirect(TWO_FACTOR_SIGN_IN_PATH);
    },
  );

  app.post('/logout', { schema: { body: formSchema({}) } }, async (request, reply) => {
    await endSession(ctx, request, reply);
    return reply.flash('info', 'You have signed out.').redirect('/login');
  });
};
