/** SQL for the development Verify stand-in's codes (hashed, one live code per number). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export async function findDevVerification(db: Db, recipient: string, now: number) {
  return db
    .selectFrom('dev_verifications')
    .selectAll()
    .where('recipient', '=', recipient)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Replaces the number's code (checks start again). An upsert, so two concurrent sends cannot collide on the key. */
export async function replaceDevVerification(db: Db, recipient: string, codeHash: string, sends: number, expiresAt: number): Promise<void> {
  const fresh = { code_hash: codeHash, checks: 0, sends, expires_at: expiresAt };
  await db
    .insertInto('dev_verifications')
    .values({ recipient, ...fresh })
    .onConflict((oc) => oc.column('recipient').doUpdateSet(fresh))
    .execute();
}

/** Counts a check atomically and returns the new count. */
export async function countDevCheck(db: Db, recipient: string): Promise<number> {
  const row = await db
    .updateTable('dev_verifications')
    .set((eb) => ({ checks: eb('checks', '+', 1) }))
    .where('recipient', '=', recipient)
    .returning('checks')
    .executeTakeFirst();
  return row?.checks ?? Number.POSITIVE_INFINITY;
}

export async function deleteDevVerification(db: Db, recipient: string): Promise<void> {
  await db.deleteFrom('dev_verifications').where('recipient', '=', recipient).execute();
}

/** Deletes the verification if it still holds this code; true for exactly one of concurrent callers. */
export async function consumeDevVerification(db: Db, recipient: string, codeHash: string): Promise<boolean> {
  const r = await db.deleteFrom('dev_verifications').where('recipient', '=', recipient).where('code_hash', '=', codeHash).executeTakeFirst();
  return r.numDeletedRows === 1n;
}
