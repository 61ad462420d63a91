/**
 * SQL for `oidc_payloads`, what the OpenID Connect provider stores (src/oidc/adapter.ts decides ids and
 * payloads; this module only reads and writes rows). Times are milliseconds; a row past `expires_at` is not found.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export interface PayloadRow {
  model: string;
  id: string;
  /** JSON. */
  payload: string;
  grantId: string | null;
  sessionUid: string | null;
  accountId: string | null;
  clientId: string | null;
  expiresAt: number | null;
}

export interface StoredPayload {
  payload: string;
  consumedAt: number | null;
}

/** Inserts the row or replaces its payload and columns; `consumed_at` is never changed here. */
export async function upsertPayload(db: Db, row: PayloadRow): Promise<void> {
  const values = {
    payload: row.payload,
    grant_id: row.grantId,
    session_uid: row.sessionUid,
    account_id: row.accountId,
    client_id: row.clientId,
    expires_at: row.expiresAt,
  };
  await db
    .insertInto('oidc_payloads')
    .values({ model: row.model, id: row.id, ...values, consumed_at: null })
    .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(values))
    .execute();
}

/**
 * Stores a code or token issued under a grant, unless the grant has ended; false then. Atomic with the grant's end
 * on both databases: the Grant row is locked first (a no-op UPDATE, held to the commit), and `deleteGrant` deletes
 * that row before the rest, so it either waits for this insert and then deletes its row too, or ended the grant
 * before and nothing is stored. Without it, a token issued at the moment a replayed code ended its grant outlived it.
 */
export async function upsertPayloadUnderGrant(db: Db, row: PayloadRow & { grantId: string }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const grant = await trx
      .updateTable('oidc_payloads')
      .set((eb) => ({ consumed_at: eb.ref('consumed_at') }))
      .where('model', '=', 'Grant')
      .where('id', '=', row.grantId)
      .executeTakeFirst();
    if (grant.numUpdatedRows === 0n) return false;
    await upsertPayload(trx, row);
    return true;
  });
}

export async function findPayload(db: Db, model: string, id: string, now: number): Promise<StoredPayload | undefined> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select(['payload', 'consumed_at'])
    .where('model', '=', model)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return row ? { payload: row.payload, consumedAt: row.consumed_at } : undefined;
}

export async function findPayloadBySessionUid(db: Db, model: string, uid: string, now: number): Promise<(StoredPayload & { id: string }) | undefined> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select(['id', 'payload', 'consumed_at'])
    .where('model', '=', model)
    .where('session_uid', '=', uid)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return row ? { id: row.id, payload: row.payload, consumedAt: row.consumed_at } : undefined;
}

/**
 * Marks a live row used, in one compare-and-swap: true for the one caller that set `consumed_at`, false for
 * every other (a replay, or a redemption racing it), and for a row that is gone or expired.
 */
export async function consumePayload(db: Db, model: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('oidc_payloads')
    .set({ consumed_at: now })
    .where('model', '=', model)
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The grant a row belongs to, live or not (a replayed code's grant is revoked even after the code expired). */
export async function grantIdOf(db: Db, model: string, id: string): Promise<string | null> {
  const row = await db.selectFrom('oidc_payloads').select('grant_id').where('model', '=', model).where('id', '=', id).executeTakeFirst();
  return row?.grant_id ?? null;
}

export async function deletePayload(db: Db, model: string, id: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
}

/** Deletes the rows of one model that belong to a grant (the provider's `revokeByGrantId`). */
export async function deletePayloadsOfGrant(db: Db, model: string, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('model', '=', model).where('grant_id', '=', grantId).execute();
}

/**
 * Ends a grant: the Grant itself and every code and token issued under it, whatever their model. The Grant row
 * goes first, in a statement of its own: an insert under the grant that holds its lock (`upsertPayloadUnderGrant`)
 * commits before it, and the second statement, started after, sees that insert's row and deletes it.
 */
export async function deleteGrant(db: Db, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('model', '=', 'Grant').where('id', '=', grantId).execute();
  await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
}

/**
 * Deletes what the provider holds for an account — its grants, codes, access and refresh tokens, interactions —
 * but the provider's sessions: they say which apps to tell (back-channel logout), and the caller hands the ended
 * Gatehouse sessions to `identityProvider.sessionsEnded` after the commit, which ends them. One left over (its
 * Gatehouse session was replaced by another sign-in before) is worth nothing: the provider's policy accepts a
 * session only with the live Gatehouse sign-in it stands for (src/oidc/policy.ts), and it expires. For the flows
 * that end every way into an account (src/auth/sign-out-everywhere.ts); `sub` is the account's `users.oidc_subject`.
 */
export async function deleteOidcPayloadsOfAccount(db: Db, sub: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('account_id', '=', sub).where('model', '<>', 'Session').execute();
}

/**
 * The id of the account's live Grant for an app that lasts longest (the newest: every grant gets the same
 * lifetime), or null. Consent is remembered through it across browsers and sign-ins (src/oidc/provider.ts).
 */
export async function latestGrantIdOf(db: Db, sub: string, clientId: string, now: number): Promise<string | null> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select('id')
    .where('model', '=', 'Grant')
    .where('account_id', '=', sub)
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('expires_at', 'desc')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}
