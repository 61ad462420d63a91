/**
 * `npm run admin -- grant-admin|revoke-admin`: who may use the web console at /admin (issue #14, decision record
 * 020). Only here: the console itself cannot make an admin, so whoever holds a console session cannot keep or
 * spread the role. Both are written to the console's audit log, as the CLI (with the OS user who ran it).
 */
import { userInfo } from 'node:os';
import { recordAdminAction } from '../db/admin-audit.js';
import { findUserByLogin, setAdmin } from '../db/users.js';
import type { AdminContext, Refused } from './commands.js';
import { printable } from './format.js';
import { CONSOLE_PATH } from '../lib/paths.js';

const refused = (problem: string): Refused => ({ ok: false, problem });

/** How the audit log names the CLI: `cli (<OS user>)`, the nearest thing to a person a shell offers. */
export function cliActor(): { id: null; name: string } {
  let who = 'unknown';
  try {
    who = userInfo().username;
  } catch {
    // no passwd entry for this uid (a container): "unknown"
  }
  return { id: null, name: `cli (${who})` };
}

export async function grantAdmin(ctx: AdminContext, login: string): Promise<{ ok: true } | Refused> {
  return changeRole(ctx, login, true);
}

export async function revokeAdmin(ctx: AdminContext, login: string): Promise<{ ok: true } | Refused> {
  return changeRole(ctx, login, false);
}

async function changeRole(ctx: AdminContext, login: string, admin: boolean): Promise<{ ok: true } | Refused> {
  const user = await findUserByLogin(ctx.db, login);
  if (!user) return refused(`No user has the username or email address "${printable(login)}".`);
  const name = printable(user.username);
  if ((user.is_admin === 1) === admin) {
    ctx.output.out(admin ? `${name} is already an admin.` : `${name} is not an admin.`);
    return { ok: true };
  }
  await ctx.db.transaction().execute(async (trx) => {
    await setAdmin(trx, user.id, admin);
    await recordAdminAction(trx, { action: admin ? 'admin_granted' : 'admin_revoked', now: ctx.clock.now(), actor: cliActor(), target: { id: user.id, username: user.username } });
  });
  if (admin) {
    ctx.output.out(`${name} is now an admin: the console is at ${ctx.config.appUrl}${CONSOLE_PATH}.`);
    ctx.output.out('They must have a second factor and sign in with it before the console shows anything.');
  } else {
    ctx.output.out(`${name} is no longer an admin.`);
  }
  return { ok: true };
}
