/** The console's audit log (src/features/admin): the page with its filters, and the JSON lines export. */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { rowId, searchText } from '../../http/form-schema.js';
import { ADMIN_ACTIONS, listAdminAudit, type AuditFilter } from '../../db/admin-audit.js';
import { findUserByUsername } from '../../db/users.js';
import { auditPage } from './audit-views.js';
import { CONSOLE_STYLES } from './views.js';
import { CONSOLE_PATH } from '../../lib/paths.js';

/** Audit entries per page. */
export const AUDIT_PAGE_SIZE = 50;
/** Audit entries read at a time by the JSON lines export (it streams; the log may be long). */
const AUDIT_EXPORT_BATCH = 500;

const AuditQuery = z.object({
  action: z.union([z.enum(ADMIN_ACTIONS), z.literal('')]).optional(),
  person: searchText(200).optional(),
  actor: searchText(200).optional(),
  before: rowId().optional(),
});

export const auditRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const page = { styles: CONSOLE_STYLES };

  /** The filter a query names: an action, and accounts by username (null when a name matches no account). */
  async function auditFilterOf(query: z.infer<typeof AuditQuery>): Promise<{ filter: AuditFilter; unknown: string | null }> {
    const filter: AuditFilter = {};
    if (query.action) filter.action = query.action;
    for (const [field, name] of [
      ['targetId', query.person?.trim()],
      ['actorId', query.actor?.trim()],
    ] as const) {
      if (!name) continue;
      const user = await findUserByUsername(ctx.db, name);
      if (!user) return { filter, unknown: name };
      filter[field] = user.id;
    }
    return { filter, unknown: null };
  }

  function auditQueryString(query: z.infer<typeof AuditQuery>, extra: Record<string, string> = {}): string {
    const params = new URLSearchParams();
    if (query.action) params.set('action', query.action);
    if (query.person?.trim()) params.set('person', query.person.trim());
    if (query.actor?.trim()) params.set('actor', query.actor.trim());
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    const text = params.toString();
    return text ? `?${text}` : '';
  }

  app.get<{ Querystring: z.infer<typeof AuditQuery> }>(`${CONSOLE_PATH}/audit`, { schema: { querystring: AuditQuery } }, async (request, reply) => {
    const t = request.t;
    const query = request.query;
    const { filter, unknown } = await auditFilterOf(query);
    const entries =
      unknown === null ? await listAdminAudit(ctx.db, filter, { beforeId: query.before ? Number(query.before) : undefined, limit: AUDIT_PAGE_SIZE + 1 }) : [];
    const more = entries.length > AUDIT_PAGE_SIZE;
    const shown = more ? entries.slice(0, AUDIT_PAGE_SIZE) : entries;
    return reply.page(
      t.admin.audit.title,
      auditPage(t, {
        entries: shown,
        filter: { action: query.action ?? '', person: query.person?.trim() ?? '', actor: query.actor?.trim() ?? '' },
        problem: unknown === null ? null : t.admin.audit.unknownUser(unknown),
        nextHref: more ? `${CONSOLE_PATH}/audit${auditQueryString(query, { before: String(shown[shown.length - 1]!.id) })}` : null,
        exportHref: `${CONSOLE_PATH}/audit/export${auditQueryString(query)}`,
        now: ctx.clock.now(),
      }),
      page,
    );
  });

  // JSON lines (one entry per line, newest first), streamed a batch at a time; the same filters as the page.
  app.get<{ Querystring: z.infer<typeof AuditQuery> }>(`${CONSOLE_PATH}/audit/export`, { schema: { querystring: AuditQuery } }, async (request, reply) => {
    const { filter, unknown } = await auditFilterOf(request.query);
    async function* lines(): AsyncGenerator<string> {
      if (unknown !== null) return;
      let beforeId: number | undefined;
      for (;;) {
        const batch = await listAdminAudit(ctx.db, filter, { beforeId, limit: AUDIT_EXPORT_BATCH });
        for (const e of batch) {
          yield `${JSON.stringify({
            id: e.id,
            at: new Date(e.created_at).toISOString(),
            actor: e.actor,
            actor_user_id: e.actor_user_id,
            action: e.action,
            target: e.target,
            target_user_id: e.target_user_id,
            detail: e.detail === null ? null : (JSON.parse(e.detail) as unknown),
            ip: e.ip,
            request_id: e.request_id,
          })}\n`;
        }
        if (batch.length < AUDIT_EXPORT_BATCH) return;
        beforeId = batch[batch.length - 1]!.id;
      }
    }
    const day = new Date(ctx.clock.now()).toISOString().slice(0, 10);
    return reply
      .header('content-type', 'application/jsonl; charset=utf-8')
      .header('content-disposition', `attachment; filename="gatehouse-audit-${day}.jsonl"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines()));
  });
};
