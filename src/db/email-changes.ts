/** SQL for pending email changes: the new address waits here until its link is used. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { normalizeEmail } from './users.js';

type Db = Kysely<Database>;

/** One pending change per user: a new request replaces (voids) the previous link. */
export async function replaceEmailChange(db: Db, userId: number, tokenHash: string, newEmail: string, now: number, expiresAt: number): Promise<void> {
  await db.deleteFrom('email_change_tokens').where('user_id', '=', userId).execute();
  await db.insertInto('email_change_tokens').values({ token_hash: tokenHash, user_id: userId, new_email: newEmail, created_at: now, expires_at: expiresAt }).execute();
}

export async function findLiveEmailChange(db: Db, tokenHash: string, now: number): Promise<{ user_id: number; new_email: string } | undefined> {
  return db.selectFrom('email_change_tokens').select(['user_id', 'new_email']).where('token_hash', '=', tokenHash).where('expires_at', '>', now).executeTakeFirst();
}

/** Uses the link: the change for the one request that deletes it while live. */
export async function consumeEmailChange(db: Db, tokenHash: string, now: number): Promise<{ user_id: number; new_email: string } | undefined> {
  const change = await findLiveEmailChange(db, tokenHash, now);
  if (!change) return undefined;
  const result = await db.deleteFrom('email_change_tokens').where('token_hash', '=', tokenHash).executeTakeFirst();
  return result.numDeletedRows > 0n ? change : undefined;
}

/** Sets the new address, confirmed (its owner just opened a link sent there). Throws on a unique violation. */
export async function setConfirmedEmail(db: Db, userId: number, email: string, now: number): Promise<void> {
  await db.updateTable('users').set({ email, email_normalized: normalizeEmail(email), email_confirmed_at: now }).where('id', '=', userId).execute();
}

/** Voids any pending change (on "This wasn't me", password reset and password change). */
export async function deleteEmailChangesOfUser(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('email_change_tokens').where('user_id', '=', userId).execute();
}
