/** SQL for `user_groups`: the groups an operator put an account in (admin CLI), released as the `groups` claim. */
import type { Kysely } from 'kysely';
import { prepared, type Placeholders } from './prepared.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** True when the account was not in the group yet. */
/** Longest group name: long enough for "engineering.platform-oncall", short enough for a header. */
export const MAX_GROUP_NAME_LENGTH = 64;
const GROUP_NAME = new RegExp(`^[a-z0-9][a-z0-9._-]{0,${MAX_GROUP_NAME_LENGTH - 1}}$`);

/**
 * A group name is short and plain — lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit —
 * so it reads the same in a claim, in a comma-separated `Remote-Groups` header and in a rules file, and two
 * spellings of one name (`Admins`, `admins`) cannot both exist. The CLI and the console refuse anything else.
 */
export function isGroupName(group: string): boolean {
  return GROUP_NAME.test(group);
}

export async function addUserToGroup(db: Db, userId: number, group: string): Promise<boolean> {
  const result = await db.insertInto('user_groups').values({ user_id: userId, group_name: group }).onConflict((oc) => oc.columns(['user_id', 'group_name']).doNothing()).executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** True when the account was in the group. */
export async function removeUserFromGroup(db: Db, userId: number, group: string): Promise<boolean> {
  const result = await db.deleteFrom('user_groups').where('user_id', '=', userId).where('group_name', '=', group).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** On every allowed forward-auth check and every `groups` claim: built and compiled once (src/db/prepared.ts). */
const groupsQuery = prepared((db: Db, p: Placeholders<{ userId: number }>) =>
  db.selectFrom('user_groups').select('group_name').where('user_id', '=', p.userId).orderBy('group_name'),
);

/** The account's groups, sorted by name. */
export async function groupsOf(db: Db, userId: number): Promise<string[]> {
  return (await groupsQuery.rows(db, { userId })).map((row) => row.group_name);
}
