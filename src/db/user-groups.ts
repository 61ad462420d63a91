/** SQL for `user_groups`: the groups an operator put an account in (admin CLI), released as the `groups` claim. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** True when the account was not in the group yet. */
export async function addUserToGroup(db: Db, userId: number, group: string): Promise<boolean> {
  const result = await db.insertInto('user_groups').values({ user_id: userId, group_name: group }).onConflict((oc) => oc.columns(['user_id', 'group_name']).doNothing()).executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** True when the account was in the group. */
export async function removeUserFromGroup(db: Db, userId: number, group: string): Promise<boolean> {
  const result = await db.deleteFrom('user_groups').where('user_id', '=', userId).where('group_name', '=', group).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The account's groups, in name order. */
export async function groupsOfUser(db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('user_groups').select('group_name').where('user_id', '=', userId).orderBy('group_name').execute();
  return rows.map((r) => r.group_name);
}
