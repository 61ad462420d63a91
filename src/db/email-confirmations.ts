/**
 * SQL for email confirmation: the confirmation tokens (stored as SHA-256 hashes
 * only), the user's `email_confirmed_at`, and the throttle of the "someone tried
 * to register with your address" notice. This module is the only writer of
 * those two users columns.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * Stores a new confirmation token for the user, replacing (voiding) the older
 * one — unless the older one was created less than `minIntervalMs` ago, which
 * is how "resend" is throttled. One upsert on the UNIQUE user_id with the
 * throttle in its WHERE, so concurrent requests still leave exactly one live
 * link and at most one of them wins within the interval. Returns whether the
 * new token was stored (false: throttled, send nothing).
 */
export async function replaceConfirmationToken(
  db: Db,
  userId: number,
  tokenHash: string,
  now: number,
  expiresAt: number,
  minIntervalMs: number,
): Promise<boolean> {
  const row = await db
    .insertInto('email_confirmation_tokens')
    .values({ token_hash: tokenHash, user_id: userId, created_at: now, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ token_hash: tokenHash, created_at: now, expires_at: expiresAt })
        .where('email_confirmation_tokens.created_at', '<=', now - minIntervalMs),
    )
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

export interface LiveConfirmation {
  userId: number;
  /** The address the link confirms (the user's current address). */
  email: string;
}

/** Whose address a live token confirms, if it is known and unexpired. Does not use it up. */
export async function findLiveConfirmationToken(db: Db, tokenHash: string, now: number): Promise<LiveConfirmation | undefined> {
  const row = await db
    .selectFrom('email_confirmation_tokens')
    .innerJoin('users', 'users.id', 'email_confirmation_tokens.user_id')
    .select(['users.id as userId', 'users.email as email'])
    .where('email_confirmation_tokens.token_hash', '=', tokenHash)
    .where('email_confirmation_tokens.expires_at', '>', now)
    .executeTakeFirst();
  return row;
}

/**
 * Uses the token up and marks its user's address confirmed; returns the user
 * id, or undefined when the token is unknown, expired or already used. The
 * DELETE decides: of two concurrent requests only one removes the row. Call it
 * inside a transaction so the token and the confirmation change together.
 */
export async function confirmEmailWithToken(db: Db, tokenHash: string, now: number): Promise<number | undefined> {
  const row = await db
    .deleteFrom('email_confirmation_tokens')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  if (!row) return undefined;
  // The first confirmation time is kept; confirming again changes nothing.
  await db.updateTable('users').set({ email_confirmed_at: now }).where('id', '=', row.user_id).where('email_confirmed_at', 'is', null).execute();
  return row.user_id;
}

/**
 * Records that the owner of an address is being told about a registration
 * attempt, unless they were told less than `minIntervalMs` ago. A
 * compare-and-swap in the UPDATE's WHERE, so concurrent attempts send one mail.
 * Returns whether to send it.
 */
export async function claimRegistrationNotice(db: Db, userId: number, now: number, minIntervalMs: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ registration_notice_sent_at: now })
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('registration_notice_sent_at', 'is', null), eb('registration_notice_sent_at', '<=', now - minIntervalMs)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
