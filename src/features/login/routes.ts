/**
 * Sign in (the password, then a second step when the account has a factor) and
 * sign out. Wrong username and wrong password get the same message, and an
 * unknown user still costs one password hash, so neither tells which accounts
 * exist; a lockout is told as a pause with its length and the way out (a
 * password reset), the same for a login that matches no account.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { completeDueRecovery } from '../../auth/account-recovery.js';
import { logSecurityEvent } from '../../auth/events.js';
import { factorsOf, hasSecondFactor, SIGN_IN_FACTOR_PATHS, signInFactors } from '../../auth/factors.js';
import { accountKey, deviceKey, FREE_CONSECUTIVE_FAILURES, unknownLoginKey } from '../../auth/limits.js';
import { noticeOfLockout } from '../../auth/lockout-notice.js';
import { deleteTrustedDevice } from '../../db/trusted-devices.js';
import { verifyAgainstDummy, verifyPassword } from '../../auth/password.js';
import { safeNextPath } from '../../auth/redirects.js';
import { endSession, startSession } from '../../auth/session.js';
import { completeSignIn } from '../../auth/sign-in.js';
import { trustedDeviceOf } from '../../auth/trusted-devices.js';
import type { AppContext } from '../../context.js';
import { findUserByLogin, normalizeEmail, normalizeUsername } from '../../db/users.js';
import { checkbox, field, formSchema } from '../../http/form-schema.js';
import { secondFactorRoutes, startSmsStep } from './second-factor.js';
import { passkeySignInRoutes } from './passkey-sign-in.js';
import { loginPage } from './views.js';

const LoginQuery = z.object({ next: z.string().max(2000).optional() });
const LoginForm = formSchema({ login: field(500), password: field(4096), remember: checkbox(), next: field(2000).optional() });

export const loginRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(secondFactorRoutes, { ctx });
  await app.register(passkeySignInRoutes, { ctx });

  app.get<{ Querystring: z.infer<typeof LoginQuery> }>('/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const next = safeNextPath(request.query.next);
    if (request.user) return reply.redirect(next ?? '/');
    const t = request.t;
    return reply.page(t.login.page.title, loginPage(t, { csrfToken: reply.csrfToken(), login: '', remember: false, next }));
  });

  app.post<{ Body: z.infer<typeof LoginForm> }>('/login', { schema: { body: LoginForm } }, async (request, reply) => {
    const { login, password, remember } = request.body;
    const next = safeNextPath(request.body.next);
    const t = request.t;
    // Wrong username and wrong password (and a locked account) get this same answer.
    const refuse = (error = t.login.page.invalidCredentials, status = 401) =>
      reply.page(t.login.page.title, loginPage(t, { csrfToken: reply.csrfToken(), login, remember, next, error }), { status });

    // Credential stuffing: every attempt from this IP counts until it succeeds (src/auth/limits.ts).
    const fromIp = await ctx.limits.beginSignInFrom(request.ip);
    if (!fromIp.ok) {
      ctx.metrics.signIn('throttled');
      return refuse(t.codes.limits.tooManySignInAttempts(fromIp.retryAfterMs), 429);
    }
    const user = login.trim() ? await findUserByLogin(ctx.db, login.trim()) : undefined;
    // One failure counter per account id (so case, whitespace, username and email share it), or per typed
    // login when no account matches, so an unknown user locks exactly like a known one. A browser the
    // account remembered counts apart, so a locked account does not lock its owner's own devices.
    const device = user ? await trustedDeviceOf(ctx, request, user.id) : undefined;
    const lockKey = device ? deviceKey(device.token_hash) : user ? accountKey(user.id) : unknownLoginKey(login.includes('@') ? normalizeEmail(login) : normalizeUsername(login));
    // A lockout is told as it is — paused, for how long, and the way out — for an unknown login exactly as for
    // an account (the same counter, words, status and hash), so the answer says nothing about who exists.
    const paused = (retryAfterMs: number | null) => {
      if (retryAfterMs !== null) reply.header('retry-after', Math.max(1, Math.ceil(retryAfterMs / 1000)));
      return refuse(retryAfterMs === null ? t.login.page.pausedUntilReset : t.login.page.paused(retryAfterMs), 429);
    };
    // Only an account's own counter tells its owner: not a remembered browser's, nor a login that matches no one.
    const tellOwner = async (failures: number | undefined) => {
      if (user && failures !== undefined && lockKey === accountKey(user.id) && (await noticeOfLockout(ctx, user, 'password', failures))) ctx.mail.kick();
    };
    const attempt = await ctx.limits.password.begin(lockKey);
    if (!attempt.ok) {
      // Locked: even the right password gets this answer, in the time a hash takes.
      await verifyAgainstDummy(password);
      await tellOwner(attempt.failures);
      ctx.metrics.signIn('locked');
      return paused(attempt.retryAfterMs);
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
      const failures = await ctx.limits.password.fail(lockKey);
      // A remembered browser that keeps guessing is forgotten (OWASP device cookies): it falls back to the
      // account's own count and loses its second-factor skip.
      const forgotten = device !== undefined && failures >= FREE_CONSECUTIVE_FAILURES;
      if (forgotten) await deleteTrustedDevice(ctx.db, device.user_id, device.token_hash);
      if (user) await logSecurityEvent(ctx, request, user.id, 'sign_in_failed');
      await tellOwner(failures);
      ctx.metrics.signIn('failure');
      // This failure may have started a lockout: say so now, not at the next try (a forgotten browser's
      // next try counts on the account instead).
      const locked = forgotten ? ({ ok: true } as const) : await ctx.limits.password.status(lockKey);
      return locked.ok ? refuse() : paused(locked.retryAfterMs);
    }
    ctx.metrics.signIn('success');
    await ctx.limits.password.succeed(lockKey);
    await ctx.limits.refundSignInFrom(request.ip);

    // A recovery whose wait is over completes now, before the factors are read: they are then gone
    // (src/auth/account-recovery.ts).
    const recovered = await completeDueRecovery(ctx, request, user.id);
    const factors = await factorsOf(ctx.db, recovered ?? user);
    // No second factor, or a browser the user chose to remember after one: signed in now.
    const trusted = hasSecondFactor(factors) ? device : undefined;
    if (!hasSecondFactor(factors) || trusted) {
      const path = trusted ? ({ kind: 'remembered-device', device: trusted } as const) : ({ kind: 'password' } as const);
      await ctx.db.transaction().execute((trx) => completeSignIn(ctx, request, reply, { user, path, remember }, trx));
      ctx.mail.kick();
      return reply.redirect(next ?? '/');
    }

    // Password is right, second factor still to come: a pending session that reaches only the second-factor pages.
    const sessionId = await startSession(ctx, request, reply, { userId: user.id, remember, twoFactorPending: true, nextPath: next });
    const [first] = signInFactors(user, factors);
    if (first === 'sms') return startSmsStep(ctx, reply, user, sessionId, request.ip, t);
    return reply.redirect(SIGN_IN_FACTOR_PATHS[first ?? 'totp']);
  });

  app.post('/logout', { schema: { body: formSchema({}) } }, async (request, reply) => {
    await endSession(ctx, request, reply);
    return reply.flash('info', request.t.login.signedOut).redirect('/login');
  });
};
