import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Consent and groups for the OpenID Connect provider (issue #13, design note §7):
 *
 * - `oidc_app_access`: the apps a person let in, for "Apps with access" on the security page. A row is written
 *   when an app is first given a code for the account and touched at each later one (`last_sign_in_at`); "Remove
 *   access" deletes it with the app's grants. What the app may see is in its Grant (`oidc_payloads`), not here.
 * - `user_groups`: the groups an operator put an account in (`npm run admin -- groups add`), released to apps as
 *   the `groups` claim when the person granted the `groups` scope.
 *
 * Both go with the account (ON DELETE CASCADE); `apps remove` deletes an app's access rows itself (apps are not
 * referenced by a foreign key: an app's id outlives nothing, and a removed one must leave no row behind).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';

  await db.schema
    .createTable('oidc_app_access')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('first_granted_at', time, (c) => c.notNull())
    .addColumn('last_sign_in_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_app_access_pk', ['user_id', 'client_id'])
    .execute();
  await db.schema.createIndex('oidc_app_access_client').on('oidc_app_access').column('client_id').execute();

  await db.schema
    .createTable('user_groups')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_groups_pk', ['user_id', 'group_name'])
    .execute();
}
