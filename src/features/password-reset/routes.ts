/**
 * Password reset by emailed link. The answer to "send me a link" is the same
 * whether or not the address has an account. The link's token is 256 random
 * bits, stored only as a hash, valid 30 minutes, usable once, and a newer link
 * voids older ones. Opening it moves the token out of the URL into a cookie.
 * Using it sets the password, ends every session of that user and mails the
 * owner a notice with "This wasn't me"; it never signs anyone in, so a 2FA
 * user still needs their code.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { breachedPasswordProblem, newPasswordFormRules } from '../../auth/account-rules.js';
import { cancelRecovery } from '../../auth/account-recovery.js';
import { logSecurityEvent } from '../../auth/events.js';
import { setEmailCodesEnabled } from '../../db/email-codes.js';
import { baseCookieOptions, cookieName } from '../../auth/cookies.js';
import { hashPassword } from '../../auth/password.js';
import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import { hashToken, looksLikeToken } from '../../lib/tokens.js';
import type { AppContext } from '../../context.js';
import { passwordResetDone } from '../../notices/account.js';
import { notifyOwner } from '../../notices/notify.js';
import { consumeResetToken, findLiveResetToken } from '../../db/password-reset-tokens.js';
import { findUserByEmail, findUserById, normalizeEmail, setPasswordHash } from '../../db/users.js';
import type { EndedSession } from '../../db/sessions.js';
import { field, fieldErrors, formSchema } from '../../http/form-schema.js';
import { issueResetLink } from '../../auth/password-reset-link.js';
import { chooseNewPasswordPage, invalidLinkPage, requestResetPage, resetRequestedPage } from './views.js';
import { deleteTrustedDevicesOfUser } from '../../db/trusted-devices.js';
import { wasntMeRoutes } from './wasnt-me.js';
import { deleteEmailChangesOfUser } from '../../db/email-changes.js';
import { signOutEverywhere } from '../../auth/sign-out-everywhere.js';
import { LOGIN_PATH, NEW_PASSWORD_PATH, RESET_PASSWORD_PATH } from '../../lib/paths.js';

const RequestForm = formSchema({ email: field(500) });
const TokenParams = z.object({ token: z.string().max(200) });
const NewPasswordForm = formSchema({ password: field(4096), confirm_password: field(4096) });

/** The answer to a reset (or "This wasn't me") link that is used, expired, replaced or forged. */
function linkExpired(request: FastifyRequest, reply: FastifyReply) {
  return reply.page(request.t.reset.invalidLink.title, invalidLinkPage(request.t), { status: 410, noReferrer: true });
}

export const passwordResetRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(wasntMeRoutes, { ctx });
  const resetCookie = cookieName(ctx.config, 'reset');
  const resetCookieOptions = baseCookieOptions(ctx.config);

  app.get(RESET_PASSWORD_PATH, async (request, reply) => {
    const t = request.t;
    return reply.page(t.reset.request.title, requestResetPage(t, { csrfToken: reply.csrfToken(), email: '' }));
  });

  app.post<{ Body: z.infer<typeof RequestForm> }>(RESET_PASSWORD_PATH, { schema: { body: RequestForm } }, async (request, reply) => {
    const t = request.t;
    const email = request.body.email.trim();
    if (!email.includes('@')) {
      return reply.page(t.reset.request.title, requestResetPage(t, { csrfToken: reply.csrfToken(), email, error: t.reset.request.emailMissing }), { status: 422 });
    }
    // Reset spam: a visible limit per IP. Past the per-address limits the answer is the same page but no mail
    // goes, so neither an account's existence nor the limit shows, and one inbox cannot be flooded.
    const fromIp = await ctx.limits.resetRequestFrom(request.ip);
    if (!fromIp.ok) {
      return reply.page(t.reset.request.title, requestResetPage(t, { csrfToken: reply.csrfToken(), email, error: t.codes.limits.tooManyResetRequests(fromIp.retryAfterMs) }), {
        status: 429,
      });
    }
    const mailAllowed = await ctx.limits.resetMailAllowed(normalizeEmail(email), request.ip);
    const user = await findUserByEmail(ctx.db, email);
    if (user && mailAllowed) {
      // The token and its mail are written together: both or neither (in the account's language, not the requester's).
      await ctx.db.transaction().execute((trx) => issueResetLink(ctx, trx, user, ctx.clock.now()));
      ctx.mail.kick();
    }
    return reply.page(t.reset.requested.title, resetRequestedPage(t));
  });

  /**
   * The emailed link is opened once: its token moves into a short-lived, signed,
   * HttpOnly cookie and the browser is sent on to /reset-password/new, so the token
   * is no longer in the address bar, the history, or a Referer (ASVS 5.0 V6.4).
   */
  app.get<{ Params: z.infer<typeof TokenParams> }>(`${RESET_PASSWORD_PATH}/:token`, { schema: { params: TokenParams } }, async (request, reply) => {
    const { token } = request.params;
    const now = ctx.clock.now();
    const userId = looksLikeToken(token) ? await findLiveResetToken(ctx.db, hashToken(token), now) : undefined;
    if (userId === undefined) return linkExpired(request, reply);
    reply.setCookie(resetCookie, token, { ...resetCookieOptions, signed: true, maxAge: Math.floor(PASSWORD_RESET_LIFETIME_MS / 1000) });
    return reply.header('referrer-policy', 'no-referrer').redirect(NEW_PASSWORD_PATH, 303);
  });

  /** The token held for this browser, if its cookie is intact. */
  function heldToken(request: FastifyRequest): string | undefined {
    const raw = request.cookies[resetCookie];
    if (!raw) return undefined;
    const { valid, value } = request.unsignCookie(raw);
    return valid && value && looksLikeToken(value) ? value : undefined;
  }

  app.get(NEW_PASSWORD_PATH, async (request, reply) => {
    const t = request.t;
    const token = heldToken(request);
    const userId = token ? await findLiveResetToken(ctx.db, hashToken(token), ctx.clock.now()) : undefined;
    if (userId === undefined) return linkExpired(request, reply);
    return reply.page(t.reset.newPassword.title, chooseNewPasswordPage(t, { csrfToken: reply.csrfToken(), action: NEW_PASSWORD_PATH, errors: {} }), { noReferrer: true });
  });

  app.post<{ Body: z.infer<typeof NewPasswordForm> }>(NEW_PASSWORD_PATH, { schema: { body: NewPasswordForm } }, async (request, reply) => {
    const t = request.t;
    const token = heldToken(request);
    // The link's account, for the rules that forbid its username and email in the password.
    const liveUserId = token ? await findLiveResetToken(ctx.db, hashToken(token), ctx.clock.now()) : undefined;
    const user = liveUserId === undefined ? undefined : await findUserById(ctx.db, liveUserId);
    if (!token || !user) return linkExpired(request, reply);
    const showErrors = (errors: Record<string, string>) =>
      reply.page(t.reset.newPassword.title, chooseNewPasswordPage(t, { csrfToken: reply.csrfToken(), action: NEW_PASSWORD_PATH, errors }), { status: 422, noReferrer: true });
    const parsed = newPasswordFormRules(user).safeParse(request.body);
    if (!parsed.success) return showErrors(fieldErrors(parsed.error, t));
    const breached = await breachedPasswordProblem(ctx.pwnedPasswords, parsed.data.password);
    if (breached) return showErrors({ password: t.problems[breached] });
    const passwordHash = await hashPassword(parsed.data.password);
    const now = ctx.clock.now();
    let ended: EndedSession[] = [];
    const changed = await ctx.db.transaction().execute(async (trx) => {
      const userId = await consumeResetToken(trx, hashToken(token), now);
      if (userId === undefined) return false;
      await setPasswordHash(trx, userId, passwordHash);
      ended = await signOutEverywhere(trx, user); // whoever knew the old password is signed out everywhere, and their apps
      await deleteTrustedDevicesOfUser(trx, userId); // and no remembered browser skips the second factor any more
      await deleteEmailChangesOfUser(trx, userId);
      // The mailbox alone has just set the password: codes to that same mailbox must not be the second step too.
      await setEmailCodesEnabled(trx, userId, false);
      await logSecurityEvent(ctx, request, userId, 'password_reset', trx);
      // A recovery waiting on the old password ends with it (src/auth/account-recovery.ts).
      await cancelRecovery(ctx, request, user, 'password-reset', trx);
      // The owner is told at the account's address, in its language, with "This wasn't me".
      await notifyOwner(ctx, trx, user, passwordResetDone, now);
      return true;
    });
    reply.clearCookie(resetCookie, resetCookieOptions);
    if (!changed) return linkExpired(request, reply);
    ctx.mail.kick();
    await ctx.identityProvider.sessionsEnded(ended, 'account-secured');
    await ctx.limits.clearAccount(user); // the owner proved control of the mailbox: sign-in lockouts end
    return reply.flash('success', t.reset.changed).redirect(LOGIN_PATH);
  });
};
