/**
 * Step-up (/reauthenticate): where requireRecentAuthentication (src/auth/step-up.ts) sends a session that has not
 * proved the password in the last 10 minutes before a change that needs it; the right password opens the window
 * under a new session id and goes back to the page that asked.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { requireUser } from '../../auth/guards.js';
import { checkCurrentPassword } from '../../auth/reauthenticate.js';
import { safeNextPath } from '../../auth/redirects.js';
import { renewSession, signedOutMeanwhile } from '../../auth/session.js';
import type { AppContext } from '../../context.js';
import { field, formSchema } from '../../http/form-schema.js';
import { REAUTHENTICATE_PATH, SECURITY_PATH } from '../../lib/paths.js';
import { reauthenticatePage } from './views.js';

const ReauthForm = formSchema({ password: field(4096), next: field(2000).optional() });

export const reauthenticateRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  function showReauth(request: FastifyRequest, reply: FastifyReply, next: string, error?: string, status = 200) {
    const t = request.t;
    return reply.page(t.security.reauthenticate.title, reauthenticatePage(t, { csrfToken: reply.csrfToken(), next, error }), { status });
  }

  app.get<{ Querystring: { next?: string } }>(REAUTHENTICATE_PATH, { preHandler: requireUser }, async (request, reply) =>
    showReauth(request, reply, safeNextPath(typeof request.query.next === 'string' ? request.query.next : undefined) ?? SECURITY_PATH),
  );

  app.post<{ Body: z.infer<typeof ReauthForm> }>(REAUTHENTICATE_PATH, { preHandler: requireUser, schema: { body: ReauthForm } }, async (request, reply) => {
    const next = safeNextPath(request.body.next) ?? SECURITY_PATH;
    const checked = await checkCurrentPassword(ctx, request.user!, request.body.password, request.t);
    if (!checked.ok) return showReauth(request, reply, next, checked.message, 422);
    // The step-up window opens under a new session id: a cookie copied before the re-check cannot use it.
    if (!(await renewSession(ctx, request, reply))) return signedOutMeanwhile(ctx, request, reply);
    return reply.redirect(next);
  });
};
