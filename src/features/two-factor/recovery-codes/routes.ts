/**
 * New recovery codes (after step-up), shown once; only next to a real second factor. The first factor set up
 * comes with its codes (the factors' own routes); using one at sign-in: src/features/login/ways/recovery-codes.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { logSecurityEvent } from '../../../auth/events.js';
import { factorsOf, hasSecondFactor } from '../../../auth/factors.js';
import { requireUser } from '../../../auth/guards.js';
import { RecoveryCodes } from '../../../auth/recovery-codes.js';
import { requireRecentAuthentication } from '../../../auth/step-up.js';
import type { AppContext } from '../../../context.js';
import { replaceRecoveryCodes } from '../../../db/factors.js';
import { formSchema } from '../../../http/form-schema.js';
import { NEW_RECOVERY_CODES_PATH, SECURITY_PATH } from '../../../lib/paths.js';
import { recoveryCodesPage } from '../../../views/recovery-codes.js';

const EmptyForm = formSchema({});

export const recoveryCodeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const recoveryCodes = new RecoveryCodes(ctx.config.secretKey);
  const stepUp = (formPage: string) => requireRecentAuthentication(ctx.clock, formPage);

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
