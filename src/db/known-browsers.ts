/** SQL for the browsers each account has signed in from (src/auth/new-browser-notice.ts). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * Records that the account signed in from this browser. Returns `new` the first time this browser is seen
 * for the account, `first` when it is the account's first browser at all (nothing to compare with), else `known`.
 */
export async function noteKnownBrowser(db: Db, userId: number, browserHash: string, now: number): Promise<'new' | 'first' | 'known'> {
  const updated = await db.updateTable('known_browsers').set({ last_seen_at: now }).where('user_id', '=', userId).where('browser_hash', '=', browserHash).executeTakeFirst();
  if (updated.numUpdatedRows > 0n) return 'known';
  const any = await db.selectFrom('known_browsers').select('browser_hash').where('user_id', '=', userId).limit(1).executeTakeFirst();
  await db.insertInto('known_browsers').values({ user_id: userId, browser_hash: browserHash, first_seen_at: now, last_seen_at: now }).execute();
  return any ? 'new' : 'first';
}
