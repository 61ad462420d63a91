/** Finishing a sign-in with a code from an authenticator app (TOTP); each time step is accepted once. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type AccountFactors } from '../../../auth/factors.js';
import { requirePendingSignIn } from '../../../auth/guards.js';
import { TotpKeys } from '../../../auth/totp.js';
import type { AppContext } from '../../../context.js';
import { findTotpFactor, useTotpStep } from '../../../db/factors.js';
import { checkbox, field, formSchema } from '../../../http/form-schema.js';
import type { SignInGate } from '../gate.js';
import { signInFooter, totpSignInPage } from '../views.js';
import { SIGN_IN_WAY_PATHS } from '../../../lib/paths.js';

const CodeForm = formSchema({ code: field(100), remember_device: checkbox() });

export const totpWay: FastifyPluginAsync<{ ctx: AppContext; gate: SignInGate }> = async (app, { ctx, gate }) => {
  const totpKeys = new TotpKeys(ctx.config.secretKey);

  function showTotpPage(request: FastifyRequest, reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    const t = request.t;
    return reply.page(
      t.login.totp.title,
      totpSignInPage(t, { csrfToken: reply.csrfToken(), error, otherWays: gate.otherWays(t, factors, 'totp'), footer: signInFooter(t, reply.csrfToken()) }),
      { status, noReferrer: true },
    );
  }

  app.get(SIGN_IN_WAY_PATHS.totp, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending?.factors.totp) return reply.redirect(SIGN_IN_WAY_PATHS.sms);
    return showTotpPage(request, reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof CodeForm> }>(SIGN_IN_WAY_PATHS.totp, { preHandler: requirePendingSignIn, schema: { body: CodeForm } }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending?.factors.totp) return gate.startOver(request, reply);
    const { user, factors } = pending;
    return gate.checkCode({
      request,
      reply,
      user,
      way: 'totp',
      check: async () => {
        const factor = await findTotpFactor(ctx.db, user.id);
        const step = factor ? totpKeys.matchingStep(factor.secret, request.body.code.replace(/\s/g, ''), ctx.clock.now()) : null;
        // A right code whose step was used already (replay, or the same code sent twice at once) is wrong.
        const ok = step !== null && (await useTotpStep(ctx.db, user.id, step));
        return ok ? { ok: true } : { ok: false, reason: 'wrong', message: request.t.login.totp.wrong };
      },
      show: (error, status) => showTotpPage(request, reply, factors, error, status),
      rememberDevice: request.body.remember_device,
    });
  });
};
