import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * `security_events.client_id`: which app an app event (`oidc_first_sign_in`, `oidc_consent`, `oidc_access_removed`)
 * was about, so the activity log can say "You allowed Notes to sign you in" rather than "an app". The client_id, not
 * the name: the log shows the app's name of the moment (an operator may rename it), and "an app that was removed"
 * once the app is gone — hence no foreign key, the event outlives the app. Null for every other event and for app
 * events written before this column.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('security_events').addColumn('client_id', 'text').execute();
}
