import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The console's Apps section (issue #14, decision record 020): an app's people, the latest sign-in first, in keyset
 * pages, and each app's count and last use on the list (src/db/app-access.ts, src/db/oidc-apps.ts). One index on
 * `oidc_app_access` (client_id, last_sign_in_at, user_id) answers both in its own order; it starts with client_id,
 * so it also serves every lookup the index of migration 017 served, which goes (one index less to write at each
 * sign-in to an app).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.createIndex('oidc_app_access_client_last_use').on('oidc_app_access').columns(['client_id', 'last_sign_in_at', 'user_id']).execute();
  await db.schema.dropIndex('oidc_app_access_client').execute();
}
