/** SQL for trusted devices: browsers that may skip the second factor for a while (src/auth/trusted-devices.ts). */
import type { Kysely } from 'kysely';
import type { Database, TrustedDevice } from './schema.js';

type Db = Kysely<Database>;

export async function insertTrustedDevice(
  db: Db,
  d: { tokenHash: string; userId: number; name: string; now: number; ip: string | null; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('trusted_devices')
    .values({ token_hash: d.tokenHash, user_id: d.userId, name: d.name, created_at: d.now, last_used_at: d.now, last_ip: d.ip, expires_at: d.expiresAt })
    .execute();
}

/** The live device with this token, if it belongs to this user. */
export async function findTrustedDevice(db: Db, userId: number, tokenHash: string, now: number): Promise<TrustedDevice | undefined> {
  return db
    .selectFrom('trusted_devices')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function touchTrustedDevice(db: Db, tokenHash: string, now: number, ip: string | null): Promise<void> {
  await db.updateTable('trusted_devices').set({ last_used_at: now, last_ip: ip }).where('token_hash', '=', tokenHash).execute();
}

export async function trustedDevicesOfUser(db: Db, userId: number, now: number): Promise<TrustedDevice[]> {
  return db.selectFrom('trusted_devices').selectAll().where('user_id', '=', userId).where('expires_at', '>', now).orderBy('last_used_at', 'desc').execute();
}

/** Revokes one of the user's devices (only theirs: the id comes from a form). */
export async function deleteTrustedDevice(db: Db, userId: number, tokenHash: string): Promise<boolean> {
  const result = await db.deleteFrom('trusted_devices').where('user_id', '=', userId).where('token_hash', '=', tokenHash).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Revokes them all: on password reset, phone change, factor removal and 2FA off. */
export async function deleteTrustedDevicesOfUser(db: Db, userId: number): Promise<number> {
  const result = await db.deleteFrom('trusted_devices').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
