/**
 * The append-only log of security events shown on the security page: sign-ins,
 * failed attempts, factor and password changes, recovery. It records what
 * happened, when, and from where (IP, User-Agent); never a password, code,
 * token or key. Rows are only inserted, and deleted after SECURITY_EVENT_RETENTION_MS.
 */
import type { Kysely } from 'kysely';
import { days } from '../lib/duration.js';
import type { Database, SecurityEvent } from './schema.js';
import { MAX_USER_AGENT_LENGTH } from './sessions.js';

type Db = Kysely<Database>;

/** How long events are kept (and shown). */
export const SECURITY_EVENT_RETENTION_MS = days(90);

/** Every kind of event, with the words the security page shows for it. */
export const SECURITY_EVENT_KINDS = {
  sign_in: 'Signed in',
  sign_in_failed: 'Wrong password at sign-in',
  code_failed: 'Wrong second-factor code at sign-in',
  password_changed: 'Password changed',
  password_reset: 'Password reset by email',
  sms_enabled: 'Text-message codes turned on',
  sms_disabled: 'Text-message codes turned off',
  totp_enabled: 'Authenticator app added',
  totp_disabled: 'Authenticator app removed',
  recovery_codes_generated: 'New recovery codes made',
  recovery_code_used: 'Signed in with a recovery code',
  factors_reset_by_admin: 'Second factors removed by an administrator',
  sign_in_trusted_device: 'Signed in on a remembered device',
  trusted_device_added: 'Device remembered for 30 days',
  trusted_devices_forgotten: 'Remembered devices forgotten',
  sessions_ended: 'Other sessions signed out',
  email_change_requested: 'Change of email address asked for',
  email_changed: 'Email address changed',
  new_browser_sign_in: 'Signed in from a new browser (you were told by email)',
  wasnt_me: '"This wasn\'t me" reported: signed out everywhere, password reset sent',
  recovery_requested: 'Account recovery asked for: a link was emailed to you',
  recovery_started: 'Account recovery started: second factors to be removed after the wait',
  recovery_cancelled: 'Account recovery cancelled',
  recovery_completed: 'Account recovery completed: second factors removed',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  sign_in_passkey: 'Signed in with a passkey (no password)',
  sign_in_email_code: 'Signed in with a code sent by email',
  email_codes_enabled: 'Email codes turned on (fallback)',
  email_codes_disabled: 'Email codes turned off',
  backup_phone_added: 'Backup phone added',
  backup_phone_removed: 'Backup phone removed',
} as const;

export type SecurityEventKind = keyof typeof SECURITY_EVENT_KINDS;

export interface SecurityEventInput {
  userId: number;
  kind: SecurityEventKind;
  now: number;
  ip: string | null;
  userAgent: string | null;
}


export async function recordSecurityEvent(db: Db, e: SecurityEventInput): Promise<void> {
  await db
    .insertInto('security_events')
    .values({ user_id: e.userId, kind: e.kind, created_at: e.now, ip: e.ip, user_agent: e.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null })
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

/** The user's events since `since`, newest first, at most `limit`. */
export async function recentSecurityEvents(db: Db, userId: number, since: number, limit = 100): Promise<SecurityEvent[]> {
  return db
    .selectFrom('security_events')
    .selectAll()
    .where('user_id', '=', userId)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
