/**
 * Delayed self-service account recovery (issue #5; docs/decisions/011):
 *
 * 1. `GET/POST /login/recover` — only for a sign-in whose password is right
 *    (a pending session): the policy, and a button that mails a link
 *    (256 bits, stored hashed, 1 hour, once, newest only) to the account's
 *    address. Mails are limited per account.
 * 2. `GET/POST /recover/<token>` — the link proves the mailbox; its page asks
 *    for one confirmation, which starts the wait (ACCOUNT_RECOVERY_WAIT) and
 *    mails the owner a notice with "Cancel the recovery". Nobody is signed in.
 * 3. `GET/POST /recover/cancel/<token>` — that cancel link, no sign-in needed,
 *    until the recovery completes; and `POST /security/recovery/cancel`, the
 *    security page's button.
 *
 * Completion (at the password sign-in once the wait is over) and the other
 * ways a recovery is cancelled are in src/auth/account-recovery.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import {
  cancelRecovery,
  noteRecoveryCancelled,
  recoveryBlockedMessage,
  recoveryBlockedUntil,
} from '../../auth/account-recovery.js';
import { requireRecentAuthentication } from '../../auth/step-up.js';
import { logSecurityEvent } from '../../auth/events.js';
import { factorsOf, hasSecondFactor } from '../../auth/factors.js';
import { requirePendingSignIn, requireUser } from '../../auth/guards.js';
import { ACCOUNT_RECOVERY_LINK_LIFETIME_MS } from '../../auth/policy.js';
import { hashToken, looksLikeToken, newToken } from '../../lib/tokens.js';
import type { AppContext } from '../../context.js';
import {
  cancelRecoveryByToken,
  consumeRecoveryLink,
  findLiveRecovery,
  findLiveRecoveryByCancelToken,
  findLiveRecoveryLink,
  insertRecovery,
  replaceRecoveryLink,
} from '../../db/account-recoveries.js';
import { isUniqueViolation } from '../../db/database.js';
import { findUserById } from '../../db/users.js';
import { formSchema } from '../../http/form-schema.js';
import { maskEmail } from '../../lib/mask-email.js';
import { issueMailedLink, notifyOwner } from '../../notices/notify.js';
import { recoveryLink, recoveryStarted } from '../../notices/recovery.js';
import {
  alreadyWaitingPage,
  blockedPage,
  cancelledPage,
  cancelLinkExpiredPage,
  confirmCancelPage,
  confirmStartPage,
  linkSentPage,
  nothingToRecoverPage,
  recoverPage,
  startedPage,
  startLinkExpiredPage,
} from './views.js';
import { LOGIN_PATH, RECOVER_PATH, RECOVERY_CANCEL_PATH, RECOVERY_LINK_PATH, SECURITY_CANCEL_RECOVERY_PATH, SECURITY_PATH } from '../../lib/paths.js';

const EmptyForm = formSchema({});
const TokenParams = z.object({ token: z.string().max(200) });

type StartOutcome =
  | { kind: 'expired' }
  | { kind: 'nothing' }
  | { kind: 'blocked'; resetAt: number; until: number }
  | { kind: 'already'; completesAt: number }
  | { kind: 'started'; completesAt: number };

export const accountRecoveryRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const waitMs = ctx.config.accountRecoveryWaitMs;
  const linkLifetimeMs = ACCOUNT_RECOVERY_LINK_LIFETIME_MS;

  // ---- 1. Ask for the link (password proved, second factor not) ----

  app.get(RECOVER_PATH, { preHandler: requirePendingSignIn }, async (request, reply) =>
    reply.page(request.t.recovery.recover.title, recoverPage(request.t, { csrfToken: reply.csrfToken(), waitMs, linkLifetimeMs }), { noReferrer: true }),
  );

  app.post(RECOVER_PATH, { preHandler: requirePendingSignIn, schema: { body: EmptyForm } }, async (request, reply) => {
    const t = request.t;
    const user = request.sessionUser;
    if (!user) return reply.redirect(LOGIN_PATH);
    const blocked = await recoveryBlockedUntil(ctx.db, user.id, waitMs, ctx.clock.now());
    if (blocked) {
      return reply.page(t.recovery.recover.title, recoverPage(t, { csrfToken: reply.csrfToken(), waitMs, linkLifetimeMs, error: recoveryBlockedMessage(t, blocked) }), {
        status: 409,
        noReferrer: true,
      });
    }
    // Whoever has the password could otherwise flood the owner's inbox.
    const allowed = await ctx.limits.recoveryMailTo(user.id);
    if (!allowed.ok) {
      const error = t.codes.limits.tooManyRecoveryMails(allowed.retryAfterMs);
      return reply.page(t.recovery.recover.title, recoverPage(t, { csrfToken: reply.csrfToken(), waitMs, linkLifetimeMs, error }), {
        status: 429,
        noReferrer: true,
      });
    }
    const now = ctx.clock.now();
    await ctx.db.transaction().execute(async (trx) => {
      // In the account's language: the mailbox's owner reads it, perhaps not whoever typed the password.
      await issueMailedLink(ctx, trx, user, now, {
        path: RECOVERY_LINK_PATH,
        lifetimeMs: linkLifetimeMs,
        store: (tokenHash, expiresAt) => replaceRecoveryLink(trx, user.id, tokenHash, now, expiresAt),
        notice: (link) => recoveryLink(link, linkLifetimeMs, waitMs),
      });
      await logSecurityEvent(ctx, request, user.id, 'recovery_requested', trx);
    });
    ctx.mail.kick();
    return reply.page(t.recovery.linkSent.title, linkSentPage(t, { maskedEmail: maskEmail(user.email), linkLifetimeMs }), { noReferrer: true });
  });

  // ---- 2. The mailed link: the mailbox is proved, the wait starts ----

  app.get<{ Params: z.infer<typeof TokenParams> }>(`${RECOVERY_LINK_PATH}/:token`, { schema: { params: TokenParams } }, async (request, reply) => {
    const t = request.t;
    const { token } = request.params;
    const userId = looksLikeToken(token) ? await findLiveRecoveryLink(ctx.db, hashToken(token), ctx.clock.now()) : undefined;
    if (userId === undefined) return reply.page(t.recovery.startLinkExpired.title, startLinkExpiredPage(t, { linkLifetimeMs }), { status: 410, noReferrer: true });
    return reply.page(t.recovery.confirmStart.title, confirmStartPage(t, { csrfToken: reply.csrfToken(), action: `${RECOVERY_LINK_PATH}/${token}`, waitMs }), {
      noReferrer: true,
    });
  });

  app.post<{ Params: z.infer<typeof TokenParams> }>(`${RECOVERY_LINK_PATH}/:token`, { schema: { params: TokenParams, body: EmptyForm } }, async (request, reply) => {
    const { token } = request.params;
    const now = ctx.clock.now();
    const start = async (): Promise<StartOutcome> =>
      ctx.db.transaction().execute(async (trx): Promise<StartOutcome> => {
        const userId = await consumeRecoveryLink(trx, hashToken(token), now);
        const user = userId === undefined ? undefined : await findUserById(trx, userId);
        if (!user) return { kind: 'expired' };
        // One recovery at a time: a second link does not restart (or shorten) the wait.
        const live = await findLiveRecovery(trx, user.id);
        if (live) return { kind: 'already', completesAt: live.completes_at };
        if (!hasSecondFactor(await factorsOf(trx, user))) return { kind: 'nothing' };
        // A reset by email after the link was mailed (the link would have been voided; this is the belt to those braces).
        const blocked = await recoveryBlockedUntil(trx, user.id, waitMs, now);
        if (blocked) return { kind: 'blocked', ...blocked };
        const cancelToken = newToken();
        const completesAt = now + waitMs;
        await insertRecovery(trx, { userId: user.id, startedAt: now, completesAt, cancelTokenHash: hashToken(cancelToken) });
        await logSecurityEvent(ctx, request, user.id, 'recovery_started', trx);
        await notifyOwner(ctx, trx, user, recoveryStarted(completesAt, `${ctx.config.appUrl}${RECOVERY_CANCEL_PATH}/${cancelToken}`), now);
        return { kind: 'started', completesAt };
      });
    let outcome: StartOutcome;
    try {
      outcome = looksLikeToken(token) ? await start() : { kind: 'expired' };
    } catch (error) {
      // Another request started this account's recovery between our check and our insert: the partial unique
      // index let only one in, and this transaction (with its use of the link) was rolled back.
      if (!isUniqueViolation(error)) throw error;
      const userId = await findLiveRecoveryLink(ctx.db, hashToken(token), now);
      const live = userId === undefined ? undefined : await findLiveRecovery(ctx.db, userId);
      outcome = live ? { kind: 'already', completesAt: live.completes_at } : { kind: 'expired' };
    }
    const t = request.t;
    switch (outcome.kind) {
      case 'expired':
        return reply.page(t.recovery.startLinkExpired.title, startLinkExpiredPage(t, { linkLifetimeMs }), { status: 410, noReferrer: true });
      case 'nothing':
        return reply.page(t.recovery.nothingToRecover.title, nothingToRecoverPage(t), { noReferrer: true });
      case 'already':
        return reply.page(t.recovery.alreadyWaiting.title, alreadyWaitingPage(t, { completesAt: outcome.completesAt }), { noReferrer: true });
      case 'blocked':
        return reply.page(t.recovery.blocked.title, blockedPage(t, { message: recoveryBlockedMessage(t, outcome) }), { status: 409, noReferrer: true });
      case 'started':
        ctx.mail.kick();
        return reply.page(t.recovery.started.title, startedPage(t, { completesAt: outcome.completesAt }), { noReferrer: true });
    }
  });

  // ---- 3. Cancelling: the mailed link (no sign-in), or the security page ----

  app.get<{ Params: z.infer<typeof TokenParams> }>(`${RECOVERY_CANCEL_PATH}/:token`, { schema: { params: TokenParams } }, async (request, reply) => {
    const t = request.t;
    const { token } = request.params;
    const recovery = looksLikeToken(token) ? await findLiveRecoveryByCancelToken(ctx.db, hashToken(token)) : undefined;
    if (!recovery) return reply.page(t.recovery.cancelLinkExpired.title, cancelLinkExpiredPage(t), { status: 410, noReferrer: true });
    return reply.page(
      t.recovery.confirmCancel.title,
      confirmCancelPage(t, { csrfToken: reply.csrfToken(), action: `${RECOVERY_CANCEL_PATH}/${token}`, startedAt: recovery.started_at, completesAt: recovery.completes_at }),
      { noReferrer: true },
    );
  });

  app.post<{ Params: z.infer<typeof TokenParams> }>(`${RECOVERY_CANCEL_PATH}/:token`, { schema: { params: TokenParams, body: EmptyForm } }, async (request, reply) => {
    const { token } = request.params;
    const cancelled =
      looksLikeToken(token) &&
      (await ctx.db.transaction().execute(async (trx) => {
        // One conditional UPDATE: a cancel racing the completion (or another cancel) either wins or changes nothing.
        const userId = await cancelRecoveryByToken(trx, hashToken(token), ctx.clock.now());
        const owner = userId === undefined ? undefined : await findUserById(trx, userId);
        if (!owner) return false;
        await noteRecoveryCancelled(ctx, request, owner, 'link', trx);
        return true;
      }));
    const t = request.t;
    if (!cancelled) return reply.page(t.recovery.cancelLinkExpired.title, cancelLinkExpiredPage(t), { status: 410, noReferrer: true });
    ctx.mail.kick();
    return reply.page(t.recovery.cancelled.title, cancelledPage(t), { noReferrer: true });
  });

  // Step-up: a thief holding an old session (the lost laptop) must not be able to keep cancelling the owner's recovery.
  app.post(SECURITY_CANCEL_RECOVERY_PATH, { preHandler: [requireUser, requireRecentAuthentication(ctx.clock, SECURITY_PATH)], schema: { body: EmptyForm } }, async (request, reply) => {
    const user = request.user!;
    const cancelled = await ctx.db.transaction().execute((trx) => cancelRecovery(ctx, request, user, 'security-page', trx));
    if (!cancelled) return reply.flash('info', request.t.recovery.flash.noneWaiting).redirect(SECURITY_PATH);
    ctx.mail.kick();
    return reply.flash('success', request.t.recovery.flash.cancelled).redirect(SECURITY_PATH);
  });
};
