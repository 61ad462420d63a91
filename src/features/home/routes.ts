/** Home (`/`): signed-in users only. */
import type { FastifyPluginAsync } from 'fastify';
import { factorsOf, hasSecondFactor } from '../../auth/factors.js';
import { requireUser } from '../../auth/guards.js';
import type { AppContext } from '../../context.js';
import { html } from '../../views/html.js';
import { EDIT_PROFILE_PATH, HOME_PATH, profilePath, SECURITY_PATH } from '../../lib/paths.js';

export const homeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(HOME_PATH, { preHandler: requireUser }, async (request, reply) => {
    const user = request.user!;
    const h = request.t.common.home;
    // The security page's rule: a passkey or an authenticator app counts as much as SMS codes.
    const twoFactorOn = hasSecondFactor(await factorsOf(ctx.db, user));
    return reply.page(
      h.title,
      html`<h1>${h.hi(user.first_name)}</h1>
<p>${h.signedInAs(user.username)}</p>
<ul class="actions">
  <li><a href="${profilePath(user.username)}">${h.yourProfile}</a></li>
  <li><a href="${EDIT_PROFILE_PATH}">${h.editProfile}</a></li>
  <li>${twoFactorOn ? html`${h.twoFactorOn} <a href="${SECURITY_PATH}">${h.manageTwoFactor}</a>` : html`<a href="${SECURITY_PATH}">${h.turnOnTwoFactor}</a>`}</li>
</ul>`,
    );
  });
};
