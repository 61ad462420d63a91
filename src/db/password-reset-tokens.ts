/** SQL for password-reset tokens (stored as SHA-256 hashes only). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * Stores a new token for the user, replacing the older one: a newer link voids
 * older links. One upsert on the UNIQUE user_id, so two concurrent requests
 * still leave exactly one live link.
 */
export async function replaceResetToken(db: Db, userId: number, tokenHash: string, now: number, expiresAt: number): Promise<void> {
  await db
    .insertInto('password_reset_tokens')
    .values({ token_hash: tokenHash, user_id: userId, created_at: now, expires_at: expiresAt })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ token_hash: tokenHash, created_at: now, expires_at: expiresAt }))
    .execute();
}

/** The user id the token belongs to, if it is known and unexpired. Does not use it up. */
export async function findLiveResetToken(db: Db, tokenHash: string, now: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('password_reset_tokens')
    .select('user_id')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row?.user_id;
}

/**
 * Uses the token up: deletes it if it is live and returns its user id. Only one
 * of two concurrent requests can delete the row, so a link works once.
 */
export async function consumeResetToken(db: Db, tokenHash: string, now: number): Promise<number | undefined> {
  const row = await db
    .deleteFrom('password_reset_tokens')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}
