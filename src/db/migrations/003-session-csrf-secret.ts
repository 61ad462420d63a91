import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Each session carries its own CSRF secret, made when the session starts
 * (src/auth/csrf.ts): signed-in forms are then bound to the session rather than
 * to a cookie that a sibling subdomain could plant, and checking them needs no
 * signature. Sessions from before this migration have none (null) and keep
 * using the cookie secret until they end.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('csrf_secret', 'text').execute();
}
