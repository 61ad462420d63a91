import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Email confirmation: when a user proved they read the address's mail, the
 * links that prove it (hashes only), and when the owner of an address was last
 * told that someone tried to register with it.
 *
 * Accounts that exist before this migration stay unconfirmed (null): nobody has
 * shown they own those addresses, so they see the banner and can confirm.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';

  await db.schema.alterTable('users').addColumn('email_confirmed_at', time).execute();
  // Throttles the "someone tried to register with your address" mail, so repeated
  // registrations cannot be used to flood the owner's inbox.
  await db.schema.alterTable('users').addColumn('registration_notice_sent_at', time).execute();

  await db.schema
    .createTable('email_confirmation_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  // One live link per user: a newer link replaces (voids) the older one, even when two requests race.
  await db.schema.createIndex('email_confirmation_tokens_user_id').unique().on('email_confirmation_tokens').column('user_id').execute();
}
