/**
 * SQL for `oidc_apps`: the apps that sign people in with Gatehouse. Written by the admin CLI and the console's Apps
 * section (both through src/oidc/app-registration.ts), and the console's list of them with their use.
 */
import type { Kysely } from 'kysely';
import type { Database, OidcApp } from './schema.js';

type Db = Kysely<Database>;

export async function insertOidcApp(db: Db, app: OidcApp): Promise<void> {
  await db.insertInto('oidc_apps').values(app).execute();
}

export async function findOidcApp(db: Db, clientId: string): Promise<OidcApp | undefined> {
  return db.selectFrom('oidc_apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** Every app, oldest first. */
export async function listOidcApps(db: Db): Promise<OidcApp[]> {
  return db.selectFrom('oidc_apps').selectAll().orderBy('created_at').orderBy('client_id').execute();
}

/** An app as the console lists it: its settings, how many people let it in, and when it last signed one in. */
export interface ListedOidcApp extends OidcApp {
  people: number;
  /** The latest `last_sign_in_at` among its access rows; null when nobody has signed in to it (or all removed it). */
  lastUsedAt: number | null;
}

/**
 * Every app, oldest first, with its use. One pass over `oidc_app_access`'s (client_id, last_sign_in_at) index
 * (migration 023) counts the people and finds the latest sign-in of each app.
 */
export async function listOidcAppsWithUse(db: Db): Promise<ListedOidcApp[]> {
  const use = db
    .selectFrom('oidc_app_access')
    .select((eb) => ['client_id', eb.fn.countAll<number | string>().as('people'), eb.fn.max('last_sign_in_at').as('last_used_at')])
    .groupBy('client_id')
    .as('use');
  const rows = await db
    .selectFrom('oidc_apps as app')
    .leftJoin(use, 'use.client_id', 'app.client_id')
    .selectAll('app')
    .select(['use.people', 'use.last_used_at'])
    .orderBy('app.created_at')
    .orderBy('app.client_id')
    .execute();
  return rows.map(({ people, last_used_at, ...app }) => ({ ...app, people: Number(people ?? 0), lastUsedAt: last_used_at === null ? null : Number(last_used_at) }));
}

/**
 * Changes what an operator may change of a registered app (src/oidc/app-registration.ts checks it first); its
 * kind, secret, ID token algorithm and creation stay. True when the app exists.
 */
export async function updateOidcAppSettings(
  db: Db,
  clientId: string,
  settings: Pick<OidcApp, 'name' | 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri' | 'first_party' | 'requirement'>,
): Promise<boolean> {
  const result = await db.updateTable('oidc_apps').set(settings).where('client_id', '=', clientId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Removes the app and everything the provider holds for it: its grants, and every code, token and interaction
 * issued to it (a token of a removed app must not keep working until it expires), and the "Apps with access"
 * rows naming it. True when the app existed.
 */
export async function deleteOidcApp(db: Db, clientId: string): Promise<boolean> {
  // In the caller's transaction when it has one (the console writes its audit entry in the same one).
  const inTransaction = <T>(work: (trx: Db) => Promise<T>): Promise<T> => (db.isTransaction ? work(db) : db.transaction().execute(work));
  return inTransaction(async (trx) => {
    const grants = trx.selectFrom('oidc_payloads').select('id').where('model', '=', 'Grant').where('client_id', '=', clientId);
    await trx
      .deleteFrom('oidc_payloads')
      .where((eb) => eb.or([eb('client_id', '=', clientId), eb('grant_id', 'in', grants)]))
      .execute();
    await trx.deleteFrom('oidc_app_access').where('client_id', '=', clientId).execute();
    const result = await trx.deleteFrom('oidc_apps').where('client_id', '=', clientId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  });
}

/** Replaces a confidential app's secret hash; false when there is no such app or it has no secret (public). */
export async function replaceOidcAppSecret(db: Db, clientId: string, secretHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('oidc_apps')
    .set({ secret_hash: secretHash, secret_rotated_at: now })
    .where('client_id', '=', clientId)
    .where('secret_hash', 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Every back-channel logout address an operator registered (`apps add --backchannel-logout-uri`), as registered. */
export async function registeredBackchannelLogoutUris(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('oidc_apps').select('backchannel_logout_uri').where('backchannel_logout_uri', 'is not', null).execute();
  return rows.map((row) => row.backchannel_logout_uri!);
}
