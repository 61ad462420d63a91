import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Changing the email address (issue #5): the new address is held with a
 * confirmation link (stored as SHA-256, one per user) and replaces the old one
 * only when that link is used; nothing changes before.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';
  await db.schema
    .createTable('email_change_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
    .addColumn('new_email', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
}
