import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The language an account's mail is written in (`users.locale`, 'en' or 'es'):
 * set at registration from the page the form was sent from, and changed when
 * the signed-in owner picks another language. Mail to an owner is often caused
 * by someone else (a sign-in from a new browser, a reset asked by anyone), so
 * it follows the account, not the request. Null for accounts made before this
 * migration: they get English, as they always had.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('users').addColumn('locale', 'text').execute();
}
