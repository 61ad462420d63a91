import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * `sessions.oidc_session_uid`: the uid of the OpenID Connect provider's session that stands for this Gatehouse
 * sign-in (src/oidc/logout.ts writes it when an app gets a code). When the Gatehouse session ends — "Sign out", an
 * ended session on the security page, a password reset — the provider's session is found by it, the apps signed in
 * through it are told (back-channel logout) and its tokens end. A column of the row, not of its id: `renewSession`
 * gives the row a new id and keeps it. Indexed: an RP-initiated logout finds the Gatehouse session by it.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('oidc_session_uid', 'text').execute();
  await db.schema.createIndex('sessions_oidc_session_uid').on('sessions').column('oidc_session_uid').execute();
}
