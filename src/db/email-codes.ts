/** SQL for email codes: whether a user turned them on, and the code of each pending sign-in (src/auth/email-codes.ts). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export async function setEmailCodesEnabled(db: Db, userId: number, enabled: boolean): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ email_codes_enabled: enabled ? 1 : 0 })
    .where('id', '=', userId)
    .where('email_codes_enabled', '=', enabled ? 0 : 1)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The pending sign-in's code; a new one replaces the one before (only the newest works). */
export async function replaceEmailCode(db: Db, c: { sessionId: string; userId: number; codeHash: string; now: number; expiresAt: number }): Promise<void> {
  const fresh = { code_hash: c.codeHash, created_at: c.now, expires_at: c.expiresAt };
  await db
    .insertInto('email_sign_in_codes')
    .values({ session_id: c.sessionId, user_id: c.userId, ...fresh })
    .onConflict((oc) => oc.column('session_id').doUpdateSet(fresh))
    .execute();
}

/** Uses the code: true for the one request that deletes it, false when wrong, expired or used. */
export async function useEmailCode(db: Db, sessionId: string, codeHash: string, now: number): Promise<boolean> {
  const result = await db
    .deleteFrom('email_sign_in_codes')
    .where('session_id', '=', sessionId)
    .where('code_hash', '=', codeHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
