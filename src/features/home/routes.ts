/** Home (`/`): signed-in users only. */
import type { FastifyPluginAsync } from 'fastify';
import { requireUser } from '../../auth/guards.js';
import type { AppContext } from '../../context.js';
import { html } from '../../views/html.js';

export const homeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app) => {
  app.get('/', { preHandler: requireUser }, async (request, reply) => {
    const user = request.user!;
    const h = request.t.common.home;
    return reply.page(
      h.title,
      html`<h1>${h.hi(user.first_name)}</h1>
<p>${h.signedInAs(user.username)}</p>
<ul class="actions">
  <li><a href="/user/${encodeURIComponent(user.username)}">${h.yourProfile}</a></li>
  <li><a href="/profile/edit">${h.editProfile}</a></li>
  <li>${user.two_factor_enabled ? h.twoFactorOn : html`<a href="/two-factor/sms/enable">${h.turnOnTwoFactor}</a>`}</li>
</ul>`,
    );
  });
};
