/**
 * The authenticator app (TOTP, RFC 6238) as a second factor: set it up after step-up (a QR code drawn here, then
 * one right code), or remove it. The first second factor of an account comes with recovery codes. Signing in
 * with it: src/features/login/ways/totp.ts.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { z } from 'zod';
import { attemptCode } from '../../../auth/code-attempt.js';
import { afterSetUp } from '../../../auth/enforce-two-factor.js';
import { logSecurityEvent } from '../../../auth/events.js';
import { dropFallbacksWithoutFactor, factorsOf, hasSecondFactor } from '../../../auth/factors.js';
import { requireUser } from '../../../auth/guards.js';
import { RecoveryCodes } from '../../../auth/recovery-codes.js';
import { requireRecentAuthentication } from '../../../auth/step-up.js';
import { TotpKeys } from '../../../auth/totp.js';
import type { AppContext } from '../../../context.js';
import { confirmTotpFactor, deleteTotpFactor, findTotpFactor, replaceRecoveryCodes, startTotpEnrollment } from '../../../db/factors.js';
import { deleteTrustedDevicesOfUser } from '../../../db/trusted-devices.js';
import { findUserById } from '../../../db/users.js';
import { field, formSchema } from '../../../http/form-schema.js';
import { SECURITY_PATH, TOTP_DISABLE_PATH, TOTP_ENABLE_PATH } from '../../../lib/paths.js';
import { SafeHtml } from '../../../views/html.js';
import { recoveryCodesPage } from '../../../views/recovery-codes.js';
import { factorChanged } from '../../../notices/factors.js';
import { notifyOwner } from '../../../notices/notify.js';
import { totpEnrollPage } from './views.js';

const CodeForm = formSchema({ code: field(100) });
const EmptyForm = formSchema({});

export const totpRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const totpKeys = new TotpKeys(ctx.config.secretKey);
  const recoveryCodes = new RecoveryCodes(ctx.config.secretKey);
  const stepUp = (formPage: string) => requireRecentAuthentication(ctx.clock, formPage);

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
        await notifyOwner(ctx, trx, user, factorChanged((owner) => owner.security.factorChange.totpAdded), now);
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
        if (user) await notifyOwner(ctx, trx, user, factorChanged((owner) => owner.security.factorChange.totpRemoved), ctx.clock.now());
      });
      return reply.flash('success', request.t.security.flash.totpOff).redirect(SECURITY_PATH);
    },
  );
};
