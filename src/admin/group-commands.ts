/**
 * `npm run admin -- groups add|remove|list`: the groups an account is in (issue #13). Apps that were granted the
 * `groups` scope receive them as the `groups` claim (an array), and forward-auth rules name them. A group name is
 * short and plain — lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit — so it reads the
 * same in a claim, in a comma-separated `Remote-Groups` header and in a rules file, and two spellings of one
 * name (`Admins`, `admins`) cannot both exist.
 */
import { findUserByLogin } from '../db/users.js';
import { addUserToGroup, groupsOf, isGroupName, MAX_GROUP_NAME_LENGTH, removeUserFromGroup } from '../db/user-groups.js';
import type { AdminContext, Refused } from './commands.js';
import { printable } from './format.js';


const refused = (problem: string): Refused => ({ ok: false, problem });

/** Why a group name cannot be used, or null. */
export function groupNameProblem(group: string): string | null {
  if (isGroupName(group)) return null;
  return `"${printable(group)}" is not a group name: 1 to ${MAX_GROUP_NAME_LENGTH} lower-case letters, digits, ".", "_" or "-", starting with a letter or digit.`;
}

function noSuchUser(login: string): string {
  return `No user has the username or email address "${printable(login)}".`;
}

export async function addToGroup(ctx: AdminContext, login: string, group: string): Promise<{ ok: true } | Refused> {
  const problem = groupNameProblem(group);
  if (problem) return refused(problem);
  const user = await findUserByLogin(ctx.db, login);
  if (!user) return refused(noSuchUser(login));
  const added = await addUserToGroup(ctx.db, user.id, group);
  ctx.output.out(added ? `Added ${printable(user.username)} to the group "${group}".` : `${printable(user.username)} is already in the group "${group}".`);
  return { ok: true };
}

export async function removeFromGroup(ctx: AdminContext, login: string, group: string): Promise<{ ok: true } | Refused> {
  const problem = groupNameProblem(group);
  if (problem) return refused(problem);
  const user = await findUserByLogin(ctx.db, login);
  if (!user) return refused(noSuchUser(login));
  if (!(await removeUserFromGroup(ctx.db, user.id, group))) return refused(`${printable(user.username)} is not in the group "${group}".`);
  ctx.output.out(`Removed ${printable(user.username)} from the group "${group}". Apps see it at their next sign-in or token refresh.`);
  return { ok: true };
}

export async function listGroups(ctx: AdminContext, login: string): Promise<{ ok: true } | Refused> {
  const user = await findUserByLogin(ctx.db, login);
  if (!user) return refused(noSuchUser(login));
  const groups = await groupsOf(ctx.db, user.id);
  if (groups.length === 0) ctx.output.out(`${printable(user.username)} is in no group.`);
  else for (const group of groups) ctx.output.out(group);
  return { ok: true };
}
