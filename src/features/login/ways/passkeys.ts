/**
 * Finishing a sign-in with a passkey or security key after the password. The
 * challenge is bound to this pending sign-in, and each answer counts once
 * (src/auth/passkeys.ts, decision record 012).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type AccountFactors } from '../../../auth/factors.js';
import { requirePendingSignIn } from '../../../auth/guards.js';
import { parseCredential, Passkeys } from '../../../auth/passkeys.js';
import type { AppContext } from '../../../context.js';
import { findPasskey, notePasskeyUse, passkeysOfUser, useChallenge } from '../../../db/passkeys.js';
import { checkbox, field, formSchema } from '../../../http/form-schema.js';
import { rememberDeviceField } from '../../../views/code-entry.js';
import { PASSKEY_SCRIPTS, passkeyForm } from '../../../views/passkey-form.js';
import type { SignInGate } from '../gate.js';
import { passkeySignInPage, signInFooter } from '../views.js';
import { SIGN_IN_WAY_PATHS } from '../../../lib/paths.js';

const PasskeyForm = formSchema({ credential: field(16_384), remember_device: checkbox() });

export const passkeyWay: FastifyPluginAsync<{ ctx: AppContext; gate: SignInGate }> = async (app, { ctx, gate }) => {
  const passkeys = new Passkeys(ctx.config.appUrl, ctx.config.secretKey);

  async function showPasskeyPage(request: FastifyRequest, reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    const user = request.sessionUser!;
    // Bound to this pending session: an answer made for another sign-in is refused here.
    const options = await passkeys.authenticationOptions('second-factor', await passkeysOfUser(ctx.db, user.id), request.session!.id, ctx.clock.now());
    const t = request.t;
    return reply.page(
      t.login.passkey.title,
      passkeySignInPage(t, {
        form: passkeyForm(t, {
          action: SIGN_IN_WAY_PATHS.passkey,
          csrfToken: reply.csrfToken(),
          ceremony: 'get',
          options,
          button: t.login.passkey.button,
          error,
          fields: rememberDeviceField(t),
        }),
        otherWays: gate.otherWays(t, factors, 'passkey'),
        footer: signInFooter(t, reply.csrfToken()),
      }),
      { status, scripts: PASSKEY_SCRIPTS, noReferrer: true },
    );
  }

  app.get(SIGN_IN_WAY_PATHS.passkey, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending || pending.factors.passkeys === 0) return reply.redirect(SIGN_IN_WAY_PATHS.sms);
    return showPasskeyPage(request, reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof PasskeyForm> }>(SIGN_IN_WAY_PATHS.passkey, { preHandler: requirePendingSignIn, schema: { body: PasskeyForm } }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending || pending.factors.passkeys === 0) return gate.startOver(request, reply);
    const { user, factors } = pending;
    // No answer at all (no JavaScript, or an empty post) is not a guess: it costs no attempt.
    if (!request.body.credential) return showPasskeyPage(request, reply, factors, request.t.login.passkey.noAnswer, 422);
    return gate.checkCode({
      request,
      reply,
      user,
      way: 'passkey',
      check: async () => {
        const credential = parseCredential(request.body.credential);
        const stored = credential === null ? undefined : await findPasskey(ctx.db, passkeys.credentialIdOf(credential));
        // Another account's passkey is as wrong as a forged one.
        const checked = stored?.user_id === user.id ? await passkeys.verifyAuthentication(credential, stored, 'second-factor', request.session!.id, ctx.clock.now()) : ({ ok: false } as const);
        // Each answer counts once: the same signed response posted twice (a replay) is refused.
        if (!checked.ok || !(await useChallenge(ctx.db, checked.nonce, checked.expiresAt))) return { ok: false, reason: 'wrong', message: request.t.login.passkey.wrong };
        await notePasskeyUse(ctx.db, stored!.id, checked.value.counter, checked.value.backedUp, ctx.clock.now());
        // A PIN, fingerprint or face unlocked the passkey: the record says so (a bare security key only proves possession).
        return { ok: true, value: { alsoProved: checked.value.userVerified ? ['user_verification'] : [], passkeyBackedUp: checked.value.backedUp } };
      },
      show: (error, status) => showPasskeyPage(request, reply, factors, error, status),
      rememberDevice: request.body.remember_device,
    });
  });
};
