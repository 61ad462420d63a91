/**
 * The security page (/security): the account's second factors, recovery codes, sessions, remembered browsers,
 * apps with access and recent security activity, and the actions that only end access (no step-up: they only
 * protect). Setting up each factor lives in src/features/two-factor/<factor>/; change of email, account deletion
 * and step-up in their own folders.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { recoveryStatusOf } from '../../auth/account-recovery.js';
import { logAppEvent, logSecurityEvent } from '../../auth/events.js';
import { factorsOf } from '../../auth/factors.js';
import { requireUser } from '../../auth/guards.js';
import { SESSION_IDLE_TIMEOUT_MS } from '../../auth/policy.js';
import { signOutEverywhereElse } from '../../auth/sign-out-everywhere.js';
import type { AppContext } from '../../context.js';
import { appsWithAccess, removeAppAccess } from '../../db/app-access.js';
import { findOidcApp } from '../../db/oidc-apps.js';
import { passkeysOfUser } from '../../db/passkeys.js';
import { recentSecurityEvents, SECURITY_EVENT_RETENTION_MS } from '../../db/security-events.js';
import { deleteSessionOfUser, liveSessionsOfUser } from '../../db/sessions.js';
import { deleteTrustedDevice, deleteTrustedDevicesOfUser, trustedDevicesOfUser } from '../../db/trusted-devices.js';
import { field, formSchema } from '../../http/form-schema.js';
import { END_OTHER_SESSIONS_PATH, END_SESSION_PATH, FORGET_ALL_DEVICES_PATH, FORGET_DEVICE_PATH, REMOVE_APP_ACCESS_PATH, SECURITY_PATH } from '../../lib/paths.js';
import { securityPage } from './views.js';

const EmptyForm = formSchema({});
const IdForm = formSchema({ id: field(200) });
const AppForm = formSchema({ client_id: field(200) });

export const securityRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
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
};
