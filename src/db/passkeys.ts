/** SQL for passkeys and security keys (WebAuthn credentials) and the challenges they answered. */
import type { Kysely } from 'kysely';
import { prepared, type Placeholders } from './prepared.js';
import type { Database, WebauthnCredential } from './schema.js';

type Db = Kysely<Database>;

export async function passkeysOfUser(db: Db, userId: number): Promise<WebauthnCredential[]> {
  return db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

/** Prepared: every signed-in home page and security page counts them (src/auth/factors.ts). */
const passkeyCount = prepared((db: Db, p: Placeholders<{ userId: number }>) =>
  db
    .selectFrom('webauthn_credentials')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', p.userId),
);

export async function countPasskeys(db: Db, userId: number): Promise<number> {
  return Number((await passkeyCount.takeFirst(db, { userId }))?.n ?? 0);
}

/** The credential with this id, whoever owns it (passwordless sign-in starts from the credential). */
export async function findPasskey(db: Db, credentialId: string): Promise<WebauthnCredential | undefined> {
  return db.selectFrom('webauthn_credentials').selectAll().where('id', '=', credentialId).executeTakeFirst();
}

export async function insertPasskey(
  db: Db,
  p: { id: string; userId: number; publicKey: string; counter: number; transports: string[]; backedUp: boolean; name: string; now: number },
): Promise<void> {
  await db
    .insertInto('webauthn_credentials')
    .values({
      id: p.id,
      user_id: p.userId,
      public_key: p.publicKey,
      counter: p.counter,
      transports: p.transports.length > 0 ? p.transports.join(',') : null,
      backed_up: p.backedUp ? 1 : 0,
      name: p.name,
      created_at: p.now,
      last_used_at: null,
    })
    .execute();
}

/** After a sign-in with it: the authenticator's new counter, and when. */
export async function notePasskeyUse(db: Db, credentialId: string, counter: number, backedUp: boolean, now: number): Promise<void> {
  await db.updateTable('webauthn_credentials').set({ counter, backed_up: backedUp ? 1 : 0, last_used_at: now }).where('id', '=', credentialId).execute();
}

/** Renames one of the user's passkeys (only theirs: the id comes from a form). */
export async function renamePasskey(db: Db, userId: number, credentialId: string, name: string): Promise<boolean> {
  const result = await db.updateTable('webauthn_credentials').set({ name }).where('user_id', '=', userId).where('id', '=', credentialId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deletePasskey(db: Db, userId: number, credentialId: string): Promise<boolean> {
  const result = await db.deleteFrom('webauthn_credentials').where('user_id', '=', userId).where('id', '=', credentialId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deletePasskeysOfUser(db: Db, userId: number): Promise<number> {
  const result = await db.deleteFrom('webauthn_credentials').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The account's WebAuthn user handle, made (random) and stored the first time one is needed. */
export async function userHandleOf(db: Db, userId: number, fresh: () => string): Promise<string> {
  const row = await db.selectFrom('users').select('webauthn_user_handle').where('id', '=', userId).executeTakeFirst();
  if (row?.webauthn_user_handle) return row.webauthn_user_handle;
  // Two first registrations at once: only one handle is written; both read it back.
  await db.updateTable('users').set({ webauthn_user_handle: fresh() }).where('id', '=', userId).where('webauthn_user_handle', 'is', null).execute();
  const stored = await db.selectFrom('users').select('webauthn_user_handle').where('id', '=', userId).executeTakeFirstOrThrow();
  return stored.webauthn_user_handle!;
}

/**
 * Marks a challenge answered: true for the one request that does so, false when
 * it was answered already (a replayed response). One INSERT decides, so two
 * requests with the same response cannot both pass.
 */
export async function useChallenge(db: Db, nonce: string, expiresAt: number): Promise<boolean> {
  const result = await db.insertInto('webauthn_used_challenges').values({ nonce, expires_at: expiresAt }).onConflict((oc) => oc.column('nonce').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
