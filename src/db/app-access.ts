/**
 * SQL for `oidc_app_access`, the apps a person let in ("Apps with access" on the security page), and for taking
 * that access back. What an app may see is its Grant in `oidc_payloads`; this table says which apps there are
 * and when each last signed the person in.
 */
import type { Kysely } from 'kysely';
import { isRowId } from '../lib/row-id.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export interface AppWithAccess {
  clientId: string;
  /** The app's name; null when the app was removed meanwhile (its row is then on its way out). */
  name: string | null;
  firstGrantedAt: number;
  lastSignInAt: number;
}

/**
 * An app was given a code for the account: the row is made, or its `last_sign_in_at` moved on. True when the row
 * is new, that is the app's first sign-in for the account (or the first since its access was removed).
 */
export async function recordAppSignIn(db: Db, userId: number, clientId: string, now: number): Promise<boolean> {
  const inserted = await db
    .insertInto('oidc_app_access')
    .values({ user_id: userId, client_id: clientId, first_granted_at: now, last_sign_in_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'client_id']).doNothing())
    .executeTakeFirst();
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return true;
  await db.updateTable('oidc_app_access').set({ last_sign_in_at: now }).where('user_id', '=', userId).where('client_id', '=', clientId).execute();
  return false;
}

/** The apps with access to the account, the one that signed the person in last first. */
export async function appsWithAccess(db: Db, userId: number): Promise<AppWithAccess[]> {
  const rows = await db
    .selectFrom('oidc_app_access as a')
    .leftJoin('oidc_apps as app', 'app.client_id', 'a.client_id')
    .select(['a.client_id', 'app.name', 'a.first_granted_at', 'a.last_sign_in_at'])
    .where('a.user_id', '=', userId)
    .orderBy('a.last_sign_in_at', 'desc')
    .orderBy('a.client_id')
    .execute();
  return rows.map((r) => ({ clientId: r.client_id, name: r.name, firstGrantedAt: Number(r.first_granted_at), lastSignInAt: Number(r.last_sign_in_at) }));
}

/**
 * "Remove access": the app's grants for the account, every code, access and refresh token issued under them, and
 * the access row. The app's tokens then fail at refresh, userinfo and introspection (each loads the grant), and its
 * next sign-in asks for consent again. `sub` is the account's `users.oidc_subject` (what the grants name). Each
 * Grant row goes first, in a statement of its own, as in `deleteGrant`: a token being stored under the grant at that
 * moment holds the Grant row's lock, commits first, and is then deleted with the rest. True when there was anything
 * to remove.
 */
export async function removeAppAccess(db: Db, userId: number, sub: string | null, clientId: string): Promise<boolean> {
  const grantIds =
    sub === null
      ? []
      : (await db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Grant').where('account_id', '=', sub).where('client_id', '=', clientId).execute()).map((r) => r.id);
  for (const grantId of grantIds) {
    await db.deleteFrom('oidc_payloads').where('model', '=', 'Grant').where('id', '=', grantId).execute();
    await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
  }
  const access = await db.deleteFrom('oidc_app_access').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
  return grantIds.length > 0 || access.numDeletedRows > 0n;
}

/** One person with access to an app, as the console lists them. */
export interface PersonWithAccess {
  userId: number;
  username: string;
  firstGrantedAt: number;
  lastSignInAt: number;
}

/** Where a page of an app's people ends: the last row's sign-in time and account id. Opaque to the operator. */
export type AccessCursor = string;

function cursorParts(cursor: AccessCursor | null): { at: number; userId: number } | null {
  const match = cursor === null ? null : /^([0-9]{1,15})\.([0-9]{1,10})$/.exec(cursor);
  return match && isRowId(match[2]!) ? { at: Number(match[1]), userId: Number(match[2]) } : null;
}

/**
 * The people an app has access to, the latest sign-in first, `limit` at a time. Each page starts after the previous
 * page's last (sign-in time, account id) — keyset, read in order from the (client_id, last_sign_in_at, user_id)
 * index of migration 023 — so a late page of a popular app costs what the first does. A malformed cursor starts over.
 */
export async function peopleWithAccess(db: Db, clientId: string, after: AccessCursor | null, limit: number): Promise<{ rows: PersonWithAccess[]; next: AccessCursor | null }> {
  const from = cursorParts(after);
  let query = db
    .selectFrom('oidc_app_access as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.user_id', 'u.username', 'a.first_granted_at', 'a.last_sign_in_at'])
    .where('a.client_id', '=', clientId);
  if (from !== null) {
    query = query.where((eb) =>
      eb.or([eb('a.last_sign_in_at', '<', from.at), eb.and([eb('a.last_sign_in_at', '=', from.at), eb('a.user_id', '<', from.userId)])]),
    );
  }
  const found = await query.orderBy('a.last_sign_in_at', 'desc').orderBy('a.user_id', 'desc').limit(limit + 1).execute();
  const more = found.length > limit;
  const rows = (more ? found.slice(0, limit) : found).map((r) => ({
    userId: r.user_id,
    username: r.username,
    firstGrantedAt: Number(r.first_granted_at),
    lastSignInAt: Number(r.last_sign_in_at),
  }));
  const last = rows[rows.length - 1];
  return { rows, next: more && last ? `${last.lastSignInAt}.${last.userId}` : null };
}
