/**
 * Finishing a sign-in with a code by SMS or voice call, to the main phone or
 * the backup phone. The pending session remembers which number got the last
 * code (`sessions.code_sent_to`), and the code is checked against that number
 * only. One 30-second wait covers both numbers, so switching between them
 * sends no more codes than asking one would.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkGaveNoVerdict } from '../../../adapters/verify/types.js';
import { signInFactors, type AccountFactors } from '../../../auth/factors.js';
import { requirePendingSignIn } from '../../../auth/guards.js';
import { accountKey } from '../../../auth/lockout.js';
import { codeSentMessage, codesLocked, maskPhone, normalizeCode, resendTooSoonMessage, resendWaitMs, sendCode } from '../../../auth/two-factor.js';
import type { AppContext } from '../../../context.js';
import type { Session, User } from '../../../db/schema.js';
import { setSessionCodeSentAt, type CodeDestination } from '../../../db/sessions.js';
import { checkbox, field, formSchema } from '../../../http/form-schema.js';
import type { Messages } from '../../../i18n/messages.js';
import { codeEntry, countdownNote } from '../../../views/code-entry.js';
import { csrfField } from '../../../views/forms.js';
import { html } from '../../../views/html.js';
import type { SignInGate } from '../gate.js';
import { signInFooter } from '../views.js';
import { SIGN_IN_WAY_PATHS } from '../../../lib/paths.js';

const CodeForm = formSchema({ code: field(100), remember_device: checkbox() });
const ResendForm = formSchema({ channel: z.enum(['sms', 'call']), to: z.enum(['main', 'backup']).optional() });

/** Which of the account's numbers a code goes to. */
type Phone = Exclude<CodeDestination, 'email'>;

/** The number a pending sign-in's code went to (the main one unless the backup was asked for and still exists). */
function phoneInUse(session: Pick<Session, 'code_sent_to'>, user: Pick<User, 'phone' | 'backup_phone'>): { which: Phone; number: string } {
  if (session.code_sent_to === 'backup' && user.backup_phone) return { which: 'backup', number: user.backup_phone };
  return { which: 'main', number: user.phone ?? '' };
}

/**
 * Sends the first SMS code of a sign-in (called right after the password, when
 * SMS is the factor offered first). Nothing is sent while codes are locked.
 * `t` is the request's catalogue: the text and any error are in its language.
 */
export async function startSmsStep(ctx: AppContext, reply: FastifyReply, user: User, sessionId: string, ip: string, t: Messages): Promise<FastifyReply> {
  const codes = await ctx.limits.code.status(accountKey(user.id));
  if (!codes.ok) return reply.flash('error', codesLocked(t, codes.retryAfterMs)).redirect(SIGN_IN_WAY_PATHS.sms);
  const sent = await sendCode(ctx, user.phone!, 'sms', { userId: user.id, ip }, t);
  if (sent.ok) await setSessionCodeSentAt(ctx.db, sessionId, ctx.clock.now(), 'main', 'sms');
  else reply.flash('error', sent.message);
  return reply.redirect(SIGN_IN_WAY_PATHS.sms);
}

export const smsWay: FastifyPluginAsync<{ ctx: AppContext; gate: SignInGate }> = async (app, { ctx, gate }) => {
  async function showSmsPage(request: FastifyRequest, reply: FastifyReply, factors: AccountFactors, error?: string, status = 200) {
    const session = request.session!;
    const phone = phoneInUse(session, request.sessionUser!);
    const wait = Math.ceil(resendWaitMs(session.code_sent_at, ctx.clock.now()) / 1000);
    const sentToPhone = session.code_sent_at !== null && session.code_sent_to !== 'email';
    const t = request.t;
    const m = t.login.sms;
    const which = phone.which === 'backup' ? m.yourBackupPhone : m.yourPhone;
    return reply.page(
      m.title,
      codeEntry(t, {
        heading: m.heading,
        intro: sentToPhone ? m.sentTo(which, maskPhone(phone.number)) : m.askFor(which, maskPhone(phone.number)),
        csrfToken: reply.csrfToken(),
        action: SIGN_IN_WAY_PATHS.sms,
        resendAction: `${SIGN_IN_WAY_PATHS.sms}/resend`,
        resendFields: html`<input type="hidden" name="to" value="${phone.which}">`,
        resendWaitSeconds: wait,
        error,
        rememberDevice: true,
        footer: html`${phone.which === 'backup'
          ? html`<form method="post" action="${SIGN_IN_WAY_PATHS.sms}/resend" class="inline">${csrfField(reply.csrfToken())}<input type="hidden" name="to" value="main"><button type="submit" name="channel" value="sms" class="link-button">${m.mainPhoneInstead}</button></form>`
          : ''}${gate.otherWays(t, factors, phone.which === 'backup' ? ['sms', 'backupPhone'] : 'sms')}${signInFooter(t, reply.csrfToken())}`,
      }),
      { status, scripts: ['/static/js/countdown.js'], noReferrer: true },
    );
  }

  /** The sign-in's first page after the password: the factor used last (or the strongest) first. */
  app.get(SIGN_IN_WAY_PATHS.sms, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending) return gate.startOver(request, reply);
    if (!pending.factors.sms) {
      const [first] = signInFactors(pending.user, pending.factors);
      return first ? reply.redirect(SIGN_IN_WAY_PATHS[first]) : gate.startOver(request, reply);
    }
    return showSmsPage(request, reply, pending.factors);
  });

  app.post<{ Body: z.infer<typeof CodeForm> }>(SIGN_IN_WAY_PATHS.sms, { preHandler: requirePendingSignIn, schema: { body: CodeForm } }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending?.factors.sms) return gate.startOver(request, reply);
    const { user, factors } = pending;
    const code = normalizeCode(request.body.code);
    const phone = phoneInUse(request.session!, user);
    return gate.checkCode({
      request,
      reply,
      user,
      // A code read out by a voice call is a different method from a text (RFC 8176: `tel`, not `sms`).
      way: request.session!.code_sent_by === 'call' ? 'call' : 'sms',
      check: async () => {
        const result = code ? await ctx.verify.check(phone.number, code) : ({ ok: false, reason: 'wrong_code' } as const);
        if (result.ok) return { ok: true };
        return { ok: false, reason: checkGaveNoVerdict(result.reason) ? 'unavailable' : 'wrong', message: request.t.codes.checkFailure[result.reason] };
      },
      show: (error, status) => showSmsPage(request, reply, factors, error, status),
      rememberDevice: request.body.remember_device,
    });
  });

  app.post<{ Body: z.infer<typeof ResendForm> }>(`${SIGN_IN_WAY_PATHS.sms}/resend`, { preHandler: requirePendingSignIn, schema: { body: ResendForm } }, async (request, reply) => {
    const session = request.session!;
    const pending = await gate.pending(request);
    if (!pending?.factors.sms) return gate.startOver(request, reply);
    const { user } = pending;
    const t = request.t;
    // "Send again" goes where the last code went, unless the form names the other phone.
    const to: Phone = (request.body.to ?? phoneInUse(session, user).which) === 'backup' && user.backup_phone ? 'backup' : 'main';
    const back = to === 'backup' && session.code_sent_to !== 'backup' ? SIGN_IN_WAY_PATHS.backupPhone : SIGN_IN_WAY_PATHS.sms;
    const tooSoon = resendTooSoonMessage(t, session.code_sent_at, ctx.clock.now());
    if (tooSoon) return reply.flash('error', tooSoon).redirect(back);
    const codes = await ctx.limits.code.status(accountKey(user.id));
    if (!codes.ok) return reply.flash('error', codesLocked(t, codes.retryAfterMs)).redirect(back);
    const sent = await sendCode(ctx, to === 'backup' ? user.backup_phone! : user.phone!, request.body.channel, { userId: user.id, ip: request.ip }, t);
    if (!sent.ok) return reply.flash('error', sent.message).redirect(back);
    await setSessionCodeSentAt(ctx.db, session.id, ctx.clock.now(), to, request.body.channel);
    return reply.flash('info', codeSentMessage(t, request.body.channel)).redirect(SIGN_IN_WAY_PATHS.sms);
  });

  // "Try another way" → the backup phone: a page that sends nothing until asked (a GET must not send a text).
  app.get(SIGN_IN_WAY_PATHS.backupPhone, { preHandler: requirePendingSignIn }, async (request, reply) => {
    const pending = await gate.pending(request);
    if (!pending?.factors.backupPhone) return reply.redirect(SIGN_IN_WAY_PATHS.sms);
    const wait = Math.ceil(resendWaitMs(request.session!.code_sent_at, ctx.clock.now()) / 1000);
    const t = request.t;
    const m = t.login.backupPhone;
    return reply.page(
      m.title,
      html`<h1>${m.heading}</h1>
<p>${m.intro(maskPhone(pending.user.backup_phone!))}</p>
<form method="post" action="${SIGN_IN_WAY_PATHS.sms}/resend" class="form">
  ${csrfField(reply.csrfToken())}
  <input type="hidden" name="to" value="backup">
  <button type="submit" name="channel" value="sms" class="button primary" data-countdown="${wait}">${m.textMe}</button>
  <button type="submit" name="channel" value="call" class="button" data-countdown="${wait}">${m.callMe}</button>
  ${countdownNote(t, wait)}
</form>
${gate.otherWays(t, pending.factors, 'backupPhone')}
${signInFooter(t, reply.csrfToken())}`,
      { scripts: ['/static/js/countdown.js'], noReferrer: true },
    );
  });
};
