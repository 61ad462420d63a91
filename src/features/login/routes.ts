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
import { factorsOf, hasSecondFactor, signInFactors } from '../../auth/factors.js';
import { accountKey, deviceKey, loginKey } from '../../auth/lockout.js';
import { FREE_CONSECUTIVE_FAILURES, lockoutMsAfter, MAX_CONSECUTIVE_FAILURES } from '../../auth/policy.js';
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
import { MAX_ORIGINAL_URL_LENGTH, returnPathFor } from '../../forward-auth/request.js';
import { secondFactorRoutes, startSmsStep } from './second-factor.js';
import { passkeySignInRoutes } from './passkey-sign-in.js';
import { loginPage } from './views.js';
import { HOME_PATH, LOGIN_PATH, LOGOUT_PATH, SIGN_IN_WAY_PATHS } from '../../lib/paths.js';

/** `require=two-factor`: the second step is asked even on a browser the account remembered (below). */
export const REQUIRE_TWO_FACTOR = 'two-factor';

/**
 * `fresh=1`: show the form even to someone signed in. An app that asks for a fresh sign-in (OpenID Connect
 * `prompt=login`, `max_age`) sends people here with it. `require=two-factor`: an app that needs two factors
 * (src/oidc/interaction.ts) sends people here with it, and a remembered browser does not skip the second step of
 * this sign-in (forward-auth's `two_factor` rules send it too). Both can only ask for more, never skip anything:
 * the interaction judges the sign-in that results. `rd`: where forward-auth was asked about, to return to after
 * the sign-in — only to a host the access rules name (src/forward-auth/request.ts); it becomes a `next` through
 * `/authz/return`, which checks it again when it is followed.
 */
const LoginQuery = z.object({ next: z.string().max(2000).optional(), fresh: z.literal('1').optional(), require: z.literal(REQUIRE_TWO_FACTOR).optional(), rd: z.string().max(MAX_ORIGINAL_URL_LENGTH).optional() });
const LoginForm = formSchema({ login: field(500), password: field(4096), remember: checkbox(), next: field(2000).optional(), require: field(20).optional() });

export const loginRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(secondFactorRoutes, { ctx });
  await app.register(passkeySignInRoutes, { ctx });

  app.get<{ Querystring: z.infer<typeof LoginQuery> }>(LOGIN_PATH, { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const next = safeNextPath(request.query.next) ?? returnPathFor(ctx.config, request.query.rd);
    const fresh = request.query.fresh === '1';
    if (request.user && !fresh) return reply.redirect(next ?? HOME_PATH);
    const t = request.t;
    const secondStepRequired = request.query.require === REQUIRE_TWO_FACTOR;
    return reply.sharedPage((csrfToken) => ({ title: t.login.page.title, body: loginPage(t, { csrfToken, login: '', remember: false, next, fresh, secondStepRequired }) }));
  });

  app.post<{ Body: z.infer<typeof LoginForm> }>(LOGIN_PATH, { schema: { body: LoginForm } }, async (request, reply) => {
    const { login, password, remember } = request.body;
    const next = safeNextPath(request.body.next);
    const secondStepRequired = request.body.require === REQUIRE_TWO_FACTOR;
    const t = request.t;
    // Wrong username and wrong password get this same answer.
    const refuse = (error = t.login.page.invalidCredentials, status = 401) =>
      reply.page(t.login.page.title, loginPage(t, { csrfToken: reply.csrfToken(), login, remember, next, error, secondStepRequired }), { status });
    // A lockout is told as it is: paused, for how long, and the way out (a reset), with Retry-After.
    const paused = (retryAfterMs: number | null) => {
      if (retryAfterMs !== null) reply.header('retry-after', Math.max(1, Math.ceil(retryAfterMs / 1000)));
      return reply.page(t.login.page.title, loginPage(t, { csrfToken: reply.csrfToken(), login, remember, next, paused: { retryAfterMs }, secondStepRequired }), { status: 429 });
    };
    /** The answer after `failures` failures of the key the page speaks for (its lock, if that count set one). */
    const answerAfter = (failures: number, retryAfterMs: number | null = lockoutMsAfter(failures)) =>
      failures >= MAX_CONSECUTIVE_FAILURES ? paused(null) : failures >= FREE_CONSECUTIVE_FAILURES ? paused(retryAfterMs) : refuse();

    // Credential stuffing: every attempt from this IP counts until it succeeds (src/auth/limits.ts).
    const fromIp = await ctx.limits.beginSignInFrom(request.ip);
    if (!fromIp.ok) {
      ctx.metrics.signIn('throttled');
      return refuse(t.codes.limits.tooManySignInAttempts(fromIp.retryAfterMs), 429);
    }
    const user = login.trim() ? await findUserByLogin(ctx.db, login.trim()) : undefined;
    // Two counters (decision record 008):
    // - the typed login's (username or address, normalized, known or not): what this page tells follows it
    //   alone, so it behaves the same for every login and tells nothing about which accounts exist — or which
    //   username and address belong together;
    // - the account's, when one matches: it locks the account whichever of its logins is typed, keeps the
    //   100-failure cap, and tells the owner; when only it refuses, the page gives the usual answer.
    // A browser the account remembered counts apart instead, so a locked account does not lock its owner's devices.
    const device = user ? await trustedDeviceOf(ctx, request, user.id) : undefined;
    const visibleKey = device ? deviceKey(device.token_hash) : loginKey(login.includes('@') ? normalizeEmail(login) : normalizeUsername(login));
    const ownerKey = user && !device ? accountKey(user.id) : null;
    // The owner hears of a lockout of their account (src/auth/lockout-notice.ts) after this answer is sent, so
    // the time of the answer does not tell a known account from an unknown one either.
    const tellOwner = (failures: number | undefined) => {
      if (!user || failures === undefined) return;
      setImmediate(() => {
        noticeOfLockout(ctx, request, user, 'password', failures).then(
          (queued) => queued && ctx.mail.kick(),
          (error: unknown) => request.log.error({ err: error }, 'could not queue the lockout notice'),
        );
      });
    };

    const visible = await ctx.limits.password.begin(visibleKey);
    if (!visible.ok) {
      // Every attempt counts on the account too (NIST's cap counts attempts), before anything slow.
      if (ownerKey) tellOwner(await ctx.limits.password.penalize(ownerKey));
      // Locked: even the right password gets this answer, in the time a hash takes.
      await verifyAgainstDummy(password);
      ctx.metrics.signIn('locked');
      // A refusal only because another attempt is in flight (failures still below the lockout) is a plain "no".
      return answerAfter(visible.failures ?? FREE_CONSECUTIVE_FAILURES, visible.retryAfterMs);
    }
    const owner = ownerKey ? await ctx.limits.password.begin(ownerKey) : ({ ok: true } as const);
    if (!owner.ok) {
      // The account is locked through another of its logins: this login's count goes on exactly as for a
      // wrong password (or for a login that matches no one), and so does its answer.
      await verifyAgainstDummy(password);
      tellOwner(owner.failures);
      const failures = await ctx.limits.password.fail(visibleKey);
      ctx.metrics.signIn('locked');
      return answerAfter(failures);
    }
    let passwordOk: boolean;
    try {
      passwordOk = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
    } catch (error) {
      // No verdict (hashing busy → 503): free the attempt slots and the IP's point, so a retry is a fair try.
      await ctx.limits.password.release(visibleKey);
      if (ownerKey) await ctx.limits.password.release(ownerKey);
      await ctx.limits.refundSignInFrom(request.ip);
      throw error;
    }
    if (!user || !passwordOk) {
      const failures = await ctx.limits.password.fail(visibleKey);
      if (ownerKey) tellOwner(await ctx.limits.password.fail(ownerKey));
      if (user) await logSecurityEvent(ctx, request, user.id, 'sign_in_failed');
      ctx.metrics.signIn('failure');
      // A remembered browser that keeps guessing is forgotten (OWASP device cookies): its next try counts on the
      // account and its login, and it loses its second-factor skip.
      if (device && failures >= FREE_CONSECUTIVE_FAILURES) {
        await deleteTrustedDevice(ctx.db, device.user_id, device.token_hash);
        return refuse();
      }
      // This failure may have started a lockout: say so now, not at the next try.
      return answerAfter(failures);
    }
    await ctx.limits.password.succeed(visibleKey);
    if (ownerKey) await ctx.limits.password.succeed(ownerKey);
    await ctx.limits.refundSignInFrom(request.ip);
    // Suspended by an operator (the console): the right password learns it, and whom to ask; nothing else does.
    if (user.suspended_at !== null) {
      ctx.metrics.signIn('failure');
      return refuse(t.login.page.suspended(ctx.config.supportContact), 403);
    }
    ctx.metrics.signIn('success');

    // A recovery whose wait is over completes now, before the factors are read: they are then gone
    // (src/auth/account-recovery.ts).
    const recovered = await completeDueRecovery(ctx, request, user.id);
    const factors = await factorsOf(ctx.db, recovered ?? user);
    // No second factor, or a browser the user chose to remember after one: signed in now — unless the sign-in is
    // for an app that needs two factors, which a remembered browser did not prove at this sign-in.
    const trusted = hasSecondFactor(factors) && !secondStepRequired ? device : undefined;
    if (!hasSecondFactor(factors) || trusted) {
      const path = trusted ? ({ kind: 'remembered-device', device: trusted } as const) : ({ kind: 'password' } as const);
      const signedIn = await ctx.db.transaction().execute((trx) => completeSignIn(ctx, request, reply, { user, path, remember }, trx));
      if (signedIn === null) return refuse(t.login.page.suspended(ctx.config.supportContact), 403);
      ctx.mail.kick();
      return reply.redirect(next ?? HOME_PATH);
    }

    // Password is right, second factor still to come: a pending session that reaches only the second-factor pages.
    const sessionId = await startSession(ctx, request, reply, { userId: user.id, remember, twoFactorPending: true, nextPath: next });
    const [first] = signInFactors(user, factors);
    if (first === 'sms') return startSmsStep(ctx, reply, user, sessionId, request.ip, t);
    return reply.redirect(SIGN_IN_WAY_PATHS[first ?? 'totp']);
  });

  app.post(LOGOUT_PATH, { schema: { body: formSchema({}) } }, async (request, reply) => {
    await endSession(ctx, request, reply);
    return reply.flash('info', request.t.login.signedOut).redirect(LOGIN_PATH);
  });
};
