/**
 * The append-only log of security events shown on the security page: sign-ins,
 * failed attempts, factor and password changes, recovery. It records what
 * happened, when, and from where (IP, User-Agent); never a password, code,
 * token or key. Rows are only inserted, and deleted after SECURITY_EVENT_RETENTION_MS.
 */
import { sql, type Kysely } from 'kysely';
import { days } from '../lib/duration.js';
import type { Database, SecurityEvent } from './schema.js';
import { MAX_USER_AGENT_LENGTH } from './sessions.js';

type Db = Kysely<Database>;

/** How long events are kept (and shown). */
export const SECURITY_EVENT_RETENTION_MS = days(90);

/**
 * Every kind of event. The words the security page shows for each are in the
 * message catalogue (`security.events` in src/i18n/<locale>/security.ts).
 */
export const SECURITY_EVENT_KINDS = [
  'sign_in',
  'sign_in_failed',
  'code_failed',
  'password_changed',
  'password_reset',
  'sms_enabled',
  'sms_disabled',
  'totp_enabled',
  'totp_disabled',
  'recovery_codes_generated',
  'recovery_code_used',
  'factors_reset_by_admin',
  'sign_in_trusted_device',
  'trusted_device_added',
  'trusted_devices_forgotten',
  'sessions_ended',
  'email_change_requested',
  'email_changed',
  'new_browser_sign_in',
  'wasnt_me',
  'recovery_requested',
  'recovery_started',
  'recovery_cancelled',
  'recovery_completed',
  'passkey_added',
  'passkey_removed',
  'sign_in_passkey',
  'sign_in_email_code',
  'email_codes_enabled',
  'email_codes_disabled',
  'backup_phone_added',
  'backup_phone_removed',
  'oidc_first_sign_in',
  'oidc_consent',
  'oidc_access_removed',
  'lockout_cleared_by_admin',
  'sessions_ended_by_admin',
  'reset_link_sent_by_admin',
  'confirmation_resent_by_admin',
  'group_added_by_admin',
  'group_removed_by_admin',
  'account_suspended_by_admin',
  'account_reactivated_by_admin',
  'sign_in_locked',
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/**
 * The events of a completed sign-in: `completeSignIn` (src/auth/sign-in.ts) writes exactly one of these for each,
 * whichever way it went (a password alone or with a second step, a remembered browser, a passkey, a code by mail,
 * a recovery code), so counting them counts sign-ins once each. The console's overview charts count them.
 */
export const SIGN_IN_EVENT_KINDS = ['sign_in', 'sign_in_trusted_device', 'sign_in_passkey', 'sign_in_email_code', 'recovery_code_used'] as const satisfies readonly SecurityEventKind[];

/** The events about one app: they name it (`client_id`), and the activity log says which app it was. */
export const APP_EVENT_KINDS = ['oidc_first_sign_in', 'oidc_consent', 'oidc_access_removed'] as const satisfies readonly SecurityEventKind[];

export type AppEventKind = (typeof APP_EVENT_KINDS)[number];

export interface SecurityEventInput {
  userId: number;
  kind: SecurityEventKind;
  now: number;
  ip: string | null;
  userAgent: string | null;
  /** The app the event is about (`APP_EVENT_KINDS`), by client_id. */
  clientId?: string | null;
}

export async function recordSecurityEvent(db: Db, e: SecurityEventInput): Promise<void> {
  await db
    .insertInto('security_events')
    .values({ user_id: e.userId, kind: e.kind, created_at: e.now, ip: e.ip, user_agent: e.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null, client_id: e.clientId ?? null })
    .execute();
}

/** When the user's newest event of this kind happened, if one is kept (90 days). */
export async function latestSecurityEventAt(db: Db, userId: number, kind: SecurityEventKind): Promise<number | null> {
  const row = await db
    .selectFrom('security_events')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

/**
 * An event as listed. `app_name`: the app's name now (an operator may have renamed it since), for an event that
 * names an app; null when it names none, or names one that was removed since (`client_id` set, no app).
 */
export type ListedSecurityEvent = SecurityEvent & { app_name: string | null };

/** The user's events since `since`, newest first, at most `limit`. */
export async function recentSecurityEvents(db: Db, userId: number, since: number, limit = 100): Promise<ListedSecurityEvent[]> {
  return db
    .selectFrom('security_events as e')
    .leftJoin('oidc_apps as app', 'app.client_id', 'e.client_id')
    .selectAll('e')
    .select('app.name as app_name')
    .where('e.user_id', '=', userId)
    .where('e.created_at', '>=', since)
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit)
    .execute();
}

/** Events of one kind counted in one time bucket (its start). */
export interface SecurityEventCount {
  bucket: number;
  kind: SecurityEventKind;
  n: number;
}

/**
 * Events of these kinds since `since`, counted per `bucketMs` (an hour, a day: UTC, as the buckets start at
 * multiples of it) and kind; buckets without events are absent. One range per kind on the (kind, created_at) index
 * of migration 025, which holds both columns, so the table itself is not read.
 */
export async function countSecurityEvents(db: Db, kinds: readonly SecurityEventKind[], since: number, bucketMs: number): Promise<SecurityEventCount[]> {
  if (kinds.length === 0) return [];
  // Integer division on both databases: created_at is an integer (SQLite) or bigint (PostgreSQL).
  const bucket = sql<number>`(created_at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
  const rows = await db
    .selectFrom('security_events')
    .select([bucket.as('bucket'), 'kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('kind', 'in', kinds)
    .where('created_at', '>=', since)
    .groupBy([bucket, 'kind'])
    .execute();
  return rows.map((r) => ({ bucket: Number(r.bucket), kind: r.kind as SecurityEventKind, n: Number(r.n) }));
}
