/**
 * SQL for an account's groups (`user_groups`): the one read forward-auth makes of them. The admin CLI's
 * `groups add|remove|list` writes them.
 */
import type { Kysely } from 'kysely';
import { prepared, type Placeholders } from './prepared.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** On every allowed forward-auth check: built and compiled once (src/db/prepared.ts). */
const groupsQuery = prepared((db: Db, p: Placeholders<{ userId: number }>) =>
  db.selectFrom('user_groups').select('group_name').where('user_id', '=', p.userId).orderBy('group_name'),
);

/** The account's groups, sorted by name. */
export async function groupsOf(db: Db, userId: number): Promise<string[]> {
  return (await groupsQuery.rows(db, { userId })).map((row) => row.group_name);
}
