/**
 * Change of email address: asked for after step-up; the new address gets a link (the account's language), the old
 * one a notice with "This wasn't me"; following the link (signed in or not) switches the address and tells the old
 * one again. An address another account has gets the same answer and no link.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { emailRule } from '../../auth/account-rules.js';
import { EMAIL_CONFIRMATION_LIFETIME_MS } from '../../auth/email-confirmation.js';
import { logSecurityEvent } from '../../auth/events.js';
import { requireUser } from '../../auth/guards.js';
import { requireRecentAuthentication } from '../../auth/step-up.js';
import type { AppContext } from '../../context.js';
import { isUniqueViolation } from '../../db/database.js';
import { consumeEmailChange, findLiveEmailChange, replaceEmailChange, setConfirmedEmail } from '../../db/email-changes.js';
import { emailTaken, findUserById, normalizeEmail } from '../../db/users.js';
import { field, formSchema } from '../../http/form-schema.js';
import { problemText } from '../../i18n/messages.js';
import { maskEmail } from '../../lib/mask-email.js';
import { CHANGE_EMAIL_PATH, CONFIRM_EMAIL_CHANGE_PATH, LOGIN_PATH, SECURITY_PATH } from '../../lib/paths.js';
import { hashToken, looksLikeToken } from '../../lib/tokens.js';
import { confirmNewEmail, emailChanged, emailChangeRequested } from '../../notices/email-change.js';
import { issueMailedLink, notifyOwner } from '../../notices/notify.js';
import { changeEmailPage, confirmEmailChangePage, linkExpiredPage } from './views.js';

const EmptyForm = formSchema({});
const EmailForm = formSchema({ email: field(500) });
const TokenParams = z.object({ token: z.string().max(200) });

export const changeEmailRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const stepUp = (formPage: string) => requireRecentAuthentication(ctx.clock, formPage);

  function showChangeEmail(request: FastifyRequest, reply: FastifyReply, value = '', error?: string, status = 200) {
    const t = request.t;
    return reply.page(t.security.changeEmail.title, changeEmailPage(t, { csrfToken: reply.csrfToken(), current: request.user!.email, value, error }), { status });
  }

  app.get(CHANGE_EMAIL_PATH, { preHandler: [requireUser, stepUp(CHANGE_EMAIL_PATH)] }, async (request, reply) => showChangeEmail(request, reply));

  app.post<{ Body: z.infer<typeof EmailForm> }>(CHANGE_EMAIL_PATH, { preHandler: [requireUser, stepUp(CHANGE_EMAIL_PATH)], schema: { body: EmailForm } }, async (request, reply) => {
    const user = request.user!;
    const t = request.t;
    const parsed = emailRule.safeParse(request.body.email);
    if (!parsed.success) return showChangeEmail(request, reply, request.body.email, problemText(t, parsed.error.issues[0]?.message ?? 'emailInvalid'), 422);
    const newEmail = parsed.data;
    if (normalizeEmail(newEmail) === user.email_normalized) return showChangeEmail(request, reply, newEmail, t.security.changeEmail.same, 422);
    // Both mails are in the account's language: the new address is still this account's.
    const now = ctx.clock.now();
    // An address another account has gets the same answer and no link (no way to learn who is registered).
    const taken = await emailTaken(ctx.db, newEmail);
    await ctx.db.transaction().execute(async (trx) => {
      if (!taken) {
        await issueMailedLink(ctx, trx, user, now, {
          path: CONFIRM_EMAIL_CHANGE_PATH,
          lifetimeMs: EMAIL_CONFIRMATION_LIFETIME_MS,
          store: (tokenHash, expiresAt) => replaceEmailChange(trx, user.id, tokenHash, newEmail, now, expiresAt),
          notice: (link) => confirmNewEmail(newEmail, link),
        });
      }
      await notifyOwner(ctx, trx, user, emailChangeRequested(maskEmail(newEmail)), now);
      await logSecurityEvent(ctx, request, user.id, 'email_change_requested', trx);
    });
    ctx.mail.kick();
    return reply.flash('info', t.security.flash.emailLinkSent(maskEmail(newEmail))).redirect(SECURITY_PATH);
  });

  app.get<{ Params: z.infer<typeof TokenParams> }>(`${CONFIRM_EMAIL_CHANGE_PATH}/:token`, { schema: { params: TokenParams } }, async (request, reply) => {
    const { token } = request.params;
    const change = looksLikeToken(token) ? await findLiveEmailChange(ctx.db, hashToken(token), ctx.clock.now()) : undefined;
    const t = request.t;
    if (!change) return reply.page(t.security.changeEmail.expiredTitle, linkExpiredPage(t), { status: 410, noReferrer: true });
    return reply.page(
      t.security.changeEmail.confirmTitle,
      confirmEmailChangePage(t, { csrfToken: reply.csrfToken(), action: `${CONFIRM_EMAIL_CHANGE_PATH}/${token}`, newEmail: change.new_email }),
      { noReferrer: true },
    );
  });

  app.post<{ Params: z.infer<typeof TokenParams> }>(`${CONFIRM_EMAIL_CHANGE_PATH}/:token`, { schema: { params: TokenParams, body: EmptyForm } }, async (request, reply) => {
    const { token } = request.params;
    const now = ctx.clock.now();
    const changed = looksLikeToken(token)
      ? await ctx.db.transaction().execute(async (trx) => {
          const change = await consumeEmailChange(trx, hashToken(token), now);
          if (!change) return 'expired' as const;
          const user = await findUserById(trx, change.user_id);
          if (!user) return 'expired' as const;
          if (await emailTaken(trx, change.new_email)) return 'taken' as const;
          await setConfirmedEmail(trx, user.id, change.new_email, now);
          // The old address hears of it, with a link that undoes it (src/features/password-reset/wasnt-me.ts).
          await notifyOwner(ctx, trx, user, emailChanged(maskEmail(change.new_email)), now);
          await logSecurityEvent(ctx, request, user.id, 'email_changed', trx);
          return 'changed' as const;
        }).catch((error: unknown) => {
          // Registered by someone else between the check and the write: the same answer as "taken".
          if (isUniqueViolation(error)) return 'taken' as const;
          throw error;
        })
      : ('expired' as const);
    ctx.mail.kick();
    const t = request.t;
    if (changed === 'expired') return reply.page(t.security.changeEmail.expiredTitle, linkExpiredPage(t), { status: 410, noReferrer: true });
    if (changed === 'taken') return reply.flash('error', t.security.flash.emailTakenMeanwhile).redirect(request.user ? SECURITY_PATH : LOGIN_PATH);
    return reply.flash('success', t.security.flash.emailChanged).redirect(request.user ? SECURITY_PATH : LOGIN_PATH);
  });
};
