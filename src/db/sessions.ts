/** SQL for server-side sessions. Ids are SHA-256 hashes of the cookie token. */
import type { Kysely } from 'kysely';
import type { Database, Session, User } from './schema.js';

type Db = Kysely<Database>;

export interface NewSession {
  id: string;
  userId: number;
  twoFactorPending: boolean;
  remember: boolean;
  nextPath: string | null;
  now: number;
  expiresAt: number;
}

export async function insertSession(db: Db, s: NewSession): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: s.id,
      user_id: s.userId,
      two_factor_pending: s.twoFactorPending ? 1 : 0,
      remember: s.remember ? 1 : 0,
      next_path: s.nextPath,
      failed_code_attempts: 0,
      code_sent_at: null,
      created_at: s.now,
      last_active_at: s.now,
      expires_at: s.expiresAt,
    })
    .execute();
}

export interface SessionWithUser {
  session: Session;
  user: User;
}

/**
 * The session and its user, when the session has not reached its absolute end
 * and, unless "remember me" was chosen, has been active within `idleTimeoutMs`.
 */
export async function findLiveSession(db: Db, id: string, now: number, idleTimeoutMs: number): Promise<SessionWithUser | undefined> {
  const session = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .where((eb) => eb.or([eb('remember', '=', 1), eb('last_active_at', '>', now - idleTimeoutMs)]))
    .executeTakeFirst();
  if (!session) return undefined;
  const user = await db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirst();
  return user ? { session, user } : undefined;
}

/** Slides the idle window; written at most once per `minIntervalMs`. */
export async function touchSession(db: Db, id: string, now: number, minIntervalMs: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_active_at: now })
    .where('id', '=', id)
    .where('last_active_at', '<=', now - minIntervalMs)
    .execute();
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/**
 * Ends a pending (password-only) session if and only if it is still pending.
 * Returns false when another request got there first: compare-and-swap, so two
 * concurrent correct codes cannot both turn into a signed-in session.
 */
export async function consumePendingSession(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', id).where('two_factor_pending', '=', 1).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function deleteSessionsOfUser(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Counts a wrong code and returns the new count (one atomic UPDATE, so concurrent guesses all count). */
export async function recordFailedCode(db: Db, id: string): Promise<number> {
  const row = await db
    .updateTable('sessions')
    .set((eb) => ({ failed_code_attempts: eb('failed_code_attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('failed_code_attempts')
    .executeTakeFirst();
  return row?.failed_code_attempts ?? Number.POSITIVE_INFINITY;
}

export async function setSessionCodeSentAt(db: Db, id: string, at: number): Promise<void> {
  await db.updateTable('sessions').set({ code_sent_at: at }).where('id', '=', id).execute();
}
