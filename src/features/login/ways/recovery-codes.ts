/** Finishing a sign-in with a recovery code: single use, the owner is told, and warned when few are left. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type AccountFactors } from '../../../auth/factors.js';
import { requirePendingSignIn } from '../../../auth/guards.js';
import { RECOVERY_CODES_LOW, RecoveryCodes } from '../../../auth/recovery-codes.js';
import type { AppContext } from '../../../context.js';
import { countUnusedRecoveryCodes, useRecoveryCode } from '../../../db/factors.js';
import { field, formSchema } from '../../../http/form-schema.js';
import { notifyOwner } from '../../../notices/notify.js';
import { recoveryCodeUsed } from '../../../notices/sign-in.js';
import type { SignInGate } from '../gate.js';
import { recoveryCodeSignInPage, signInFooter } from '../views.js';
import { SIGN_IN_WAY_PATHS } from '../../../lib/paths.js';

const RecoveryForm = formSchema({ code: field(100) });

export const recoveryCodeWay: FastifyPluginAsync<{ ctx: AppContext; gate: SignInGate }> = async (app, { ctx, gate }) => {
  const recoveryCodes = new RecoveryCodes(ctx.config.secretKey);

  function showRecoveryPage(request: FastifyRequest, reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    const t = request.t;
    return reply.page(
      t.login.recoveryCode.title,
      recoveryCodeSignInPage(t, { csrfToken: reply.csrfToken(), error, otherWays: gate.otherWays(t, factors, 'recovery'), footer: signInFooter(t, reply.csrfToken()) }),
      { status, noReferrer: true },
    );
  }

  app.get(SIGN_IN_WAY_PATHS.recovery, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending) return gate.startOver(request, reply);
    return showRecoveryPage(request, reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof RecoveryForm> }>(SIGN_IN_WAY_PATHS.recovery, { preHandler: requirePendingSignIn, schema: { body: RecoveryForm } }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending) return gate.startOver(request, reply);
    const { user, factors } = pending;
    return gate.checkCode({
      request,
      reply,
      user,
      way: 'recovery_code',
      check: async () => {
        const hash = recoveryCodes.hashTyped(request.body.code);
        // One conditional UPDATE: of two requests with the same code, only one marks it used.
        const ok = hash !== null && (await useRecoveryCode(ctx.db, user.id, hash, ctx.clock.now()));
        return ok ? { ok: true } : { ok: false, reason: 'wrong', message: request.t.login.recoveryCode.wrong };
      },
      show: (error, status) => showRecoveryPage(request, reply, factors, error, status),
      onSignedIn: async (trx) => {
        // Signed in with a recovery code: the owner hears of it by email, and how many codes are left.
        const left = await countUnusedRecoveryCodes(trx, user.id);
        const now = ctx.clock.now();
        await notifyOwner(ctx, trx, user, recoveryCodeUsed(left), now);
        if (left <= RECOVERY_CODES_LOW) reply.flash('error', request.t.codes.recoveryCodes.low(left));
      },
    });
  });
};
