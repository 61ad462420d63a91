/**
 * Passkeys and security keys on the security page: add one (after step-up),
 * name it, remove it. The first second factor of an account comes with
 * recovery codes, as the authenticator app does. Every change mails the owner
 * with a "This wasn't me" link.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { afterSetUp } from '../../../auth/enforce-two-factor.js';
import { logSecurityEvent } from '../../../auth/events.js';
import { dropFallbacksWithoutFactor, factorsOf, hasSecondFactor } from '../../../auth/factors.js';
import { requireUser } from '../../../auth/guards.js';
import { newUserHandle, parseCredential, PASSKEY_NAME_MAX, Passkeys } from '../../../auth/passkeys.js';
import { RecoveryCodes } from '../../../auth/recovery-codes.js';
import { requireRecentAuthentication } from '../../../auth/step-up.js';
import type { AppContext } from '../../../context.js';
import { isUniqueViolation } from '../../../db/database.js';
import { replaceRecoveryCodes } from '../../../db/factors.js';
import { deletePasskey, findPasskey, insertPasskey, passkeysOfUser, renamePasskey, useChallenge, userHandleOf } from '../../../db/passkeys.js';
import { deleteTrustedDevicesOfUser } from '../../../db/trusted-devices.js';
import { findUserById } from '../../../db/users.js';
import { field, formSchema } from '../../../http/form-schema.js';
import { deviceName } from '../../../lib/user-agent.js';
import { input } from '../../../views/forms.js';
import { html } from '../../../views/html.js';
import { PASSKEY_SCRIPTS, passkeyForm } from '../../../views/passkey-form.js';
import { recoveryCodesPage } from '../../../views/recovery-codes.js';
import { factorChanged } from '../../../notices/factors.js';
import { notifyOwner } from '../../../notices/notify.js';
import { PASSKEY_ADD_PATH, PASSKEY_REMOVE_PATH, PASSKEY_RENAME_PATH, SECURITY_PATH } from '../../../lib/paths.js';

const AddForm = formSchema({ credential: field(16_384), name: field(500) });
const RenameForm = formSchema({ id: field(1400), name: field(500) });
const IdForm = formSchema({ id: field(1400) });

/** A name as typed: trimmed, control characters dropped, at most PASSKEY_NAME_MAX characters; null when nothing is left. */
export function cleanPasskeyName(typed: string): string | null {
  const name = typed.replace(/\p{Cc}/gu, ' ').trim().replace(/\s+/g, ' ');
  return name.length > 0 && [...name].length <= PASSKEY_NAME_MAX ? name : null;
}

export const passkeyRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const passkeys = new Passkeys(ctx.config.appUrl, ctx.config.secretKey);
  const recoveryCodes = new RecoveryCodes(ctx.config.secretKey);
  const stepUp = (formPage: string) => requireRecentAuthentication(ctx.clock, formPage);

  async function showAdd(request: FastifyRequest, reply: FastifyReply, name: string, error?: string, nameError?: string, status = 200) {
    const user = request.user!;
    const now = ctx.clock.now();
    const options = await passkeys.registrationOptions(
      {
        userHandle: await userHandleOf(ctx.db, user.id, newUserHandle),
        username: user.username,
        displayName: `${user.first_name} ${user.last_name}`.trim() || user.username,
        existing: await passkeysOfUser(ctx.db, user.id),
        binding: request.session!.id,
      },
      now,
    );
    const t = request.t;
    const m = t.security.passkeys;
    return reply.page(
      m.title,
      html`<h1>${m.title}</h1>
<p>${m.intro}</p>
${passkeyForm(t, {
  action: PASSKEY_ADD_PATH,
  csrfToken: reply.csrfToken(),
  ceremony: 'create',
  options,
  button: m.button,
  error,
  fields: input({ name: 'name', label: m.nameLabel, value: name, error: nameError, required: true, maxlength: PASSKEY_NAME_MAX, hint: m.nameHint, autocomplete: 'off' }),
})}
<p><a href="${SECURITY_PATH}">${m.back}</a></p>`,
      { status, scripts: PASSKEY_SCRIPTS, noReferrer: true },
    );
  }

  app.get(PASSKEY_ADD_PATH, { preHandler: [requireUser, stepUp(PASSKEY_ADD_PATH)] }, async (request, reply) =>
    showAdd(request, reply, deviceName(request.t, typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null)),
  );

  app.post<{ Body: z.infer<typeof AddForm> }>(PASSKEY_ADD_PATH, { preHandler: [requireUser, stepUp(PASSKEY_ADD_PATH)], schema: { body: AddForm } }, async (request, reply) => {
    const user = request.user!;
    const now = ctx.clock.now();
    const t = request.t;
    const m = t.security.passkeys;
    const name = cleanPasskeyName(request.body.name);
    if (name === null) return showAdd(request, reply, request.body.name.slice(0, PASSKEY_NAME_MAX), undefined, m.nameRequired(PASSKEY_NAME_MAX), 422);
    if (!request.body.credential) return showAdd(request, reply, name, m.noAnswer, undefined, 422);
    const credential = parseCredential(request.body.credential);
    const checked = credential === null ? ({ ok: false } as const) : await passkeys.verifyRegistration(credential, request.session!.id, now);
    if (!checked.ok) return showAdd(request, reply, name, m.notAccepted, undefined, 422);
    if (await findPasskey(ctx.db, checked.value.id)) return showAdd(request, reply, name, m.duplicate, undefined, 422);

    const before = await factorsOf(ctx.db, user);
    const generated = recoveryCodes.generate();
    const added = await ctx.db
      .transaction()
      .execute(async (trx) => {
        // A response answers its challenge once: a second post of the same one adds nothing.
        if (!(await useChallenge(trx, checked.nonce, checked.expiresAt))) return false;
        await insertPasskey(trx, { ...checked.value, userId: user.id, name, now });
        await logSecurityEvent(ctx, request, user.id, 'passkey_added', trx);
        await notifyOwner(ctx, trx, user, factorChanged((owner) => owner.security.factorChange.passkeyAdded(name)), now);
        // The first factor comes with recovery codes, so a lost device is not a locked account.
        if (!hasSecondFactor(before)) {
          await replaceRecoveryCodes(trx, user.id, generated.hashes, now);
          await logSecurityEvent(ctx, request, user.id, 'recovery_codes_generated', trx);
        }
        return true;
      })
      .catch((error: unknown) => {
        // Registered on another account (or this one) between the check and the insert.
        if (isUniqueViolation(error)) return 'duplicate' as const;
        throw error;
      });
    if (added === 'duplicate') return showAdd(request, reply, name, m.duplicate, undefined, 422);
    if (!added) return showAdd(request, reply, name, m.notAccepted, undefined, 422);
    ctx.mail.kick();
    if (hasSecondFactor(before)) return reply.flash('success', m.added).redirect(SECURITY_PATH);
    return reply.page(t.codes.recoveryCodes.heading, recoveryCodesPage(t, { codes: generated.codes, intro: m.added, continueTo: await afterSetUp(ctx, request) }), { noReferrer: true });
  });

  // Renaming protects nothing and endangers nothing: no step-up.
  app.post<{ Body: z.infer<typeof RenameForm> }>(PASSKEY_RENAME_PATH, { preHandler: requireUser, schema: { body: RenameForm } }, async (request, reply) => {
    const name = cleanPasskeyName(request.body.name);
    if (name === null) return reply.flash('error', request.t.security.passkeys.nameRequired(PASSKEY_NAME_MAX)).redirect(SECURITY_PATH);
    await renamePasskey(ctx.db, request.user!.id, request.body.id, name);
    return reply.flash('success', request.t.security.passkeys.renamed).redirect(SECURITY_PATH);
  });

  app.post<{ Body: z.infer<typeof IdForm> }>(PASSKEY_REMOVE_PATH, { preHandler: [requireUser, stepUp(SECURITY_PATH)], schema: { body: IdForm } }, async (request, reply) => {
    const userId = request.user!.id;
    const now = ctx.clock.now();
    await ctx.db.transaction().execute(async (trx) => {
      const passkey = await findPasskey(trx, request.body.id);
      if (!passkey || passkey.user_id !== userId || !(await deletePasskey(trx, userId, passkey.id))) return;
      await logSecurityEvent(ctx, request, userId, 'passkey_removed', trx);
      // Browsers remembered while this passkey was a factor must ask again.
      await deleteTrustedDevicesOfUser(trx, userId);
      const user = await findUserById(trx, userId);
      if (!user) return;
      await notifyOwner(ctx, trx, user, factorChanged((owner) => owner.security.factorChange.passkeyRemoved(passkey.name)), now);
      await dropFallbacksWithoutFactor(trx, userId);
    });
    ctx.mail.kick();
    return reply.flash('success', request.t.security.passkeys.removed).redirect(SECURITY_PATH);
  });
};
