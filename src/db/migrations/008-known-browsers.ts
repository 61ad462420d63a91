import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Browsers each account has signed in from (issue #5, "new sign-in from a new
 * device" notices): a long-lived cookie holds a random browser id; the table
 * keeps its SHA-256 per account. A sign-in from a browser the account has not
 * used before mails the owner.
 *
 * Also: each "This wasn't me" link keeps the address its notice went to, so
 * using it can undo a change of email made by whoever took the account over.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';
  await db.schema
    .createTable('known_browsers')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('known_browsers_pk', ['user_id', 'browser_hash'])
    .execute();
  await db.schema.alterTable('wasnt_me_tokens').addColumn('sent_to', 'text').execute();
}
