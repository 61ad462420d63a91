/**
 * The security page (/security): the account's second factors, recovery codes
 * and recent security activity; setting up and removing an authenticator app;
 * new recovery codes; and /reauthenticate, where step-up sends a session that
 * has not proved the password in the last 10 minutes.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { recoveryStatusOf } from '../../auth/account-recovery.js';
import { afterSetUp } from '../../auth/enforce-two-factor.js';
import { logAppEvent, logSecurityEvent } from '../../auth/events.js';
import { dropFallbacksWithoutFactor, factorsOf, hasSecondFactor } from '../../auth/factors.js';
import { requireUser } from '../../auth/guards.js';
import { attemptCode } from '../../auth/code-attempt.js';
import { checkCurrentPassword } from '../../auth/reauthenticate.js';
import { RecoveryCodes } from '../../auth/recovery-codes.js';
import { safeNextPath } from '../../auth/redirects.js';
import { requireRecentAuthentication } from '../../auth/step-up.js';
import { TotpKeys } from '../../auth/totp.js';
import type { AppContext } from '../../context.js';
import { confirmTotpFactor, deleteTotpFactor, findTotpFactor, replaceRecoveryCodes, startTotpEnrollment } from '../../db/factors.js';
import { recentSecurityEvents, SECURITY_EVENT_RETENTION_MS } from '../../db/security-events.js';
import { deleteSessionOfUser, deleteSessionsOfUser, liveSessionsOfUser, type EndedSession } from '../../db/sessions.js';
import { SESSION_IDLE_TIMEOUT_MS } from '../../auth/policy.js';
import { deleteUser, emailTaken, findUserById, normalizeEmail, normalizeUsername } from '../../db/users.js';
import { consumeEmailChange, findLiveEmailChange, replaceEmailChange, setConfirmedEmail } from '../../db/email-changes.js';
import { emailRule } from '../../auth/account-rules.js';
import { messagesForAccount, problemText } from '../../i18n/messages.js';
import { EMAIL_CONFIRMATION_LIFETIME_MS } from '../../auth/email-confirmation.js';
import { hashToken, looksLikeToken, newToken } from '../../auth/tokens.js';
import { wasntMeLink } from '../../auth/wasnt-me.js';
import { maskEmail } from '../../lib/mask-email.js';
import { endSession, renewSession, signedOutMeanwhile } from '../../auth/session.js';
import { endAppAccess, signOutEverywhereElse } from '../../auth/sign-out-everywhere.js';
import { field, formSchema } from '../../http/form-schema.js';
import { SafeHtml } from '../../views/html.js';
import { recoveryCodesPage } from '../../views/recovery-codes.js';
import { accountDeletedMail, confirmNewEmailMail, emailChangedMail, emailChangeRequestedMail } from './mail.js';
import { isUniqueViolation } from '../../db/database.js';
import { changeEmailPage, confirmEmailChangePage, deleteAccountPage, linkExpiredPage, reauthenticatePage, securityPage, totpEnrollPage } from './views.js';
import { z } from 'zod';
import { deleteTrustedDevice, deleteTrustedDevicesOfUser, trustedDevicesOfUser } from '../../db/trusted-devices.js';
import { passkeysOfUser } from '../../db/passkeys.js';
import { appsWithAccess, removeAppAccess } from '../../db/app-access.js';
import { findOidcApp } from '../../db/oidc-apps.js';
import { passkeyRoutes } from './passkeys.js';
import { emailCodeRoutes } from './email-codes.js';
import { noticeOfFactorChange } from './notices.js';
import { CHANGE_EMAIL_PATH, CONFIRM_EMAIL_CHANGE_PATH, DELETE_ACCOUNT_PATH, END_OTHER_SESSIONS_PATH, END_SESSION_PATH, FORGET_ALL_DEVICES_PATH, FORGET_DEVICE_PATH, LOGIN_PATH, NEW_RECOVERY_CODES_PATH, REAUTHENTICATE_PATH, REMOVE_APP_ACCESS_PATH, SECURITY_PATH, TOTP_DISABLE_PATH, TOTP_ENABLE_PATH } from '../../lib/paths.js';

const ReauthForm = formSchema({ password: field(4096), next: field(2000).optional() });
const CodeForm = formSchema({ code: field(100) });
const EmptyForm = formSchema({});
const IdForm = formSchema({ id: field(200) });
const AppForm = formSchema({ client_id: field(200) });
const DeleteForm = formSchema({ confirm_username: field(200) });
const EmailForm = formSchema({ email: field(500) });
const TokenParams = z.object({ token: z.string().max(200) });

export const securityRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const totpKeys = new TotpKeys(ctx.config.secretKey);
  const recoveryCodes = new RecoveryCodes(ctx.config.secretKey);
  const stepUp = (formPage: string) => requireRecentAuthentication(ctx.clock, formPage);
  await app.register(passkeyRoutes, { ctx });
  await app.register(emailCodeRoutes, { ctx });

  app.get(SECURITY_PATH, { preHandler: requireUser }, async (request, reply) => {
    const user = request.user!;
    const now = ctx.clock.now();
    const [factors, events, sessions, devices, passkeys, apps] = await Promise.all([
      factorsOf(ctx.db, user),
      recentSecurityEvents(ctx.db, user.id, now - SECURITY_EVENT_RETENTION_MS),
      liveSessionsOfUser(ctx.db, user.id, now, SESSION_IDLE_TIMEOUT_MS),
      trustedDevicesOfUser(ctx.db, user.id, now),
      passkeysOfUser(ctx.db, user.id),
      appsWithAccess(ctx.db, user.id),
    ]);
    const recovery = await recoveryStatusOf(ctx.db, user);
    const t = request.t;
    return reply.page(
      t.security.page.title,
      securityPage(t, {
        csrfToken: reply.csrfToken(),
        factors,
        phoneEnding: factors.sms ? (user.phone ?? '').slice(-4) : null,
        backupPhoneEnding: factors.backupPhone ? (user.backup_phone ?? '').slice(-4) : null,
        sessions,
        currentSessionId: request.session!.id,
        devices,
        passkeys,
        events,
        now,
        email: user.email,
        recovery,
        apps,
      }),
    );
  });

  // ---- Sessions and remembered devices (no step-up: ending access only protects) ----

  app.post<{ Body: z.infer<typeof IdForm> }>(END_SESSION_PATH, { preHandler: requireUser, schema: { body: IdForm } }, async (request, reply) => {
    const user = request.user!;
    if (request.body.id === request.session!.id) return reply.redirect(SECURITY_PATH); // "sign out" is the button for this one
    const ended = await deleteSessionOfUser(ctx.db, user.id, request.body.id);
    if (ended) {
      await logSecurityEvent(ctx, request, user.id, 'sessions_ended');
      await ctx.identityProvider.sessionsEnded([ended], 'signed-out');
    }
    return reply.flash('success', request.t.security.flash.sessionEnded).redirect(SECURITY_PATH);
  });

  app.post<{ Body: z.infer<typeof EmptyForm> }>(END_OTHER_SESSIONS_PATH, { preHandler: requireUser, schema: { body: EmptyForm } }, async (request, reply) => {
    const user = request.user!;
    const ended = await ctx.db.transaction().execute((trx) => signOutEverywhereElse(trx, user, request.session!.id));
    if (ended.length > 0) await logSecurityEvent(ctx, request, user.id, 'sessions_ended');
    await ctx.identityProvider.sessionsEnded(ended, 'account-secured');
    return reply.flash('success', request.t.security.flash.othersEnded).redirect(SECURITY_PATH);
  });

  app.post<{ Body: z.infer<typeof IdForm> }>(FORGET_DEVICE_PATH, { preHandler: requireUser, schema: { body: IdForm } }, async (request, reply) => {
    const user = request.user!;
    if (await deleteTrustedDevice(ctx.db, user.id, request.body.id)) await logSecurityEvent(ctx, request, user.id, 'trusted_devices_forgotten');
    return reply.flash('success', request.t.security.flash.deviceForgotten).redirect(SECURITY_PATH);
  });

  app.post<{ Body: z.infer<typeof EmptyForm> }>(FORGET_ALL_DEVICES_PATH, { preHandler: requireUser, schema: { body: EmptyForm } }, async (request, reply) => {
    const user = request.user!;
    if ((await deleteTrustedDevicesOfUser(ctx.db, user.id)) > 0) await logSecurityEvent(ctx, request, user.id, 'trusted_devices_forgotten');
    return reply.flash('success', request.t.security.flash.devicesForgotten).redirect(SECURITY_PATH);
  });

  // ---- Apps with access (no step-up either: removing access only protects) ----

  app.post<{ Body: z.infer<typeof AppForm> }>(REMOVE_APP_ACCESS_PATH, { preHandler: requireUser, schema: { body: AppForm } }, async (request, reply) => {
    const user = request.user!;
    const clientId = request.body.client_id;
    const app = await findOidcApp(ctx.db, clientId);
    // The app's grants, codes and tokens for this account, and its row on this page: its refresh token stops working.
    const removed = await ctx.db.transaction().execute(async (trx) => {
      if (!(await removeAppAccess(trx, user.id, user.oidc_subject, clientId))) return false;
      await logAppEvent(ctx, request, user.id, 'oidc_access_removed', clientId, trx);
      return true;
    });
    if (!removed) return reply.redirect(SECURITY_PATH);
    // Once committed: the app is told (back-channel logout) of each of the person's provider sessions it was in.
    await ctx.identityProvider.appAccessRemoved(user.id, user.oidc_subject, clientId);
    return reply.flash('success', request.t.security.flash.appRemoved(app?.name ?? request.t.security.page.apps.removedApp)).redirect(SECURITY_PATH);
  });

  // ---- Step-up ----

  function showReauth(request: FastifyRequest, reply: FastifyReply, next: string, error?: string, status = 200) {
    const t = request.t;
    return reply.page(t.security.reauthenticate.title, reauthenticatePage(t, { csrfToken: reply.csrfToken(), next, error }), { status });
  }

  app.get<{ Querystring: { next?: string } }>(REAUTHENTICATE_PATH, { preHandler: requireUser }, async (request, reply) =>
    showReauth(request, reply, safeNextPath(typeof request.query.next === 'string' ? request.query.next : undefined) ?? SECURITY_PATH),
  );

  app.post<{ Body: z.infer<typeof ReauthForm> }>(REAUTHENTICATE_PATH, { preHandler: requireUser, schema: { body: ReauthForm } }, async (request, reply) => {
    const next = safeNextPath(request.body.next) ?? SECURITY_PATH;
    const checked = await checkCurrentPassword(ctx, request.user!, request.body.password, request.t);
    if (!checked.ok) return showReauth(request, reply, next, checked.message, 422);
    // The step-up window opens under a new session id: a cookie copied before the re-check cannot use it.
    if (!(await renewSession(ctx, request, reply))) return signedOutMeanwhile(ctx, request, reply);
    return reply.redirect(next);
  });

  // ---- Authenticator app ----

  async function showEnroll(request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) {
    const user = request.user!;
    const now = ctx.clock.now();
    const t = request.t;
    let factor = await findTotpFactor(ctx.db, user.id);
    if (factor?.confirmed_at != null) return reply.flash('info', t.security.flash.totpAlreadyOn).redirect(SECURITY_PATH);
    // A new key when there is none yet, or when the pending one no longer opens (SECRET_KEY was changed since).
    if (!factor || !totpKeys.enrollment(factor.secret, user.username)) {
      await startTotpEnrollment(ctx.db, user.id, totpKeys.newSealedSecret(), now);
      factor = await findTotpFactor(ctx.db, user.id);
    }
    const enrollment = factor ? totpKeys.enrollment(factor.secret, user.username) : null;
    if (!enrollment) throw new Error('a fresh authenticator key could not be read back');
    // The QR code is drawn here as SVG: the key never leaves the server for a third-party QR service.
    const svg = await QRCode.toString(enrollment.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    return reply.page(
      t.security.totpEnroll.title,
      totpEnrollPage(t, { csrfToken: reply.csrfToken(), qrSvg: new SafeHtml(svg), base32: enrollment.base32, error }),
      { status, noReferrer: true },
    );
  }

  app.get(TOTP_ENABLE_PATH, { preHandler: [requireUser, stepUp(TOTP_ENABLE_PATH)] }, async (request, reply) => showEnroll(request, reply));

  app.post<{ Body: z.infer<typeof CodeForm> }>(
    TOTP_ENABLE_PATH,
    { preHandler: [requireUser, stepUp(TOTP_ENABLE_PATH)], schema: { body: CodeForm } },
    async (request, reply) => {
      const user = request.user!;
      const now = ctx.clock.now();
      const t = request.t;
      const factor = await findTotpFactor(ctx.db, user.id);
      if (!factor || factor.confirmed_at != null) return reply.redirect(SECURITY_PATH);
      // The same limits as a code at sign-in (src/auth/code-attempt.ts).
      const attempt = await attemptCode(ctx, request, user, 'set-up', async () => {
        const matched = totpKeys.matchingStep(factor.secret, request.body.code.replace(/\s/g, ''), now);
        return matched === null ? { ok: false, reason: 'wrong', message: t.security.totpEnroll.wrongCode } : { ok: true, value: matched };
      });
      if (!attempt.ok) return showEnroll(request, reply, attempt.message, attempt.status);
      const step = attempt.value!;
      const before = await factorsOf(ctx.db, user);
      const generated = recoveryCodes.generate();
      const activated = await ctx.db.transaction().execute(async (trx) => {
        if (!(await confirmTotpFactor(trx, user.id, step, now))) return false;
        await logSecurityEvent(ctx, request, user.id, 'totp_enabled', trx);
        await noticeOfFactorChange(ctx, trx, user, (owner) => owner.security.factorChange.totpAdded, now);
        // The first factor comes with recovery codes, so a lost phone is not a locked account.
        if (!hasSecondFactor(before)) {
          await replaceRecoveryCodes(trx, user.id, generated.hashes, now);
          await logSecurityEvent(ctx, request, user.id, 'recovery_codes_generated', trx);
        }
        return true;
      });
      if (!activated) return reply.redirect(SECURITY_PATH);
      if (hasSecondFactor(before)) return reply.flash('success', t.security.flash.totpOn).redirect(SECURITY_PATH);
      return reply.page(t.codes.recoveryCodes.heading, recoveryCodesPage(t, { codes: generated.codes, intro: t.security.flash.totpOn, continueTo: await afterSetUp(ctx, request) }), {
        noReferrer: true,
      });
    },
  );

  app.post<{ Body: z.infer<typeof EmptyForm> }>(
    TOTP_DISABLE_PATH,
    { preHandler: [requireUser, stepUp(SECURITY_PATH)], schema: { body: EmptyForm } },
    async (request, reply) => {
      const userId = request.user!.id;
      await ctx.db.transaction().execute(async (trx) => {
        if (!(await deleteTotpFactor(trx, userId))) return;
        await logSecurityEvent(ctx, request, userId, 'totp_disabled', trx);
        await deleteTrustedDevicesOfUser(trx, userId);
        await dropFallbacksWithoutFactor(trx, userId);
        const user = await findUserById(trx, userId);
        if (user) await noticeOfFactorChange(ctx, trx, user, (owner) => owner.security.factorChange.totpRemoved, ctx.clock.now());
      });
      return reply.flash('success', request.t.security.flash.totpOff).redirect(SECURITY_PATH);
    },
  );

  // ---- Change of email address ----

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
    const owner = messagesForAccount(user);
    const now = ctx.clock.now();
    // An address another account has gets the same answer and no link (no way to learn who is registered).
    const taken = await emailTaken(ctx.db, newEmail);
    await ctx.db.transaction().execute(async (trx) => {
      if (!taken) {
        const token = newToken();
        const expiresAt = now + EMAIL_CONFIRMATION_LIFETIME_MS;
        await replaceEmailChange(trx, user.id, hashToken(token), newEmail, now, expiresAt);
        const link = { url: `${ctx.config.appUrl}${CONFIRM_EMAIL_CHANGE_PATH}/${token}`, expiresAt };
        await ctx.mail.enqueue(trx, confirmNewEmailMail(owner, { to: newEmail, firstName: user.first_name, link, securityUrl: `${ctx.config.appUrl}${SECURITY_PATH}` }), user.id, now);
      }
      const wasntMe = await wasntMeLink(trx, ctx.config.appUrl, user, now);
      await ctx.mail.enqueue(trx, emailChangeRequestedMail(owner, { to: user.email, firstName: user.first_name, newAddress: maskEmail(newEmail), at: now, wasntMeLink: wasntMe }), user.id, now);
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
          const wasntMe = await wasntMeLink(trx, ctx.config.appUrl, user, now);
          const notice = emailChangedMail(messagesForAccount(user), { to: user.email, firstName: user.first_name, newAddress: maskEmail(change.new_email), at: now, wasntMeLink: wasntMe });
          await ctx.mail.enqueue(trx, notice, user.id, now);
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

  // ---- Account deletion ----

  app.get(DELETE_ACCOUNT_PATH, { preHandler: [requireUser, stepUp(DELETE_ACCOUNT_PATH)] }, async (request, reply) =>
    reply.page(request.t.security.deleteAccount.title, deleteAccountPage(request.t, { csrfToken: reply.csrfToken(), username: request.user!.username }), { noReferrer: true }),
  );

  app.post<{ Body: z.infer<typeof DeleteForm> }>(
    DELETE_ACCOUNT_PATH,
    { preHandler: [requireUser, stepUp(DELETE_ACCOUNT_PATH)], schema: { body: DeleteForm } },
    async (request, reply) => {
      const user = request.user!;
      const t = request.t;
      if (normalizeUsername(request.body.confirm_username) !== user.username_normalized) {
        return reply.page(t.security.deleteAccount.title, deleteAccountPage(t, { csrfToken: reply.csrfToken(), username: user.username, error: t.security.deleteAccount.mismatch }), {
          status: 422,
          noReferrer: true,
        });
      }
      const now = ctx.clock.now();
      let ended: EndedSession[] = [];
      await ctx.db.transaction().execute(async (trx) => {
        // Deleting the account deletes its mail, sent or not (ON DELETE CASCADE): a reset link or code still
        // waiting must not reach a mailbox after the account is gone. This confirmation belongs to no account
        // (null), so it survives the delete.
        await endAppAccess(trx, user); // the apps' tokens name the account by its subject, not its row
        ended = await deleteSessionsOfUser(trx, user.id); // they would go with the row; their apps are told below
        await deleteUser(trx, user.id);
        await ctx.mail.enqueue(trx, accountDeletedMail(messagesForAccount(user), { to: user.email, firstName: user.first_name, username: user.username, deletedAt: now }), null, now);
      });
      ctx.mail.kick();
      await ctx.identityProvider.sessionsEnded(ended, 'account-secured');
      request.log.info({ userId: user.id }, 'account deleted by its owner');
      await endSession(ctx, request, reply); // its row is gone already; this clears the cookies
      return reply.flash('info', t.security.flash.deleted).redirect(LOGIN_PATH);
    },
  );

  // ---- Recovery codes ----

  app.post<{ Body: z.infer<typeof EmptyForm> }>(
    NEW_RECOVERY_CODES_PATH,
    { preHandler: [requireUser, stepUp(SECURITY_PATH)], schema: { body: EmptyForm } },
    async (request, reply) => {
      const user = request.user!;
      const t = request.t;
      if (!hasSecondFactor(await factorsOf(ctx.db, user))) return reply.flash('error', t.security.flash.noFactor).redirect(SECURITY_PATH);
      const generated = recoveryCodes.generate();
      await ctx.db.transaction().execute(async (trx) => {
        await replaceRecoveryCodes(trx, user.id, generated.hashes, ctx.clock.now());
        await logSecurityEvent(ctx, request, user.id, 'recovery_codes_generated', trx);
      });
      return reply.page(t.codes.recoveryCodes.heading, recoveryCodesPage(t, { codes: generated.codes, intro: t.security.flash.newRecoveryCodes }), {
        noReferrer: true,
      });
    },
  );
};
