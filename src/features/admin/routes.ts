/**
 * The operators' web console at /admin (issue #14, decision record 020): find a person, see why they cannot get
 * in, and help them; the audit log of every admin action. Three gates in guard.ts: a plain 404 for anyone but an
 * admin, a second factor set up and proved, and step-up for every action that changes something. Each section is
 * a plugin of its own file; this one puts the gates in front of them all.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.js';
import { consoleCounts } from '../../db/admin-people.js';
import { consoleActivity } from './activity.js';
import { appsRoutes } from './apps.js';
import { auditRoutes } from './audit.js';
import { hideConsole, requireConsoleSignIn } from './guard.js';
import { mailRoutes } from './mail.js';
import { peopleRoutes } from './people.js';
import { smsRoutes } from './sms.js';
import { CONSOLE_STYLES, overviewPage } from './views.js';
import { CONSOLE_PATH } from '../../lib/paths.js';

export const adminRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', hideConsole);
  // Before the body is validated: an admin without a second factor sees the offer to set one up, not a 400.
  app.addHook('preValidation', requireConsoleSignIn(ctx));

  app.get(CONSOLE_PATH, async (request, reply) => {
    const t = request.t;
    const [counts, activity] = await Promise.all([consoleCounts(ctx.db), consoleActivity(ctx.db, ctx.clock.now())]);
    return reply.page(t.admin.overview.title, overviewPage(t, counts, activity), { styles: CONSOLE_STYLES });
  });

  await app.register(peopleRoutes, { ctx });
  await app.register(appsRoutes, { ctx });
  await app.register(auditRoutes, { ctx });
  await app.register(mailRoutes, { ctx });
  await app.register(smsRoutes, { ctx });
};
