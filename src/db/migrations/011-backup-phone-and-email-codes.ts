import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The last two factors of issue #5:
 *
 * - A backup phone for SMS codes (`users.backup_phone`, E.164), confirmed by a
 *   code like the main one: `phone_enrollments.kind` says which number an
 *   enrolment in progress is for. A pending sign-in remembers which of the two
 *   got its code (`sessions.code_sent_to`), so the code is checked against it.
 * - Email codes as a fallback factor, only for users who turned them on
 *   (`users.email_codes_enabled`): a 6-digit code per pending sign-in,
 *   stored as an HMAC (`email_sign_in_codes`), gone with the pending session.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';
  await db.schema.alterTable('users').addColumn('backup_phone', 'text').execute();
  await db.schema.alterTable('users').addColumn('email_codes_enabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('phone_enrollments').addColumn('kind', 'text', (c) => c.notNull().defaultTo('main')).execute();
  await db.schema.alterTable('sessions').addColumn('code_sent_to', 'text').execute();

  await db.schema
    .createTable('email_sign_in_codes')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
}
