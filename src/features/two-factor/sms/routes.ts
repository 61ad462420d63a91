/**
 * Enable SMS two-factor: type a number, receive a code through Verify, type it
 * back. Only an `approved` answer saves the phone and turns 2FA on. Disabling
 * takes the current password.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { VerifyChannel } from '../../../adapters/verify/types.js';
import { requireUser } from '../../../auth/guards.js';
import { verifyPassword } from '../../../auth/password.js';
import { MAX_CODE_ATTEMPTS, PHONE_ENROLLMENT_LIFETIME_MS } from '../../../auth/policy.js';
import { CHECK_FAILURE_MESSAGES, maskPhone, normalizeCode, resendWaitMs, START_FAILURE_MESSAGES } from '../../../auth/two-factor.js';
import type { AppContext } from '../../../context.js';
import {
  cancelEnrollment,
  findEnrollment,
  finishEnrollment,
  recordFailedEnrollmentCode,
  setEnrollmentCodeSentAt,
  startEnrollment,
} from '../../../db/phone-enrollments.js';
import { disableTwoFactor, enableTwoFactor } from '../../../db/users.js';
import { field, formSchema } from '../../../http/form-schema.js';
import { codeEntry } from '../../../views/code-entry.js';
import { html } from '../../../views/html.js';
import { disablePage, enablePage } from './views.js';

const CONFIRM_PATH = '/two-factor/sms/confirm';

const EnableForm = formSchema({ phone: field(100), channel: z.enum(['sms', 'call']).default('sms') });
const CodeForm = formSchema({ code: field(100) });
const ResendForm = formSchema({ channel: z.enum(['sms', 'call']) });
const DisableForm = formSchema({ password: field(4096) });

/** An E.164 number if the input is a valid phone number written with its country code. */
export function parsePhone(input: string): string | null {
  const trimmed = input.trim().replace(/^00/, '+');
  if (!trimmed.startsWith('+')) return null;
  const phone = parsePhoneNumberFromString(trimmed);
  return phone?.isValid() ? phone.number : null;
}

export const smsTwoFactorRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const enrollmentOf = (userId: number) => findEnrollment(ctx.db, userId, ctx.clock.now() - PHONE_ENROLLMENT_LIFETIME_MS);
  const phoneAssets = { scripts: ['/vendor/intl-tel-input/js/intlTelInput.min.js', '/static/js/phone-input.js'], styles: ['/vendor/intl-tel-input/css/intlTelInput.min.css'] };

  app.get('/two-factor/sms/enable', { preHandler: requireUser }, async (request, reply) => {
    if (request.user!.two_factor_enabled) return reply.redirect(`/user/${encodeURIComponent(request.user!.username)}`);
    return reply.page('Two-factor authentication', enablePage({ csrfToken: reply.csrfToken(), phone: '' }), phoneAssets);
  });

  app.post<{ Body: z.infer<typeof EnableForm> }>('/two-factor/sms/enable', { preHandler: requireUser, schema: { body: EnableForm } }, async (request, reply) => {
    const user = request.user!;
    const showError = (error: string, offerCall = false) =>
      reply.page('Two-factor authentication', enablePage({ csrfToken: reply.csrfToken(), phone: request.body.phone, error, offerCall }), { status: 422, ...phoneAssets });

    const phone = parsePhone(request.body.phone);
    if (!phone) return showError(START_FAILURE_MESSAGES.invalid_number);
    const channel: VerifyChannel = request.body.channel;
    const sent = await ctx.verify.start(phone, channel);
    if (!sent.ok) return showError(START_FAILURE_MESSAGES[sent.reason], sent.reason === 'landline');
    const now = ctx.clock.now();
    await startEnrollment(ctx.db, user.id, phone, now);
    await setEnrollmentCodeSentAt(ctx.db, user.id, now);
    return reply.redirect(CONFIRM_PATH);
  });

  async function showConfirm(request: FastifyRequest, reply: FastifyReply, error?: string, status = 200) {
    const enrollment = await enrollmentOf(request.user!.id);
    if (!enrollment) return reply.flash('error', 'That code request has expired. Enter your number again.').redirect('/two-factor/sms/enable');
    const csrfToken = reply.csrfToken();
    return reply.page(
      'Confirm your phone',
      codeEntry({
        heading: 'Confirm your phone',
        intro: `We sent a 6-digit code to ${maskPhone(enrollment.phone)}. Type it here to turn on two-factor authentication.`,
        csrfToken,
        action: CONFIRM_PATH,
        resendAction: '/two-factor/sms/resend',
        resendWaitSeconds: Math.ceil(resendWaitMs(enrollment.code_sent_at, ctx.clock.now()) / 1000),
        error,
        footer: html`<p><a href="/two-factor/sms/enable">Use a different number</a></p>`,
      }),
      { status, scripts: ['/static/js/countdown.js'] },
    );
  }

  app.get(CONFIRM_PATH, { preHandler: requireUser }, async (request, reply) => showConfirm(request, reply));

  app.post<{ Body: z.infer<typeof CodeForm> }>(CONFIRM_PATH, { preHandler: requireUser, schema: { body: CodeForm } }, async (request, reply) => {
    const user = request.user!;
    const enrollment = await enrollmentOf(user.id);
    if (!enrollment) return showConfirm(request, reply);
    const code = normalizeCode(request.body.code);
    const result = code ? await ctx.verify.check(enrollment.phone, code) : ({ ok: false, reason: 'wrong_code' } as const);
    if (result.ok) {
      const enabled = await ctx.db.transaction().execute(async (trx) => {
        if (!(await finishEnrollment(trx, user.id, enrollment.phone))) return false;
        await enableTwoFactor(trx, user.id, enrollment.phone);
        return true;
      });
      if (!enabled) return reply.redirect('/two-factor/sms/enable');
      return reply.flash('success', 'Two-factor authentication is on. From now on, sign-in asks for a code sent to your phone.').redirect(`/user/${encodeURIComponent(user.username)}`);
    }
    if (result.reason === 'unavailable') return showConfirm(request, reply, CHECK_FAILURE_MESSAGES.unavailable, 503);
    if ((await recordFailedEnrollmentCode(ctx.db, user.id)) >= MAX_CODE_ATTEMPTS) {
      await cancelEnrollment(ctx.db, user.id);
      return reply.flash('error', 'Too many wrong codes. Enter your number again to get a new code.').redirect('/two-factor/sms/enable');
    }
    return showConfirm(request, reply, CHECK_FAILURE_MESSAGES[result.reason], 422);
  });

  app.post<{ Body: z.infer<typeof ResendForm> }>('/two-factor/sms/resend', { preHandler: requireUser, schema: { body: ResendForm } }, async (request, reply) => {
    const user = request.user!;
    const enrollment = await enrollmentOf(user.id);
    if (!enrollment) return reply.redirect('/two-factor/sms/enable');
    const wait = resendWaitMs(enrollment.code_sent_at, ctx.clock.now());
    if (wait > 0) return reply.flash('error', `Please wait ${Math.ceil(wait / 1000)} seconds before asking for another code.`).redirect(CONFIRM_PATH);
    const sent = await ctx.verify.start(enrollment.phone, request.body.channel);
    if (!sent.ok) return reply.flash('error', START_FAILURE_MESSAGES[sent.reason]).redirect(CONFIRM_PATH);
    await setEnrollmentCodeSentAt(ctx.db, user.id, ctx.clock.now());
    return reply.flash('info', request.body.channel === 'call' ? 'We are calling you now with your code.' : 'We sent you a new code.').redirect(CONFIRM_PATH);
  });

  app.get('/two-factor/disable', { preHandler: requireUser }, async (request, reply) => {
    if (!request.user!.two_factor_enabled) return reply.redirect(`/user/${encodeURIComponent(request.user!.username)}`);
    return reply.page('Turn off two-factor authentication', disablePage({ csrfToken: reply.csrfToken() }));
  });

  app.post<{ Body: z.infer<typeof DisableForm> }>('/two-factor/disable', { preHandler: requireUser, schema: { body: DisableForm } }, async (request, reply) => {
    const user = request.user!;
    if (!(await verifyPassword(user.password_hash, request.body.password))) {
      return reply.page('Turn off two-factor authentication', disablePage({ csrfToken: reply.csrfToken(), error: 'That password is not right.' }), { status: 422 });
    }
    await disableTwoFactor(ctx.db, user.id);
    return reply.flash('info', 'Two-factor authentication is off.').redirect(`/user/${encodeURIComponent(user.username)}`);
  });
};
