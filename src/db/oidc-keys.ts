/** SQL for `oidc_signing_keys`, the keys that sign ID tokens (src/oidc/keys.ts makes and orders them). */
import type { Kysely } from 'kysely';
import type { Database, OidcSigningKey } from './schema.js';

type Db = Kysely<Database>;

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

/**
 * Inserts a key unless one with its kid exists. The first keys have fixed kids, so when two instances start
 * on an empty table at once exactly one key per kid is kept, and both read the same keys back.
 */
export async function insertSigningKeyIfAbsent(db: Db, key: OidcSigningKey): Promise<void> {
  await db.insertInto('oidc_signing_keys').values(key).onConflict((oc) => oc.column('kid').doNothing()).execute();
}
