/** Home (`/`): signed-in users only. */
import type { FastifyPluginAsync } from 'fastify';
import { requireUser } from '../../auth/guards.js';
import type { AppContext } from '../../context.js';
import { html } from '../../views/html.js';

export const homeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app) => {
  app.get('/', { preHandler: requireUser }, async (request, reply) => {
    const user = request.user!;
    return reply.page(
      'Home',
      html`<h1>Hi, ${user.first_name}!</h1>
<p>You are signed in as <strong>${user.username}</strong>.</p>
<ul class="actions">
  <li><a href="/user/${encodeURIComponent(user.username)}">Your profile</a></li>
  <li><a href="/profile/edit">Edit profile</a></li>
  <li>${user.two_factor_enabled ? html`Two-factor authentication is <strong>on</strong>.` : html`<a href="/two-factor/sms/enable">Turn on two-factor authentication</a>`}</li>
</ul>`,
    );
  });
};
