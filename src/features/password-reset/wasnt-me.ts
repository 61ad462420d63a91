/**
 * "This wasn't me" (the link in every security notice): a page that asks for
 * one confirmation, then ends every session of the account, forgets its
 * remembered devices, takes out factors added since the oldest open notice
 * (src/auth/undo-takeover.ts), and mails a password-reset link. No sign-in is needed:
 * the link itself (256 bits, 7 days, once) proves the mailbox.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cancelRecovery } from '../../auth/account-recovery.js';
import { logSecurityEvent } from '../../auth/events.js';
import { undoFactorChangesSince } from '../../auth/undo-takeover.js';
import { signOutEverywhere } from '../../auth/sign-out-everywhere.js';
import { hashToken, looksLikeToken } from '../../lib/tokens.js';
import type { AppContext } from '../../context.js';
import { deleteTrustedDevicesOfUser } from '../../db/trusted-devices.js';
import { consumeWasntMeToken, findLiveWasntMeToken } from '../../db/wasnt-me-tokens.js';
import type { EndedSession } from '../../db/sessions.js';
import { emailTaken, findUserById, normalizeEmail } from '../../db/users.js';
import { deleteEmailChangesOfUser, setConfirmedEmail } from '../../db/email-changes.js';
import { field, formSchema } from '../../http/form-schema.js';
import { csrfField } from '../../views/forms.js';
import { html } from '../../views/html.js';
import { issueResetLink } from '../../auth/password-reset-link.js';
import { invalidLinkPage } from './views.js';
import { WASNT_ME_PATH } from '../../lib/paths.js';

const TokenParams = z.object({ token: z.string().max(200) });
const ConfirmForm = formSchema({ token: field(200) });

/** A used, expired or forged link: the reset flow's "no longer works" page. */
function linkExpired(request: FastifyRequest, reply: FastifyReply) {
  return reply.page(request.t.reset.invalidLink.title, invalidLinkPage(request.t), { status: 410, noReferrer: true });
}

export const wasntMeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get<{ Params: z.infer<typeof TokenParams> }>(`${WASNT_ME_PATH}/:token`, { schema: { params: TokenParams } }, async (request, reply) => {
    const { token } = request.params;
    const userId = looksLikeToken(token) ? await findLiveWasntMeToken(ctx.db, hashToken(token), ctx.clock.now()) : undefined;
    if (userId === undefined) return linkExpired(request, reply);
    const w = request.t.reset.wasntMe;
    return reply.page(
      w.title,
      html`<h1>${w.heading}</h1>
<p>${w.intro}</p>
<ul>
  <li>${w.signsOut}</li>
  <li>${w.forgetsDevices}</li>
  <li>${w.undoesFactors}</li>
  <li>${w.emailCodesOff}</li>
  <li>${w.mailsResetLink}</li>
</ul>
<form method="post" action="${WASNT_ME_PATH}" class="form">
  ${csrfField(reply.csrfToken())}
  <input type="hidden" name="token" value="${token}">
  <button type="submit" class="button danger">${w.submit}</button>
</form>`,
      { noReferrer: true },
    );
  });

  app.post<{ Body: z.infer<typeof ConfirmForm> }>(WASNT_ME_PATH, { schema: { body: ConfirmForm } }, async (request, reply) => {
    const { token } = request.body;
    const now = ctx.clock.now();
    let ended: EndedSession[] = [];
    const done = looksLikeToken(token)
      ? await ctx.db.transaction().execute(async (trx) => {
          const used = await consumeWasntMeToken(trx, hashToken(token), now);
          const user = used === undefined ? undefined : await findUserById(trx, used.userId);
          if (!used || !user) return false;
          ended = await signOutEverywhere(trx, user); // the intruder's apps too
          // A factor the intruder added would let them back in after the password reset (src/auth/undo-takeover.ts).
          await undoFactorChangesSince(trx, user.id, used.earliestLiveLinkAt);
          await deleteTrustedDevicesOfUser(trx, user.id);
          await deleteEmailChangesOfUser(trx, user.id); // a change of address someone else asked for dies here
          // The owner is whoever reads the address this notice went to: if the account's address was changed
          // since, it goes back (unless another account has taken it meanwhile), and the reset link goes there.
          let ownerAddress = user.email;
          if (used.sentTo !== null && normalizeEmail(used.sentTo) !== user.email_normalized && !(await emailTaken(trx, used.sentTo))) {
            await setConfirmedEmail(trx, user.id, used.sentTo, now);
            ownerAddress = used.sentTo;
          }
          // Whoever started a recovery knew the password: it must not remove the owner's factors later.
          await cancelRecovery(ctx, request, { ...user, email: ownerAddress }, 'wasnt-me', trx);
          await issueResetLink(ctx, trx, user, now, ownerAddress);
          await logSecurityEvent(ctx, request, user.id, 'wasnt_me', trx);
          return true;
        })
      : false;
    if (!done) return linkExpired(request, reply);
    ctx.mail.kick();
    await ctx.identityProvider.sessionsEnded(ended, 'account-secured');
    // This browser's session (if it was one of the account's) is gone with the others; drop its cookie too.
    request.session = null;
    request.user = null;
    const w = request.t.reset.wasntMe;
    return reply.page(
      w.doneTitle,
      html`<h1>${w.doneHeading}</h1>
<p>${w.doneText}</p>`,
      { noReferrer: true },
    );
  });
};
