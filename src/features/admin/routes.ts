/**
 * The operators' web console at /admin (issue #14, decision record 020): find a person, see why they cannot get
 * in, and (in later steps) help them; the audit log of every admin action. Three gates in guard.ts: a plain 404
 * for anyone but an admin, a second factor set up and proved, and step-up for destructive actions.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { factorsOf } from '../../auth/factors.js';
import { accountKey } from '../../auth/limits.js';
import { SESSION_IDLE_TIMEOUT_MS } from '../../auth/policy.js';
import type { AppContext } from '../../context.js';
import { consoleCounts, searchPeople } from '../../db/admin-people.js';
import { ADMIN_ACTIONS, listAdminAudit, type AuditFilter } from '../../db/admin-audit.js';
import { appsWithAccess } from '../../db/app-access.js';
import { recentSecurityEvents, SECURITY_EVENT_RETENTION_MS } from '../../db/security-events.js';
import { liveSessionsOfUser } from '../../db/sessions.js';
import { trustedDevicesOfUser } from '../../db/trusted-devices.js';
import { groupsOf } from '../../db/user-groups.js';
import { findUserById, findUserByUsername } from '../../db/users.js';
import { notFoundPage } from '../../views/error-pages.js';
import { CONSOLE_PATH, hideConsole, requireConsoleSignIn } from './guard.js';
import { auditPage, CONSOLE_STYLES, overviewPage, peoplePage, personPage, type LockoutState } from './views.js';

/** People per page of the search. */
export const PEOPLE_PAGE_SIZE = 50;
/** Audit entries per page. */
export const AUDIT_PAGE_SIZE = 50;
/** Audit entries read at a time by the JSON lines export (it streams; the log may be long). */
const AUDIT_EXPORT_BATCH = 500;

const PeopleQuery = z.object({ q: z.string().max(320).optional(), after: z.string().max(400).optional() });
const PersonParams = z.object({ id: z.string().regex(/^[0-9]{1,15}$/) });
const AuditQuery = z.object({
  action: z.union([z.enum(ADMIN_ACTIONS), z.literal('')]).optional(),
  person: z.string().max(200).optional(),
  actor: z.string().max(200).optional(),
  before: z.string().regex(/^[0-9]{1,15}$/).optional(),
});

export const adminRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', hideConsole);
  app.addHook('preHandler', requireConsoleSignIn(ctx));
  const page = { styles: CONSOLE_STYLES };

  app.get(CONSOLE_PATH, async (request, reply) => {
    const t = request.t;
    return reply.page(t.admin.overview.title, overviewPage(t, await consoleCounts(ctx.db)), page);
  });

  app.get<{ Querystring: z.infer<typeof PeopleQuery> }>(`${CONSOLE_PATH}/people`, { schema: { querystring: PeopleQuery } }, async (request, reply) => {
    const t = request.t;
    const q = (request.query.q ?? '').trim();
    const found = await searchPeople(ctx.db, q, request.query.after ?? null, PEOPLE_PAGE_SIZE);
    const nextHref = found.next === null ? null : `${CONSOLE_PATH}/people?${new URLSearchParams({ ...(q ? { q } : {}), after: found.next }).toString()}`;
    return reply.page(t.admin.people.title, peoplePage(t, { q, rows: found.rows, nextHref, now: ctx.clock.now() }), page);
  });

  app.get<{ Params: z.infer<typeof PersonParams> }>(`${CONSOLE_PATH}/people/:id`, { schema: { params: PersonParams } }, async (request, reply) => {
    const t = request.t;
    const user = await findUserById(ctx.db, Number(request.params.id));
    if (!user) return reply.page(t.common.errors.notFoundTitle, notFoundPage(t), { status: 404 });
    const now = ctx.clock.now();
    const [factors, sessions, devices, apps, groups, events, audit, lockout] = await Promise.all([
      factorsOf(ctx.db, user),
      liveSessionsOfUser(ctx.db, user.id, now, SESSION_IDLE_TIMEOUT_MS),
      trustedDevicesOfUser(ctx.db, user.id, now),
      appsWithAccess(ctx.db, user.id),
      groupsOf(ctx.db, user.id),
      recentSecurityEvents(ctx.db, user.id, now - SECURITY_EVENT_RETENTION_MS, 20),
      listAdminAudit(ctx.db, { targetId: user.id }, { limit: 20 }),
      lockoutOf(ctx, user.id),
    ]);
    return reply.page(t.admin.person.title(user.username), personPage(t, { user, factors, lockout, sessions, devices, apps, groups, events, audit, now }), page);
  });

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

/** Where the person stands with the sign-in lockouts (the account's counters; src/auth/limits.ts). */
async function lockoutOf(ctx: AppContext, userId: number): Promise<LockoutState> {
  const key = accountKey(userId);
  const [password, code, passwordFailures, codeFailures] = await Promise.all([
    ctx.limits.password.status(key),
    ctx.limits.code.status(key),
    ctx.limits.password.failureCount(key),
    ctx.limits.code.failureCount(key),
  ]);
  const verdicts = [password, code].filter((v) => !v.ok);
  let locked: LockoutState['locked'] = null;
  for (const v of verdicts) {
    if (v.ok) continue;
    if (v.retryAfterMs === null) locked = 'reset';
    else if (locked !== 'reset') locked = Math.max(locked ?? 0, v.retryAfterMs);
  }
  return { passwordFailures, codeFailures, locked };
}
