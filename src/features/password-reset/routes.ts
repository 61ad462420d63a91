/**
 * Password reset by emailed link. The answer to "send me a link" is the same
 * whether or not the address has an account. The link's token is 256 random
 * bits, stored only as a hash, valid 30 minutes, usable once, and a newer link
 * voids older ones. Using it sets the password and ends every session of that
 * user; it never signs anyone in, so a 2FA user still needs their code.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { breachedPasswordProblem, newPasswordFormRules } from '../../auth/account-rules.js';
import { TOO_MANY_RESET_REQUESTS } from '../../auth/limits.js';
import { hashPassword } from '../../auth/password.js';
import { PASSWORD_RESET_LIFETIME_MS } from '../../auth/policy.js';
import { hashToken, looksLikeToken, newToken } from '../../auth/tokens.js';
import type { AppContext } from '../../context.js';
import { enqueueMail } from '../../db/mail-outbox.js';
import { consumeResetToken, findLiveResetToken, replaceResetToken } from '../../db/password-reset-tokens.js';
import { deleteSessionsOfUser } from '../../db/sessions.js';
import { findUserByEmail, findUserById, normalizeEmail, setPasswordHash } from '../../db/users.js';
import { field, fieldErrors, formSchema } from '../../http/form-schema.js';
import { resetPasswordMail } from './mail.js';
import { chooseNewPasswordPage, invalidLinkPage, requestResetPage, resetRequestedPage } from './views.js';

const RequestForm = formSchema({ email: field(500) });
const TokenParams = z.object({ token: z.string().max(200) });
const NewPasswordForm = formSchema({ password: field(4096), confirm_password: field(4096) });

export const passwordResetRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/reset-password', async (request, reply) => {
    return reply.page('Forgot password', requestResetPage({ csrfToken: reply.csrfToken(), email: '' }));
  });

  app.post<{ Body: z.infer<typeof RequestForm> }>('/reset-password', { schema: { body: RequestForm } }, async (request, reply) => {
    const email = request.body.email.trim();
    if (!email.includes('@')) {
      return reply.page('Forgot password', requestResetPage({ csrfToken: reply.csrfToken(), email, error: 'Enter the email address of your account.' }), { status: 422 });
    }
    // Reset spam: a visible limit per IP. Past the per-address limits the answer is the same page but no mail
    // goes, so neither an account's existence nor the limit shows, and one inbox cannot be flooded.
    const fromIp = await ctx.limits.resetRequestFrom(request.ip);
    if (!fromIp.ok) {
      return reply.page('Forgot password', requestResetPage({ csrfToken: reply.csrfToken(), email, error: TOO_MANY_RESET_REQUESTS(fromIp.retryAfterMs) }), { status: 429 });
    }
    const mailAllowed = await ctx.limits.resetMailAllowed(normalizeEmail(email), request.ip);
    const user = await findUserByEmail(ctx.db, email);
    if (user && mailAllowed) {
      const token = newToken();
      const now = ctx.clock.now();
      // The token and its mail are written together: both or neither.
      await ctx.db.transaction().execute(async (trx) => {
        await replaceResetToken(trx, user.id, hashToken(token), now, now + PASSWORD_RESET_LIFETIME_MS);
        // The link's host comes from APP_URL, never from the request's Host header.
        const link = `${ctx.config.appUrl}/reset-password/${token}`;
        await enqueueMail(trx, resetPasswordMail({ to: user.email, firstName: user.first_name, link }), now);
      });
      ctx.mail.kick();
    }
    return reply.page('Check your email', resetRequestedPage());
  });

  app.get<{ Params: z.infer<typeof TokenParams> }>('/reset-password/:token', { schema: { params: TokenParams } }, async (request, reply) => {
    const { token } = request.params;
    const userId = looksLikeToken(token) ? await findLiveResetToken(ctx.db, hashToken(token), ctx.clock.now()) : undefined;
    if (userId === undefined) return reply.page('Link expired', invalidLinkPage(), { status: 410 });
    return reply
      .header('referrer-policy', 'no-referrer')
      .page('Choose a new password', chooseNewPasswordPage({ csrfToken: reply.csrfToken(), action: `/reset-password/${token}`, errors: {} }));
  });

  app.post<{ Params: z.infer<typeof TokenParams>; Body: z.infer<typeof NewPasswordForm> }>(
    '/reset-password/:token',
    { schema: { params: TokenParams, body: NewPasswordForm } },
    async (request, reply) => {
      const { token } = request.params;
      if (!looksLikeToken(token)) return reply.page('Link expired', invalidLinkPage(), { status: 410 });
      // The link's account, for the rules that forbid its username and email in the password.
      const liveUserId = await findLiveResetToken(ctx.db, hashToken(token), ctx.clock.now());
      const user = liveUserId === undefined ? undefined : await findUserById(ctx.db, liveUserId);
      if (!user) return reply.page('Link expired', invalidLinkPage(), { status: 410 });
      const showErrors = (errors: Record<string, string>) =>
        reply.page('Choose a new password', chooseNewPasswordPage({ csrfToken: reply.csrfToken(), action: `/reset-password/${token}`, errors }), { status: 422, noReferrer: true });
      const parsed = newPasswordFormRules(user).safeParse(request.body);
      if (!parsed.success) return showErrors(fieldErrors(parsed.error));
      const breached = await breachedPasswordProblem(ctx.pwnedPasswords, parsed.data.password);
      if (breached) return showErrors({ password: breached });
      const passwordHash = await hashPassword(parsed.data.password);
      const changed = await ctx.db.transaction().execute(async (trx) => {
        const userId = await consumeResetToken(trx, hashToken(token), ctx.clock.now());
        if (userId === undefined) return false;
        await setPasswordHash(trx, userId, passwordHash);
        await deleteSessionsOfUser(trx, userId); // whoever knew the old password is signed out everywhere
        return true;
      });
      if (!changed) return reply.page('Link expired', invalidLinkPage(), { status: 410 });
      await ctx.limits.clearAccount(user.id); // the owner proved control of the mailbox: sign-in lockouts end
      return reply.flash('success', 'Your password has been changed. Sign in with your new password.').redirect('/login');
    },
  );
};
