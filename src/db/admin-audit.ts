/**
 * The admin audit log (migration 020): every action an operator takes in the console at /admin, and the CLI's
 * role commands. Append-only: nothing here updates or deletes a row. Never a secret in `detail`.
 */
import type { Kysely } from 'kysely';
import type { AdminAuditEntry, Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * Every action. The words the console shows for each are in the message catalogue (`admin.audit.actions` in
 * src/i18n/<locale>/admin.ts); the JSON lines export names them as they are here.
 */
export const ADMIN_ACTIONS = [
  'admin_granted',
  'admin_revoked',
  'account_suspended',
  'account_reactivated',
  'lockout_cleared',
  'factors_reset',
  'sessions_ended',
  'reset_link_sent',
  'confirmation_resent',
  'group_added',
  'group_removed',
  'account_deleted',
  'app_added',
  'app_changed',
  'app_secret_rotated',
  'app_removed',
  'mail_sent_again',
  'sms_resumed',
] as const;

export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export function isAdminAction(value: string): value is AdminAction {
  return (ADMIN_ACTIONS as readonly string[]).includes(value);
}

export interface AdminActionInput {
  action: AdminAction;
  now: number;
  /** The admin who acted (null and `cli (…)` for the CLI). */
  actor: { id: number | null; name: string };
  /** The person acted on, if any. */
  target?: { id: number; username: string } | null;
  /** What was chosen (a group, an app's client_id…), never a secret. */
  detail?: Record<string, string | number | boolean | null> | null;
  ip?: string | null;
  requestId?: string | null;
}

export async function recordAdminAction(db: Db, e: AdminActionInput): Promise<void> {
  await db
    .insertInto('admin_audit')
    .values({
      created_at: e.now,
      actor_user_id: e.actor.id,
      actor: e.actor.name,
      action: e.action,
      target_user_id: e.target?.id ?? null,
      target: e.target?.username ?? null,
      detail: e.detail ? JSON.stringify(e.detail) : null,
      ip: e.ip ?? null,
      request_id: e.requestId ?? null,
    })
    .execute();
}

export interface AuditFilter {
  action?: AdminAction;
  /** The admin who acted, by account id. */
  actorId?: number;
  /** The person acted on, by account id. */
  targetId?: number;
}

/** Entries newest first, `limit` of them, older than the entry `beforeId` (keyset pages: no OFFSET to scan). */
export async function listAdminAudit(db: Db, filter: AuditFilter, page: { beforeId?: number; limit: number }): Promise<AdminAuditEntry[]> {
  let query = db.selectFrom('admin_audit').selectAll();
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.actorId !== undefined) query = query.where('actor_user_id', '=', filter.actorId);
  if (filter.targetId !== undefined) query = query.where('target_user_id', '=', filter.targetId);
  if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId);
  return query.orderBy('id', 'desc').limit(page.limit).execute();
}
