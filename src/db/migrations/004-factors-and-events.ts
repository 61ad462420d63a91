import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * More factors and the security center (issue #5): an authenticator app per
 * user (its key sealed with SECRET_KEY, the last time step it accepted),
 * single-use recovery codes (hashes only), an append-only log of security
 * events that records no secrets, the factor each user used last, and when a
 * session last proved its password (for step-up).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const time = 'bigint';

  await db.schema.alterTable('sessions').addColumn('authenticated_at', time).execute();
  await db.schema.alterTable('users').addColumn('last_factor', 'text').execute();

  await db.schema
    .createTable('totp_factors')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    // null while enrolling: the factor counts only once the user has typed a valid code.
    .addColumn('confirmed_at', time)
    // The newest 30-second step a code was accepted for; a code for it or an older step is refused (replay).
    .addColumn('last_used_step', time)
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('used_at', time)
    .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('security_events')
    .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('security_events_user_created').on('security_events').columns(['user_id', 'created_at']).execute();
}
