import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Whether the passkey a session was signed in with can leave its device, written with the rest of the sign-in
 * record (src/auth/sign-in.ts) and read by the identity provider, which tells apps `hwk` (a device-bound key) or
 * `swk` (a synced one) in `amr` (RFC 8176).
 *
 * - `sessions.sign_in_passkey_backed_up`: the passkey's backup state at that sign-in (WebAuthn's BS flag), 1 or 0;
 *   null when no passkey was used, and for sessions signed in before this column (read as "not known": `swk`).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('sign_in_passkey_backed_up', 'integer').execute();
}
