/** SQL for `oidc_apps`: the apps that sign people in with Gatehouse. Written only by the admin CLI. */
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

/**
 * Removes the app and everything the provider holds for it: its grants, and every code, token and interaction
 * issued to it (a token of a removed app must not keep working until it expires), and the "Apps with access"
 * rows naming it. True when the app existed.
 */
export async function deleteOidcApp(db: Db, clientId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
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
