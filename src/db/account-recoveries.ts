/**
 * SQL for delayed account recovery (src/auth/account-recovery.ts): the mailed
 * link that starts one, the recoveries themselves, and the user's "must set up
 * a second factor" mark. Tokens are stored as SHA-256 only. Every change of a
 * recovery's state is one conditional UPDATE, so two requests racing (a cancel
 * and a completion, two completions) cannot both win.
 */
import type { Kysely } from 'kysely';
import type { AccountRecovery, Database } from './schema.js';

type Db = Kysely<Database>;

// ---- The link that starts a recovery ----

/** Stores a new link for the user, replacing the older one (one upsert on the UNIQUE user_id: newest only). */
export async function replaceRecoveryLink(db: Db, userId: number, tokenHash: string, now: number, expiresAt: number): Promise<void> {
  await db
    .insertInto('account_recovery_links')
    .values({ token_hash: tokenHash, user_id: userId, created_at: now, expires_at: expiresAt })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ token_hash: tokenHash, created_at: now, expires_at: expiresAt }))
    .execute();
}

/** The user id of a live link; does not use it up. */
/** Voids every recovery link the user was mailed (asked for with a password that may no longer be right). */
export async function deleteRecoveryLinksOfUser(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('account_recovery_links').where('user_id', '=', userId).execute();
}

export async function findLiveRecoveryLink(db: Db, tokenHash: string, now: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('account_recovery_links')
    .select('user_id')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row?.user_id;
}

/** Uses a link up: its user id for the one request that deletes it while live; undefined otherwise. */
export async function consumeRecoveryLink(db: Db, tokenHash: string, now: number): Promise<number | undefined> {
  const row = await db
    .deleteFrom('account_recovery_links')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

// ---- Recoveries ----

/** The user's recovery that is neither cancelled nor completed (there is at most one), due or not. */
export async function findLiveRecovery(db: Db, userId: number): Promise<AccountRecovery | undefined> {
  return db
    .selectFrom('account_recoveries')
    .selectAll()
    .where('user_id', '=', userId)
    .where('cancelled_at', 'is', null)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Starts a recovery. Throws a unique violation (isUniqueViolation) when the
 * user already has a live one (the partial unique index of migration 009).
 */
export async function insertRecovery(db: Db, r: { userId: number; startedAt: number; completesAt: number; cancelTokenHash: string }): Promise<void> {
  await db
    .insertInto('account_recoveries')
    .values({ user_id: r.userId, started_at: r.startedAt, completes_at: r.completesAt, cancel_token_hash: r.cancelTokenHash, cancelled_at: null, completed_at: null })
    .execute();
}

/** The live recovery a "Cancel the recovery" link belongs to; does not cancel it. */
export async function findLiveRecoveryByCancelToken(db: Db, cancelTokenHash: string): Promise<AccountRecovery | undefined> {
  return db
    .selectFrom('account_recoveries')
    .selectAll()
    .where('cancel_token_hash', '=', cancelTokenHash)
    .where('cancelled_at', 'is', null)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
}

/** Cancels the live recovery of this cancel link: its user id for the one request that does so; undefined otherwise. */
export async function cancelRecoveryByToken(db: Db, cancelTokenHash: string, now: number): Promise<number | undefined> {
  const row = await db
    .updateTable('account_recoveries')
    .set({ cancelled_at: now })
    .where('cancel_token_hash', '=', cancelTokenHash)
    .where('cancelled_at', 'is', null)
    .where('completed_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

/** Cancels the user's live recovery, if any: true for the one request that does so. */
export async function cancelLiveRecovery(db: Db, userId: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('account_recoveries')
    .set({ cancelled_at: now })
    .where('user_id', '=', userId)
    .where('cancelled_at', 'is', null)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Marks the user's live recovery completed when its wait is over: the
 * recovery for the one request that does so; undefined when there is none,
 * it is not due yet, or another request completed (or cancelled) it first.
 */
export async function claimDueRecovery(db: Db, userId: number, now: number): Promise<AccountRecovery | undefined> {
  return db
    .updateTable('account_recoveries')
    .set({ completed_at: now })
    .where('user_id', '=', userId)
    .where('cancelled_at', 'is', null)
    .where('completed_at', 'is', null)
    .where('completes_at', '<=', now)
    .returningAll()
    .executeTakeFirst();
}

/** The user's most recent recovery (live or finished), for the admin CLI. */
export async function latestRecovery(db: Db, userId: number): Promise<AccountRecovery | undefined> {
  return db.selectFrom('account_recoveries').selectAll().where('user_id', '=', userId).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}
