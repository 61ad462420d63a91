import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Delayed self-service account recovery (issue #5, "Lost phone, no recovery
 * codes"; docs/decisions/011-delayed-account-recovery.md):
 *
 * - `account_recovery_links`: the link mailed from the second step of sign-in
 *   (password proved) that proves the mailbox; its token stored as SHA-256,
 *   one per user (a newer link voids the older), 1 hour, once.
 * - `account_recoveries`: a started recovery and its waiting period; at most one
 *   live (neither cancelled nor completed) per user, enforced by a partial
 *   unique index; the "Cancel the recovery" link's token stored as SHA-256.
 * - `users.must_set_up_factor`: 1 after a recovery removed the second factors,
 *   until the user has a second factor again (src/auth/enforce-two-factor.ts).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const time = 'bigint';

  await db.schema
    .createTable('account_recovery_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('account_recoveries')
    .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('started_at', time, (c) => c.notNull())
    .addColumn('completes_at', time, (c) => c.notNull())
    .addColumn('cancel_token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('cancelled_at', time)
    .addColumn('completed_at', time)
    .execute();
  // One live recovery per user: two starts at once (two links opened together) cannot both insert.
  await db.schema
    .createIndex('account_recoveries_one_live')
    .on('account_recoveries')
    .column('user_id')
    .unique()
    .where(sql.ref('cancelled_at'), 'is', null)
    .where(sql.ref('completed_at'), 'is', null)
    .execute();
  await db.schema.createIndex('account_recoveries_user_id').on('account_recoveries').column('user_id').execute();

  await db.schema
    .alterTable('users')
    .addColumn('must_set_up_factor', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
