import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * `users.suspended_at` (issue #14, decision record 020): when an operator suspended the account in the console;
 * null when it is active. A suspended account keeps everything it had (factors, groups, apps' consents are gone
 * only as the suspension ends their sessions and tokens), but no sign-in completes: the right password is told
 * that the account is suspended and whom to contact. Reactivating sets it back to null.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('users').addColumn('suspended_at', 'bigint').execute();
}
