import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * "This wasn't me" links in security notices (issue #5): each notice carries a
 * link whose token (stored as SHA-256) lets the owner, after one confirmation,
 * end every session, forget remembered devices and start a password reset,
 * without signing in. Valid 7 days, once.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';
  await db.schema
    .createTable('wasnt_me_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('wasnt_me_tokens_user_id').on('wasnt_me_tokens').column('user_id').execute();
}
