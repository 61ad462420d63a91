/**
 * The backup phone: a second number for SMS codes, next to the main one. It is added through SMS set-up's own
 * steps (`/two-factor/sms/enable?backup`: a code to the number proves it, ../sms/routes.ts); here it is removed,
 * after step-up, with a notice to the owner. Signing in with it: src/features/login/ways/sms.ts (`to=backup`).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { logSecurityEvent } from '../../../auth/events.js';
import { requireUser } from '../../../auth/guards.js';
import { requireRecentAuthentication } from '../../../auth/step-up.js';
import type { AppContext } from '../../../context.js';
import { deleteTrustedDevicesOfUser } from '../../../db/trusted-devices.js';
import { setBackupPhone } from '../../../db/users.js';
import { formSchema } from '../../../http/form-schema.js';
import { SECURITY_PATH, SMS_BACKUP_REMOVE_PATH } from '../../../lib/paths.js';
import { backupPhoneChanged } from '../../../notices/factors.js';
import { notifyOwner } from '../../../notices/notify.js';

const EmptyForm = formSchema({});

export const backupPhoneRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post<{ Body: z.infer<typeof EmptyForm> }>(
    SMS_BACKUP_REMOVE_PATH,
    { preHandler: [requireUser, requireRecentAuthentication(ctx.clock, SECURITY_PATH)], schema: { body: EmptyForm } },
    async (request, reply) => {
      const user = request.user!;
      const now = ctx.clock.now();
      await ctx.db.transaction().execute(async (trx) => {
        if (!(await setBackupPhone(trx, user.id, null))) return;
        await logSecurityEvent(ctx, request, user.id, 'backup_phone_removed', trx);
        // Browsers remembered while codes could go to that number must ask again.
        await deleteTrustedDevicesOfUser(trx, user.id);
        await notifyOwner(ctx, trx, user, backupPhoneChanged(null), now);
      });
      ctx.mail.kick();
      return reply.flash('success', request.t.sms.done.backupRemoved).redirect(SECURITY_PATH);
    },
  );
};
