/**
 * Finishing a sign-in with a code by email: a fallback the user turned on
 * (src/auth/email-codes.ts), offered under "Try another way" only. Nothing is
 * mailed until the person asks on the page; one 30-second wait covers every
 * code of a pending sign-in (texts, calls and mails alike); wrong codes go
 * through the same gate as every other way.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { EMAIL_CODE_LIFETIME_MS, EmailCodes } from '../../../auth/email-codes.js';
import { type AccountFactors } from '../../../auth/factors.js';
import { requirePendingSignIn } from '../../../auth/guards.js';
import { accountKey } from '../../../auth/lockout.js';
import { CODE_RESEND_INTERVAL_MS } from '../../../auth/policy.js';
import { codesLocked, resendTooSoonMessage, resendWaitMs } from '../../../auth/two-factor.js';
import type { AppContext } from '../../../context.js';
import { replaceEmailCode, useEmailCode } from '../../../db/email-codes.js';
import { claimCodeSend } from '../../../db/sessions.js';
import { checkbox, field, formSchema } from '../../../http/form-schema.js';
import { maskEmail } from '../../../lib/mask-email.js';
import { notifyOwner } from '../../../notices/notify.js';
import { emailSignInCode } from '../../../notices/sign-in.js';
import { countdownNote, rememberDeviceField } from '../../../views/code-entry.js';
import { codeInput, csrfField } from '../../../views/forms.js';
import { html } from '../../../views/html.js';
import type { SignInGate } from '../gate.js';
import { signInFooter } from '../views.js';
import { SIGN_IN_WAY_PATHS } from '../../../lib/paths.js';

const CodeForm = formSchema({ code: field(100), remember_device: checkbox() });
const SendForm = formSchema({});

export const emailCodeWay: FastifyPluginAsync<{ ctx: AppContext; gate: SignInGate }> = async (app, { ctx, gate }) => {
  const emailCodes = new EmailCodes(ctx.config.secretKey);
  const path = SIGN_IN_WAY_PATHS.email;

  function showEmailPage(request: FastifyRequest, reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    const session = request.session!;
    const address = maskEmail(request.sessionUser!.email);
    const sent = session.code_sent_to === 'email' && session.code_sent_at !== null;
    const wait = Math.ceil(resendWaitMs(session.code_sent_at, ctx.clock.now()) / 1000);
    const t = request.t;
    const m = t.login.email;
    return reply.page(
      m.title,
      html`<h1>${m.heading}</h1>
${sent
  ? html`<p>${m.sentTo(address)}</p>
<form method="post" action="${path}" class="form" novalidate>
  ${csrfField(reply.csrfToken())}
  ${codeInput(t, error)}
  ${rememberDeviceField(t)}
  <button type="submit" class="button primary">${t.common.forms.verify}</button>
</form>`
  : html`${error ? html`<div class="error-summary" role="alert" tabindex="-1"><p>${error}</p></div>` : ''}<p>${m.canSend(address)}</p>`}
<form method="post" action="${path}/send" class="${sent ? 'inline' : 'form'}">
  ${csrfField(reply.csrfToken())}
  <button type="submit" class="button${sent ? '' : ' primary'}" data-countdown="${wait}">${sent ? m.sendNewCode : m.sendCode}</button>
  ${countdownNote(t, wait)}
</form>
${gate.otherWays(t, factors, 'email')}
${signInFooter(t, reply.csrfToken())}`,
      { status, scripts: ['/static/js/countdown.js'], noReferrer: true },
    );
  }

  app.get(path, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending?.factors.emailCodes) return reply.redirect(SIGN_IN_WAY_PATHS.sms);
    return showEmailPage(request, reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof SendForm> }>(`${path}/send`, { preHandler: requirePendingSignIn, schema: { body: SendForm } }, async (request, reply) => {
    const session = request.session!;
    const pending = await gate.pending(request);
    if (!pending?.factors.emailCodes) return gate.startOver(request, reply);
    const { user } = pending;
    const now = ctx.clock.now();
    const t = request.t;
    const tooSoon = resendTooSoonMessage(t, session.code_sent_at, now);
    if (tooSoon) return reply.flash('error', tooSoon).redirect(path);
    const codes = await ctx.limits.code.status(accountKey(user.id));
    if (!codes.ok) return reply.flash('error', codesLocked(t, codes.retryAfterMs)).redirect(path);
    const { code, hash } = emailCodes.generate();
    const sent = await ctx.db.transaction().execute(async (trx): Promise<true | 'too-soon' | { limitedForMs: number }> => {
      // One conditional UPDATE claims the send: of two requests at once, only one mails a code.
      if (!(await claimCodeSend(trx, session.id, now, CODE_RESEND_INTERVAL_MS, 'email'))) return 'too-soon';
      // Per account, whatever the pending sign-in: signing in again (the password is known) buys no more mails.
      const mails = await ctx.limits.emailCodeMailTo(user.id);
      if (!mails.ok) return { limitedForMs: mails.retryAfterMs };
      // Only the newest code works: a new one replaces the one before.
      const expiresAt = now + EMAIL_CODE_LIFETIME_MS;
      await replaceEmailCode(trx, { sessionId: session.id, userId: user.id, codeHash: hash, now, expiresAt });
      // To the owner, in their language (whoever is signing in may be someone else).
      await notifyOwner(ctx, trx, user, emailSignInCode(code, expiresAt), now);
      return true;
    });
    if (sent === 'too-soon') return reply.flash('error', resendTooSoonMessage(t, now, now) ?? '').redirect(path);
    if (sent !== true) return reply.flash('error', t.codes.limits.tooManyEmailCodes(sent.limitedForMs)).redirect(path);
    ctx.mail.kick();
    return reply.flash('info', t.login.email.sent).redirect(path);
  });

  app.post<{ Body: z.infer<typeof CodeForm> }>(path, { preHandler: requirePendingSignIn, schema: { body: CodeForm } }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending?.factors.emailCodes) return gate.startOver(request, reply);
    const { user, factors } = pending;
    return gate.checkCode({
      request,
      reply,
      user,
      way: 'email_code',
      check: async () => {
        const hash = emailCodes.hashTyped(request.body.code);
        // One conditional DELETE: the code works once, for this pending sign-in, until it expires.
        const ok = hash !== null && (await useEmailCode(ctx.db, request.session!.id, hash, ctx.clock.now()));
        return ok ? { ok: true } : { ok: false, reason: 'wrong', message: request.t.login.email.wrong };
      },
      show: (error, status) => showEmailPage(request, reply, factors, error, status),
      rememberDevice: request.body.remember_device,
    });
  });
};
