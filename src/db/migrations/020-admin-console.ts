import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The operators' web console (issue #14, decision record 020):
 *
 * - `users.is_admin`: 1 for the people `npm run admin -- grant-admin` named, until `revoke-admin`. Only the CLI
 *   changes it: whoever runs the console cannot make more admins, nor keep one the operator took away.
 * - `admin_audit`: every action taken in the console or with the CLI's role commands — who, what, to whom, when,
 *   from where. Append-only. The actor and the target are kept by id *and* by the username of the moment, without
 *   foreign keys: the entry outlives a renamed or deleted account (a deletion is itself an entry). `detail` is a
 *   small JSON object of what was chosen (a group's name, which session), never a secret.
 * - The people search's indexes (src/db/admin-people.ts): a prefix of a username or address is a range compared
 *   byte by byte. SQLite's unique indexes on the normalized columns already are (BINARY); PostgreSQL's compare by
 *   the database's collation, so it gets `COLLATE "C"` twins. And the admins, few among many: an index on the flag.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const time = 'bigint';

  await db.schema.alterTable('users').addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('users_is_admin').on('users').column('is_admin').execute();
  if (dialect === 'postgres') {
    await db.schema.createIndex('users_username_bytes').on('users').expression(sql`(username_normalized collate "C")`).execute();
    await db.schema.createIndex('users_email_bytes').on('users').expression(sql`(email_normalized collate "C")`).execute();
  }

  await db.schema
    .createTable('admin_audit')
    .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('actor_user_id', 'integer')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_user_id', 'integer')
    .addColumn('target', 'text')
    .addColumn('detail', 'text')
    .addColumn('ip', 'text')
    .addColumn('request_id', 'text')
    .execute();
  // The console's filters (newest first, by id for keyset pages): everything, by action, by actor, by person.
  await db.schema.createIndex('admin_audit_action').on('admin_audit').columns(['action', 'id']).execute();
  await db.schema.createIndex('admin_audit_actor').on('admin_audit').columns(['actor_user_id', 'id']).execute();
  await db.schema.createIndex('admin_audit_target').on('admin_audit').columns(['target_user_id', 'id']).execute();
}
