/**
 * Email codes, the fallback factor (src/auth/email-codes.ts), on the security
 * page: turned on or off after step-up, only next to a real second factor;
 * each change mails the owner with "This wasn't me".
 */
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { logSecurityEvent } from '../../../auth/events.js';
import { factorsOf, hasSecondFactor } from '../../../auth/factors.js';
import { requireUser } from '../../../auth/guards.js';
import { requireRecentAuthentication } from '../../../auth/step-up.js';
import type { AppContext } from '../../../context.js';
import { setEmailCodesEnabled } from '../../../db/email-codes.js';
import { lockUserRow } from '../../../db/users.js';
import { deleteTrustedDevicesOfUser } from '../../../db/trusted-devices.js';
import { formSchema } from '../../../http/form-schema.js';
import { factorChanged } from '../../../notices/factors.js';
import { notifyOwner } from '../../../notices/notify.js';
import { EMAIL_CODES_DISABLE_PATH, EMAIL_CODES_ENABLE_PATH, SECURITY_PATH } from '../../../lib/paths.js';

const EmptyForm = formSchema({});

export const emailCodeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const stepUp = requireRecentAuthentication(ctx.clock, SECURITY_PATH);

  app.post<{ Body: z.infer<typeof EmptyForm> }>(EMAIL_CODES_ENABLE_PATH, { preHandler: [requireUser, stepUp], schema: { body: EmptyForm } }, async (request, reply) => {
    const user = request.user!;
    const now = ctx.clock.now();
    const turnedOn = await ctx.db.transaction().execute(async (trx) => {
      // Never the only factor: the mailbox already resets the password, so it would then be the only key.
      // Checked under the user's row lock, so a factor removed at the same moment is seen.
      await lockUserRow(trx, user.id);
      if (!hasSecondFactor(await factorsOf(trx, user))) return false;
      if (!(await setEmailCodesEnabled(trx, user.id, true))) return true;
      await logSecurityEvent(ctx, request, user.id, 'email_codes_enabled', trx);
      await notifyOwner(ctx, trx, user, factorChanged((owner) => owner.security.factorChange.emailCodesOn), now);
      return true;
    });
    if (!turnedOn) return reply.flash('error', request.t.security.emailCodes.needsFactor).redirect(SECURITY_PATH);
    ctx.mail.kick();
    return reply.flash('success', request.t.security.emailCodes.on).redirect(SECURITY_PATH);
  });

  app.post<{ Body: z.infer<typeof EmptyForm> }>(EMAIL_CODES_DISABLE_PATH, { preHandler: [requireUser, stepUp], schema: { body: EmptyForm } }, async (request, reply) => {
    const user = request.user!;
    const now = ctx.clock.now();
    await ctx.db.transaction().execute(async (trx) => {
      if (!(await setEmailCodesEnabled(trx, user.id, false))) return;
      await logSecurityEvent(ctx, request, user.id, 'email_codes_disabled', trx);
      // A browser remembered after an email code must not keep skipping the factor.
      await deleteTrustedDevicesOfUser(trx, user.id);
      await notifyOwner(ctx, trx, user, factorChanged((owner) => owner.security.factorChange.emailCodesOff), now);
    });
    ctx.mail.kick();
    return reply.flash('success', request.t.security.emailCodes.off).redirect(SECURITY_PATH);
  });
};
