/**
 * The console's mail (src/features/admin): how much mail is waiting, was sent and failed, the failed mail with why,
 * and "Send again" — what `npm run admin -- mail list --failed` and `mail retry` do, from the browser. Only a
 * mail's metadata is read (src/db/mail-outbox.ts `listUndeliveredMail`): what it says is sealed and may carry a
 * link or code, and the console never opens it. "Send again" only puts the mail back in the queue; the outbox
 * worker delivers it as any other (a link that expired meanwhile is replaced by the notice that says so).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { recordAdminAction } from '../../db/admin-audit.js';
import { failedMailCount, listUndeliveredMail, MAIL_RECORD_RETENTION_MS, pendingMailCount, requeueFailedMail, sentMailCountSince } from '../../db/mail-outbox.js';
import { formSchema, rowId } from '../../http/form-schema.js';
import { requireStepUp, steppedUp } from './guard.js';
import { mailPage } from './mail-views.js';
import { CONSOLE_STYLES } from './views.js';
import { CONSOLE_MAIL_PATH } from '../../lib/paths.js';

/** Mail ids an audit entry lists at most ("Send all again" may requeue thousands). */
const AUDITED_MAIL_IDS = 100;

/** Failed mail listed on the page, newest first; the count above says how many there are in all. */
export const FAILED_MAIL_SHOWN = 100;

const MailParams = z.object({ id: rowId() });
const EmptyForm = formSchema({});

export const mailRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(CONSOLE_MAIL_PATH, async (request, reply) => {
    const t = request.t;
    const now = ctx.clock.now();
    const [waiting, sent, failed, failedMail] = await Promise.all([
      pendingMailCount(ctx.db),
      sentMailCountSince(ctx.db, now - MAIL_RECORD_RETENTION_MS),
      failedMailCount(ctx.db),
      listUndeliveredMail(ctx.db, { failedOnly: true, limit: FAILED_MAIL_SHOWN }),
    ]);
    return reply.page(
      t.admin.mail.title,
      mailPage(t, { waiting, sent, failed, failedMail, keptMs: MAIL_RECORD_RETENTION_MS, now, csrfToken: reply.csrfToken(), steppedUp: steppedUp(request, now) }),
      { styles: CONSOLE_STYLES },
    );
  });

  const stepUp = requireStepUp(ctx, () => CONSOLE_MAIL_PATH);

  /** Queues failed mail again (`ids`, or all when null), records it, wakes the worker, and says how much went back. */
  async function sendAgain(request: FastifyRequest, ids: number[] | null): Promise<string> {
    const t = request.t;
    const admin = request.user!;
    // The mail back in the queue and its audit entry: both, or neither.
    const requeued = await ctx.db.transaction().execute(async (trx) => {
      const queued = await requeueFailedMail(trx, ids, ctx.clock.now());
      if (queued.length > 0) {
        await recordAdminAction(trx, {
          action: 'mail_sent_again',
          now: ctx.clock.now(),
          actor: { id: admin.id, name: admin.username },
          // The ids of a long list are cut short; the count is whole.
          detail: { ids: queued.slice(0, AUDITED_MAIL_IDS).join(',') + (queued.length > AUDITED_MAIL_IDS ? ',…' : ''), count: queued.length },
          ip: request.ip,
          requestId: request.id,
        });
      }
      return queued;
    });
    if (requeued.length === 0) return t.admin.mail.flash.nothing;
    ctx.mail.kick();
    return t.admin.mail.flash.queued(requeued.length);
  }

  app.post<{ Params: z.infer<typeof MailParams> }>(
    `${CONSOLE_MAIL_PATH}/:id/send-again`,
    { schema: { params: MailParams, body: EmptyForm }, preHandler: stepUp },
    async (request, reply) => {
      const message = await sendAgain(request, [Number(request.params.id)]);
      return reply.flash('success', message).redirect(CONSOLE_MAIL_PATH, 303);
    },
  );

  app.post(`${CONSOLE_MAIL_PATH}/send-again`, { schema: { body: EmptyForm }, preHandler: stepUp }, async (request, reply) => {
    const message = await sendAgain(request, null);
    return reply.flash('success', message).redirect(CONSOLE_MAIL_PATH, 303);
  });
};
