import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Forward-auth reads an account's groups (`Remote-Groups`, and rules that name groups) from `user_groups`
 * (src/db/user-groups.ts). The table belongs to the admin CLI's `groups add|remove|list` (OpenID Connect's
 * `groups` claim), which another migration of issue #13 creates with the same columns; both create it only if
 * it is not there yet, so whichever runs first makes it and the other leaves it alone.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('user_groups')
    .ifNotExists()
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_groups_pkey', ['user_id', 'group_name'])
    .execute();
}
