/**
 * Deletes what can no longer be used: expired sessions (pending ones too),
 * reset and confirmation links, dev codes, trusted devices, security events
 * older than 90 days, answered passkey challenges past their age, and the
 * records of mail sent or given up on more than 30 days ago
 * (MAIL_RECORD_RETENTION_MS; mail still waiting is never purged), the record
 * of code sends older than 7 days (SMS_SEND_RETENTION_MS), and the
 * identity provider's expired codes, tokens, grants and sessions (a used code
 * stays until it expires: while its row exists, a replay is recognised and
 * revokes what the code gave), and signing keys no longer published (their
 * private halves go with them: a key nobody can check has nothing left to sign).
 * Rows past their end are already refused by every query; this only keeps the
 * tables from growing forever.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { purgeOldMail } from './mail-outbox.js';
import { SECURITY_EVENT_RETENTION_MS } from './security-events.js';
import { purgeOldSmsSends } from './sms-sends.js';

export async function purgeExpired(db: Kysely<Database>, now: number): Promise<number> {
  const results = await Promise.all([
    db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('password_reset_tokens').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('email_confirmation_tokens').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('dev_verifications').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('security_events').where('created_at', '<', now - SECURITY_EVENT_RETENTION_MS).executeTakeFirst(),
    db.deleteFrom('trusted_devices').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('wasnt_me_tokens').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('email_change_tokens').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('account_recovery_links').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('webauthn_used_challenges').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('email_sign_in_codes').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('oidc_signing_keys').where('published_until', '<=', now).executeTakeFirst(),
    purgeOldMail(db, now),
    purgeOldSmsSends(db, now),
  ]);
  return results.reduce((sum, r) => sum + Number(r.numDeletedRows), 0);
}
