/**
 * The console's text messages (src/features/admin): the SMS circuit breaker (open or closed, until when, why) with
 * "Resume", the hourly budget in use, and the code sends of the last 7 days by country (src/db/sms-sends.ts). The
 * breaker and the budget are the SmsGuard's (src/auth/limits.ts): in Redis when REDIS_URL is set, so every
 * instance shows and resumes the same one; in this instance's memory otherwise.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../context.js';
import { recordAdminAction } from '../../db/admin-audit.js';
import { countSmsSends, SMS_SEND_RETENTION_MS } from '../../db/sms-sends.js';
import { formSchema } from '../../http/form-schema.js';
import { days, hours } from '../../lib/duration.js';
import { requireStepUp, steppedUp } from './guard.js';
import { smsPage } from './sms-views.js';
import { CONSOLE_STYLES } from './views.js';
import { CONSOLE_SMS_PATH } from '../../lib/paths.js';

const EmptyForm = formSchema({});

export const smsRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(CONSOLE_SMS_PATH, async (request, reply) => {
    const t = request.t;
    const now = ctx.clock.now();
    // Whole UTC days: today and the six before it; whole hours: this one and the 23 before it.
    const firstDay = Math.floor(now / days(1)) * days(1) - days(6);
    const firstHour = Math.floor(now / hours(1)) * hours(1) - hours(23);
    const [breaker, budget, perDay, perHour] = await Promise.all([
      ctx.limits.sms.breakerState(),
      ctx.limits.sms.budgetState(),
      countSmsSends(ctx.db, firstDay, days(1)),
      countSmsSends(ctx.db, firstHour, hours(1)),
    ]);
    return reply.page(
      t.admin.sms.title,
      smsPage(t, {
        breaker,
        budget,
        allowedCountries: ctx.config.sms.allowedCountries,
        sharedStore: ctx.limits.usesRedis,
        perDay,
        perHour,
        firstDay,
        firstHour,
        keptMs: SMS_SEND_RETENTION_MS,
        now,
        csrfToken: reply.csrfToken(),
        steppedUp: steppedUp(request, now),
      }),
      { styles: CONSOLE_STYLES },
    );
  });

  app.post(`${CONSOLE_SMS_PATH}/resume`, { schema: { body: EmptyForm }, preHandler: requireStepUp(ctx, () => CONSOLE_SMS_PATH) }, async (request, reply) => {
    const t = request.t;
    const resumed = await ctx.limits.sms.resume();
    if (resumed === null) return reply.flash('success', t.admin.sms.flash.notPaused).redirect(CONSOLE_SMS_PATH, 303);
    const admin = request.user!;
    await recordAdminAction(ctx.db, {
      action: 'sms_resumed',
      now: ctx.clock.now(),
      actor: { id: admin.id, name: admin.username },
      detail: { reason: resumed.reason?.kind ?? null, budget_restarted: resumed.budgetRestarted },
      ip: request.ip,
      requestId: request.id,
    });
    return reply.flash('success', t.admin.sms.flash.resumed).redirect(CONSOLE_SMS_PATH, 303);
  });
};
