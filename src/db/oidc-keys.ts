/** SQL for `oidc_signing_keys`, the keys that sign ID tokens (src/oidc/keys.ts makes, rotates and orders them). */
import type { Kysely } from 'kysely';
import type { Database, OidcSigningKey } from './schema.js';

type Db = Kysely<Database>;

/** What a key's place in the provider's order depends on: no key material. */
export type SigningKeyTimes = Pick<OidcSigningKey, 'kid' | 'alg' | 'created_at' | 'signs_from' | 'published_until'>;

const TIMES = ['kid', 'alg', 'created_at', 'signs_from', 'published_until'] as const;

/** Keys still published at `now`, oldest first. */
export async function publishedSigningKeys(db: Db, now: number): Promise<OidcSigningKey[]> {
  return db
    .selectFrom('oidc_signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('published_until', 'is', null), eb('published_until', '>', now)]))
    .orderBy('signs_from')
    .orderBy('kid')
    .execute();
}

/** The same keys as publishedSigningKeys, without their key material: the running instances' periodic look. */
export async function publishedSigningKeyTimes(db: Db, now: number): Promise<SigningKeyTimes[]> {
  return db
    .selectFrom('oidc_signing_keys')
    .select(TIMES)
    .where((eb) => eb.or([eb('published_until', 'is', null), eb('published_until', '>', now)]))
    .orderBy('signs_from')
    .orderBy('kid')
    .execute();
}

/** Every key row, oldest first, without key material (`keys list`; kids for the next number). */
export async function allSigningKeyTimes(db: Db): Promise<SigningKeyTimes[]> {
  return db.selectFrom('oidc_signing_keys').select(TIMES).orderBy('signs_from').orderBy('kid').execute();
}

/**
 * Inserts a key unless one with its kid exists. The first keys have fixed kids, so when two instances start
 * on an empty table at once exactly one key per kid is kept, and both read the same keys back.
 */
export async function insertSigningKeyIfAbsent(db: Db, key: OidcSigningKey): Promise<void> {
  await db.insertInto('oidc_signing_keys').values(key).onConflict((oc) => oc.column('kid').doNothing()).execute();
}

/**
 * One rotation, in one transaction: the new keys go in, and every key of their algorithm that had no end yet
 * gets one, `retireAfter` (ms) after the new key of its algorithm starts signing. The insert comes first and
 * is a plain one: a rotation that ran at the same moment and took the same kid makes this one fail with a
 * unique violation (isUniqueViolation) and change nothing. Returns the kids given an end.
 */
export async function insertRotatedSigningKeys(db: Db, keys: OidcSigningKey[], retireAfter: number): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('oidc_signing_keys').values(keys).execute();
    const retired: string[] = [];
    for (const key of keys) {
      const rows = await trx
        .updateTable('oidc_signing_keys')
        .set({ published_until: key.signs_from + retireAfter })
        .where('alg', '=', key.alg)
        .where('published_until', 'is', null)
        .where('kid', '<>', key.kid)
        .returning('kid')
        .execute();
      retired.push(...rows.map((r) => r.kid));
    }
    return retired;
  });
}
