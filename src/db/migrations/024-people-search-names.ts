import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The people search by name (issue #14, src/db/admin-people.ts): `users.name_key` ("ada lovelace") and
 * `users.surname_key` ("lovelace ada"), normalized as usernames are (NFKC, lower case, one space), so a prefix of
 * either finds the person — "ada", "ada love", "lovelace". Indexed with the id, for keyset pages in key order;
 * byte-wise on PostgreSQL (`COLLATE "C"`, as migration 020's username and address indexes). Existing accounts are
 * filled in here, a batch at a time, with the same JavaScript normalization new accounts get (SQL's lower() is
 * ASCII-only on SQLite).
 */
const BACKFILL_BATCH = 2000;

/** `nameKeysOf` of src/db/users.ts as it was when this migration was written (a migration does not change later). */
function nameKeysOf(firstName: string, lastName: string): { name_key: string; surname_key: string } {
  const normalize = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  const [first, last] = [normalize(firstName), normalize(lastName)];
  return { name_key: `${first} ${last}`.trim(), surname_key: `${last} ${first}`.trim() };
}

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema.alterTable('users').addColumn('name_key', 'text').execute();
  await db.schema.alterTable('users').addColumn('surname_key', 'text').execute();
  const users = db as unknown as Kysely<{ users: { id: number; first_name: string; last_name: string; name_key: string | null; surname_key: string | null } }>;
  for (let after = 0; ; ) {
    const batch = await users.selectFrom('users').select(['id', 'first_name', 'last_name']).where('id', '>', after).orderBy('id').limit(BACKFILL_BATCH).execute();
    if (batch.length === 0) break;
    for (const row of batch) {
      const keys = nameKeysOf(row.first_name, row.last_name);
      await users.updateTable('users').set({ name_key: keys.name_key, surname_key: keys.surname_key }).where('id', '=', row.id).execute();
    }
    after = batch[batch.length - 1]!.id;
  }
  for (const column of ['name_key', 'surname_key'] as const) {
    const key = dialect === 'postgres' ? sql`(${sql.ref(column)} collate "C")` : sql.ref(column);
    await db.schema.createIndex(`users_${column}`).on('users').expression(sql`${key}, id`).execute();
  }
}
