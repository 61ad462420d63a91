/**
 * /dev/outbox: every SMS, voice call and email the development adapters
 * "sent", newest first, so a developer can sign up and use 2FA without a phone
 * or a mailbox. Registered only outside production, and answering only loopback clients.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { findDevMessage, listDevMessages } from '../../db/dev-outbox.js';
import { isLoopbackAddress } from '../../lib/net.js';
import { notFoundPage } from '../../views/error-pages.js';
import { timeAgo } from '../../views/time-ago.js';
import { html } from '../../views/html.js';
import { DEV_OUTBOX_PATH } from '../../lib/paths.js';

const MessageParams = z.object({ id: z.coerce.number().int().positive() });

/** The Host a loopback browser sends: APP_URL's host, or a loopback name with any port. */
function isOwnHost(host: string, appUrl: string): boolean {
  if (host === new URL(appUrl).host) return true;
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || isLoopbackAddress(name);
}

/** A reverse proxy on this machine makes every visitor look local; its forwarding headers give it away. */
function isForwarded(headers: Record<string, unknown>): boolean {
  return ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host'].some((h) => headers[h] !== undefined);
}

export const devOutboxRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  // Development stand-ins answer only this machine, even outside production: a dev
  // server exposed by mistake (HOST=0.0.0.0) must not show its codes and reset links to
  // the network. The socket address is used, never X-Forwarded-For.
  app.addHook('onRequest', async (request, reply) => {
    // The Host check stops DNS rebinding: a web page on evil.example re-pointed at 127.0.0.1.
    if (!isLoopbackAddress(request.socket.remoteAddress) || !isOwnHost(request.host, ctx.config.appUrl) || isForwarded(request.headers)) {
      return reply.callNotFound();
    }
  });

  app.get(DEV_OUTBOX_PATH, async (request, reply) => {
    const messages = await listDevMessages(ctx.db);
    const now = ctx.clock.now();
    const t = request.t;
    const d = t.common.devOutbox;
    return reply.page(
      d.title,
      html`<h1>${d.heading}</h1>
<p class="hint">${d.intro}</p>
${messages.length === 0 ? html`<p>${d.empty}</p>` : ''}
<ol class="outbox">
${messages.map(
  (m) => html`<li class="outbox-item" data-kind="${m.kind}" data-recipient="${m.recipient}">
  <p class="outbox-meta"><strong>${d.kinds[m.kind]}</strong> ${d.to} <span class="recipient">${m.recipient}</span> · ${timeAgo(t, m.created_at, now)}</p>
  <p class="outbox-subject">${m.subject}</p>
  <pre class="outbox-body">${m.text_body}</pre>
  ${m.html_body ? html`<p><a href="${DEV_OUTBOX_PATH}/${m.id}/html" target="_blank" rel="noopener">${d.viewHtml}</a></p>` : ''}
</li>`,
)}
</ol>`,
    );
  });

  app.get<{ Params: z.infer<typeof MessageParams> }>(`${DEV_OUTBOX_PATH}/:id/html`, { schema: { params: MessageParams } }, async (request, reply) => {
    const message = await findDevMessage(ctx.db, request.params.id);
    if (!message?.html_body) return reply.page(request.t.common.errors.notFoundTitle, notFoundPage(request.t), { status: 404 });
    // The mail's own markup, in a sandbox: no scripts, no same-origin access.
    return reply
      .header('content-security-policy', "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'")
      .header('content-type', 'text/html; charset=utf-8')
      .send(message.html_body);
  });
};
