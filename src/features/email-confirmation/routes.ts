/**
 * Email confirmation. Registration mails a link (auth/email-confirmation.ts);
 * opening it shows a page whose button confirms the address — GET never
 * changes state, so a mail scanner that prefetches links cannot use one up.
 * The link works whether or not anyone is signed in: the token alone proves
 * the mail was read. A signed-in, unconfirmed user can ask for a new link from
 * the banner, at most once a minute.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { CONFIRMATION_RESEND_INTERVAL_MS, EMAIL_CONFIRMATION_LIFETIME_MS, issueConfirmationLink } from '../../auth/email-confirmation.js';
import { requireUser } from '../../auth/guards.js';
import { hashToken, looksLikeToken } from '../../lib/tokens.js';
import type { AppContext } from '../../context.js';
import type { Messages } from '../../i18n/messages.js';
import { confirmEmailWithToken, findLiveConfirmationToken } from '../../db/email-confirmations.js';
import { hours } from '../../lib/duration.js';
import { maskEmail } from '../../lib/mask-email.js';
import { confirmEmailPage, invalidConfirmationLinkPage } from './views.js';
import { CONFIRM_EMAIL_PATH, HOME_PATH, LOGIN_PATH } from '../../lib/paths.js';

const TokenParams = z.object({ token: z.string().max(200) });

export const emailConfirmationRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const linkGone = (request: { user: { email_confirmed_at: number | null } | null; t: Messages }, csrfToken: string) => {
    const viewer = !request.user ? 'visitor' : request.user.email_confirmed_at === null ? 'unconfirmed' : 'confirmed';
    return invalidConfirmationLinkPage(request.t, { csrfToken, viewer });
  };

  app.get<{ Params: z.infer<typeof TokenParams> }>(`${CONFIRM_EMAIL_PATH}/:token`, { schema: { params: TokenParams } }, async (request, reply) => {
    const t = request.t;
    const { token } = request.params;
    // The token is in the URL: keep it out of the Referer of anything this page links to.
    void reply.header('referrer-policy', 'no-referrer');
    const live = looksLikeToken(token) ? await findLiveConfirmationToken(ctx.db, hashToken(token), ctx.clock.now()) : undefined;
    if (!live) return reply.page(t.account.linkGone.title, linkGone(request, reply.csrfToken()), { status: 410 });
    return reply.page(
      t.account.confirmEmail.title,
      confirmEmailPage(t, { csrfToken: reply.csrfToken(), action: `${CONFIRM_EMAIL_PATH}/${token}`, maskedEmail: maskEmail(live.email) }),
    );
  });

  app.post<{ Params: z.infer<typeof TokenParams> }>(`${CONFIRM_EMAIL_PATH}/:token`, { schema: { params: TokenParams } }, async (request, reply) => {
    const t = request.t;
    const { token } = request.params;
    void reply.header('referrer-policy', 'no-referrer');
    const now = ctx.clock.now();
    const userId = looksLikeToken(token)
      ? await ctx.db.transaction().execute((trx) => confirmEmailWithToken(trx, hashToken(token), now))
      : undefined;
    if (userId === undefined) return reply.page(t.account.linkGone.title, linkGone(request, reply.csrfToken()), { status: 410 });
    if (request.user?.id === userId) return reply.flash('success', t.account.confirmEmail.confirmed).redirect(HOME_PATH);
    // Someone else's link, or nobody signed in: say only that it worked.
    if (request.user) return reply.flash('success', t.account.confirmEmail.confirmedOther).redirect(HOME_PATH);
    return reply.flash('success', t.account.confirmEmail.confirmedSignIn).redirect(LOGIN_PATH);
  });

  app.post(`${CONFIRM_EMAIL_PATH}/resend`, { preHandler: requireUser }, async (request, reply) => {
    const user = request.user!;
    const c = request.t.account.confirmEmail;
    if (user.email_confirmed_at !== null) return reply.flash('info', c.alreadyConfirmed).redirect(HOME_PATH);
    const now = ctx.clock.now();
    const sent = await ctx.db.transaction().execute((trx) => issueConfirmationLink(ctx, trx, user, now, CONFIRMATION_RESEND_INTERVAL_MS));
    if (!sent) {
      return reply.flash('info', c.resendTooSoon).redirect(HOME_PATH);
    }
    ctx.mail.kick();
    return reply.flash('success', c.resent(maskEmail(user.email), EMAIL_CONFIRMATION_LIFETIME_MS / hours(1))).redirect(HOME_PATH);
  });
};
