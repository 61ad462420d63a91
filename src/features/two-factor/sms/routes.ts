/**
 * Enable SMS two-factor: type a number, receive a code through Verify, type it
 * back. Only an `approved` answer saves the phone and turns 2FA on. Changing
 * the phone takes the current password and a code sent to the new number;
 * disabling takes the current password. Each sends the owner a notice.
 * A backup phone is added through the same steps (`kind=backup`, after the
 * main number); removing it: ../backup-phone/routes.ts.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkGaveNoVerdict, type VerifyChannel } from '../../../adapters/verify/types.js';
import { afterSetUp } from '../../../auth/enforce-two-factor.js';
import { requireUser } from '../../../auth/guards.js';
import { checkCurrentPassword } from '../../../auth/reauthenticate.js';
import { MAX_CODE_ATTEMPTS, PHONE_ENROLLMENT_LIFETIME_MS } from '../../../auth/policy.js';
import { attemptCode } from '../../../auth/code-attempt.js';
import { renewSession, signedOutMeanwhile } from '../../../auth/session.js';
import { codeSentMessage, maskPhone, normalizeCode, resendTooSoonMessage, resendWaitMs, sendCode } from '../../../auth/two-factor.js';
import type { AppContext } from '../../../context.js';
import {
  cancelEnrollment,
  findEnrollment,
  finishEnrollment,
  recordFailedEnrollmentCode,
  setEnrollmentCodeSentAt,
  startEnrollment,
} from '../../../db/phone-enrollments.js';
import { disableTwoFactor, enableTwoFactor, setBackupPhone } from '../../../db/users.js';
import { field, formSchema } from '../../../http/form-schema.js';
import { codeEntry } from '../../../views/code-entry.js';
import { html } from '../../../views/html.js';
import { backupPhoneChanged, smsPhoneChanged, smsTurnedOff, smsTurnedOn } from '../../../notices/factors.js';
import { notifyOwner } from '../../../notices/notify.js';
import { disablePage, enablePage } from './views.js';
import { phoneNumbers } from '../../../lib/phone-numbers.js';
import { recoveryCodesPage } from '../../../views/recovery-codes.js';
import { replaceRecoveryCodes } from '../../../db/factors.js';
import { RecoveryCodes } from '../../../auth/recovery-codes.js';
import { dropFallbacksWithoutFactor, factorsOf, hasSecondFactor } from '../../../auth/factors.js';
import { logSecurityEvent } from '../../../auth/events.js';
import { deleteTrustedDevicesOfUser } from '../../../db/trusted-devices.js';
import { profilePath, SECURITY_PATH, SMS_CONFIRM_PATH, SMS_DISABLE_PATH, SMS_ENABLE_PATH, SMS_RESEND_PATH } from '../../../lib/paths.js';

const EnableForm = formSchema({ phone: field(100), password: field(4096).optional(), channel: z.enum(['sms', 'call']).default('sms'), kind: z.enum(['main', 'backup']).default('main') });
const EnableQuery = z.object({ backup: z.string().max(10).optional() });
const CodeForm = formSchema({ code: field(100) });
const ResendForm = formSchema({ channel: z.enum(['sms', 'call']) });
const DisableForm = formSchema({ password: field(4096) });

/** An E.164 number if the input is a valid phone number written with its country code. */
export function parsePhone(input: string): string | null {
  const trimmed = input.trim().replace(/^00/, '+');
  if (!trimmed.startsWith('+')) return null;
  const phone = phoneNumbers().parsePhoneNumberFromString(trimmed);
  return phone?.isValid() ? phone.number : null;
}

export const smsRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const recoveryCodes = new RecoveryCodes(ctx.config.secretKey);
  const enrollmentOf = (userId: number) => findEnrollment(ctx.db, userId, ctx.clock.now() - PHONE_ENROLLMENT_LIFETIME_MS);
  // Every two-factor page sends no Referer (a phone number or code must not leak to another site).
  const phoneAssets = {
    scripts: ['/vendor/intl-tel-input/js/intlTelInput.min.js', '/static/js/phone-input.js'],
    styles: ['/vendor/intl-tel-input/css/intlTelInput.min.css'],
    noReferrer: true,
  };

  app.get<{ Querystring: z.infer<typeof EnableQuery> }>(SMS_ENABLE_PATH, { preHandler: requireUser, schema: { querystring: EnableQuery } }, async (request, reply) => {
    const t = request.t;
    const changing = Boolean(request.user!.two_factor_enabled);
    const backup = request.query.backup !== undefined;
    if (backup && !changing) return reply.flash('error', t.sms.enable.needsMainPhone).redirect(SECURITY_PATH);
    return reply.page(backup ? t.sms.enable.backupTitle : t.sms.enable.title, enablePage(t, { csrfToken: reply.csrfToken(), phone: '', errors: {}, changing, backup }), phoneAssets);
  });

  app.post<{ Body: z.infer<typeof EnableForm> }>(SMS_ENABLE_PATH, { preHandler: requireUser, schema: { body: EnableForm } }, async (request, reply) => {
    const t = request.t;
    const user = request.user!;
    const changing = Boolean(user.two_factor_enabled);
    const backup = request.body.kind === 'backup';
    if (backup && !changing) return reply.flash('error', t.sms.enable.needsMainPhone).redirect(SECURITY_PATH);
    const showErrors = (errors: { phone?: string; password?: string }, offerCall = false) =>
      reply.page(
        backup ? t.sms.enable.backupTitle : t.sms.enable.title,
        enablePage(t, { csrfToken: reply.csrfToken(), phone: request.body.phone, errors, offerCall, changing, backup }),
        { status: 422, ...phoneAssets },
      );

    // Adding or replacing a second factor needs the password (ASVS 5.0 V6.2.x re-authentication):
    // a stolen session alone must not put the thief's phone on the account.
    const current = await checkCurrentPassword(ctx, user, request.body.password ?? '', t);
    if (!current.ok) return showErrors({ password: current.message });
    const phone = parsePhone(request.body.phone);
    if (!phone) return showErrors({ phone: t.codes.startFailure.invalid_number });
    if (changing && phone === user.phone) return showErrors({ phone: t.sms.enable.alreadyYourPhone });
    if (backup && phone === user.backup_phone) return showErrors({ phone: t.sms.enable.alreadyYourBackup });
    // The 30-second rule holds here too, or re-posting this form would send codes without limit.
    const tooSoon = resendTooSoonMessage(t, (await enrollmentOf(user.id))?.code_sent_at ?? null, ctx.clock.now());
    if (tooSoon) return showErrors({ phone: tooSoon });

    const channel: VerifyChannel = request.body.channel;
    // The text or call is in the language of the page the number was typed on.
    const sent = await sendCode(ctx, phone, channel, { userId: user.id, ip: request.ip }, t);
    if (!sent.ok) return showErrors({ phone: sent.message }, sent.reason === 'landline' || sent.reason === 'unsubscribed');
    const now = ctx.clock.now();
    await startEnrollment(ctx.db, user.id, phone, now, now, request.body.kind);
    return reply.redirect(SMS_CONFIRM_PATH);
  });

  async function showConfirm(request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) {
    const t = request.t;
    const c = t.sms.confirm;
    const enrollment = await enrollmentOf(request.user!.id);
    if (!enrollment) return reply.flash('error', c.expired).redirect(SMS_ENABLE_PATH);
    const intro = enrollment.kind === 'backup' ? c.introBackup : request.user!.two_factor_enabled ? c.introChange : c.introEnable;
    return reply.page(
      c.title,
      codeEntry(t, {
        heading: c.title,
        intro: intro(maskPhone(enrollment.phone)),
        csrfToken: reply.csrfToken(),
        action: SMS_CONFIRM_PATH,
        resendAction: SMS_RESEND_PATH,
        resendWaitSeconds: Math.ceil(resendWaitMs(enrollment.code_sent_at, ctx.clock.now()) / 1000),
        error,
        footer: html`<p><a href="${SMS_ENABLE_PATH}">${c.differentNumber}</a></p>`,
      }),
      { status, scripts: ['/static/js/countdown.js'], noReferrer: true },
    );
  }

  app.get(SMS_CONFIRM_PATH, { preHandler: requireUser }, async (request, reply) => showConfirm(request, reply));

  app.post<{ Body: z.infer<typeof CodeForm> }>(SMS_CONFIRM_PATH, { preHandler: requireUser, schema: { body: CodeForm } }, async (request, reply) => {
    const t = request.t;
    const user = request.user!;
    const enrollment = await enrollmentOf(user.id);
    if (!enrollment) return showConfirm(request, reply);
    // The same limits as a code at sign-in: per IP and per account (src/auth/code-attempt.ts).
    const code = normalizeCode(request.body.code);
    const result = await attemptCode(ctx, request, user, 'set-up', async () => {
      const checked = code ? await ctx.verify.check(enrollment.phone, code) : ({ ok: false, reason: 'wrong_code' } as const);
      if (checked.ok) return { ok: true };
      return { ok: false, reason: checkGaveNoVerdict(checked.reason) ? 'unavailable' : 'wrong', message: t.codes.checkFailure[checked.reason] };
    });
    if (result.ok && enrollment.kind === 'backup') {
      const now = ctx.clock.now();
      const saved = await ctx.db.transaction().execute(async (trx) => {
        // Only next to SMS codes on a main phone (they may have been turned off meanwhile).
        if (!(await finishEnrollment(trx, user.id, enrollment.phone)) || !(await setBackupPhone(trx, user.id, enrollment.phone))) return false;
        await logSecurityEvent(ctx, request, user.id, 'backup_phone_added', trx);
        await notifyOwner(ctx, trx, user, backupPhoneChanged(maskPhone(enrollment.phone)), now);
        return true;
      });
      if (!saved) return reply.flash('error', t.sms.enable.needsMainPhone).redirect(SECURITY_PATH);
      ctx.mail.kick();
      return reply.flash('success', t.sms.done.backupAdded).redirect(SECURITY_PATH);
    }
    if (result.ok) {
      const changing = Boolean(user.two_factor_enabled);
      const now = ctx.clock.now();
      // The first factor comes with recovery codes, so a lost phone is not a locked account.
      const firstFactor = !hasSecondFactor(await factorsOf(ctx.db, user));
      const generated = firstFactor ? recoveryCodes.generate() : null;
      const saved = await ctx.db.transaction().execute(async (trx) => {
        // A change of factor after re-authentication: a new session id (and CSRF secret), as at sign-in.
        if (!(await renewSession(ctx, request, reply, trx))) return 'signed-out';
        if (!(await finishEnrollment(trx, user.id, enrollment.phone))) return false;
        await enableTwoFactor(trx, user.id, enrollment.phone);
        // The backup number became the main one: it is no longer a second number.
        if (user.backup_phone === enrollment.phone) await setBackupPhone(trx, user.id, null);
        await logSecurityEvent(ctx, request, user.id, 'sms_enabled', trx);
        // A new phone: browsers remembered after codes to the old one must ask again.
        if (changing) await deleteTrustedDevicesOfUser(trx, user.id);
        if (generated) {
          await replaceRecoveryCodes(trx, user.id, generated.hashes, now);
          await logSecurityEvent(ctx, request, user.id, 'recovery_codes_generated', trx);
        }
        // In the owner's language, which may not be this page's.
        const phone = maskPhone(enrollment.phone);
        await notifyOwner(ctx, trx, user, changing ? smsPhoneChanged(phone) : smsTurnedOn(phone), now);
        return true;
      });
      if (saved === 'signed-out') return signedOutMeanwhile(ctx, request, reply);
      if (!saved) return reply.redirect(SMS_ENABLE_PATH);
      ctx.mail.kick();
      const message = changing ? t.sms.done.changed : t.sms.done.enabled;
      if (generated) return reply.page(t.codes.recoveryCodes.heading, recoveryCodesPage(t, { codes: generated.codes, intro: message, continueTo: await afterSetUp(ctx, request) }), { noReferrer: true });
      return reply.flash('success', message).redirect(profilePath(user.username));
    }
    if (result.outcome === 'wrong' && (await recordFailedEnrollmentCode(ctx.db, user.id)) >= MAX_CODE_ATTEMPTS) {
      await cancelEnrollment(ctx.db, user.id);
      return reply.flash('error', t.sms.confirm.tooManyWrong).redirect(SMS_ENABLE_PATH);
    }
    return showConfirm(request, reply, result.message, result.status);
  });

  app.post<{ Body: z.infer<typeof ResendForm> }>(SMS_RESEND_PATH, { preHandler: requireUser, schema: { body: ResendForm } }, async (request, reply) => {
    const t = request.t;
    const user = request.user!;
    const enrollment = await enrollmentOf(user.id);
    if (!enrollment) return reply.redirect(SMS_ENABLE_PATH);
    const tooSoon = resendTooSoonMessage(t, enrollment.code_sent_at, ctx.clock.now());
    if (tooSoon) return reply.flash('error', tooSoon).redirect(SMS_CONFIRM_PATH);
    const sent = await sendCode(ctx, enrollment.phone, request.body.channel, { userId: user.id, ip: request.ip }, t);
    if (!sent.ok) return reply.flash('error', sent.message).redirect(SMS_CONFIRM_PATH);
    await setEnrollmentCodeSentAt(ctx.db, user.id, ctx.clock.now());
    return reply.flash('info', codeSentMessage(t, request.body.channel)).redirect(SMS_CONFIRM_PATH);
  });

  app.get(SMS_DISABLE_PATH, { preHandler: requireUser }, async (request, reply) => {
    if (!request.user!.two_factor_enabled) return reply.redirect(profilePath(request.user!.username));
    const t = request.t;
    return reply.page(t.sms.disable.title, disablePage(t, { csrfToken: reply.csrfToken() }), { noReferrer: true });
  });

  app.post<{ Body: z.infer<typeof DisableForm> }>(SMS_DISABLE_PATH, { preHandler: requireUser, schema: { body: DisableForm } }, async (request, reply) => {
    const t = request.t;
    const user = request.user!;
    const current = await checkCurrentPassword(ctx, user, request.body.password, t);
    if (!current.ok) {
      return reply.page(t.sms.disable.title, disablePage(t, { csrfToken: reply.csrfToken(), error: current.message }), { status: 422, noReferrer: true });
    }
    const now = ctx.clock.now();
    const disabled = await ctx.db.transaction().execute(async (trx) => {
      // The password was just re-entered: a new session id, as at every authentication.
      if (!(await renewSession(ctx, request, reply, trx))) return false;
      await disableTwoFactor(trx, user.id);
      await logSecurityEvent(ctx, request, user.id, 'sms_disabled', trx);
      await deleteTrustedDevicesOfUser(trx, user.id);
      // No factor left: the recovery codes and email codes would be a way around nothing.
      await dropFallbacksWithoutFactor(trx, user.id);
      await notifyOwner(ctx, trx, user, smsTurnedOff, now);
      return true;
    });
    if (!disabled) return signedOutMeanwhile(ctx, request, reply);
    ctx.mail.kick();
    return reply.flash('info', t.sms.done.disabled).redirect(profilePath(user.username));
  });
};
