/** SQL for the second factors beyond SMS: the authenticator app (TOTP) and recovery codes; and whether a user has any factor. */
import type { ExpressionBuilder, ExpressionWrapper, Kysely, SqlBool } from 'kysely';
import { cancelEnrollment } from './phone-enrollments.js';
import { setEmailCodesEnabled } from './email-codes.js';
import { deletePasskeysOfUser } from './passkeys.js';
import { allColumns, prepared, type Placeholders } from './prepared.js';
import type { Database, TotpFactor } from './schema.js';
import { deleteTrustedDevicesOfUser } from './trusted-devices.js';
import { disableTwoFactor } from './users.js';

type Db = Kysely<Database>;

// ---- Any factor at all ----

/**
 * `hasSecondFactor(await factorsOf(db, user))` (src/auth/factors.ts, the rule) as an SQL expression over a
 * `users` row, for a query over many users at once (the admin CLI's list-users): a passkey, a confirmed
 * authenticator app, or SMS codes to a phone. A backup phone, email codes and recovery codes come only with one
 * of these and do not count alone. test/db/factors.test.ts holds the two to the same answer for every factor.
 */
export function hasSecondFactorSql(eb: ExpressionBuilder<Database, 'users'>): ExpressionWrapper<Database, 'users', SqlBool> {
  return eb.or([
    eb.exists(eb.selectFrom('webauthn_credentials').select('webauthn_credentials.user_id').whereRef('webauthn_credentials.user_id', '=', 'users.id')),
    eb.exists(
      eb
        .selectFrom('totp_factors')
        .select('totp_factors.user_id')
        .whereRef('totp_factors.user_id', '=', 'users.id')
        .where('totp_factors.confirmed_at', 'is not', null),
    ),
    eb.and([eb('users.two_factor_enabled', '<>', 0), eb('users.phone', 'is not', null), eb('users.phone', '<>', '')]),
  ]);
}

// ---- Authenticator app ----

const TOTP_COLUMNS = allColumns<TotpFactor>({
  user_id: true,
  secret: true,
  created_at: true,
  confirmed_at: true,
  last_used_step: true,
});
/** Prepared, as the other two queries of `factorsOf` (src/auth/factors.ts), which every signed-in home page runs. */
const totpFactorOf = prepared((db: Db, p: Placeholders<{ userId: number }>) => db.selectFrom('totp_factors').select(TOTP_COLUMNS).where('user_id', '=', p.userId));

export async function findTotpFactor(db: Db, userId: number): Promise<TotpFactor | undefined> {
  return totpFactorOf.takeFirst(db, { userId });
}

/** A new key to enrol, replacing an unconfirmed one; never an active factor (returns false then). */
export async function startTotpEnrollment(db: Db, userId: number, sealedSecret: string, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('totp_factors').select('confirmed_at').where('user_id', '=', userId).executeTakeFirst();
    if (existing?.confirmed_at != null) return false;
    await trx.deleteFrom('totp_factors').where('user_id', '=', userId).execute();
    await trx.insertInto('totp_factors').values({ user_id: userId, secret: sealedSecret, created_at: now, confirmed_at: null, last_used_step: null }).execute();
    return true;
  });
}

/** Activates an enrolment with the step of its first valid code; false when it was already active or gone. */
export async function confirmTotpFactor(db: Db, userId: number, step: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ confirmed_at: now, last_used_step: step })
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Uses time step `step` of an active factor: true for the first request that
 * does so, false for a replay (the step or a newer one was used already), even
 * when two requests with the same code arrive together — one conditional UPDATE
 * decides.
 */
export async function useTotpStep(db: Db, userId: number, step: number): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ last_used_step: step })
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteTotpFactor(db: Db, userId: number): Promise<boolean> {
  const result = await db.deleteFrom('totp_factors').where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

// ---- Recovery codes ----

/** Replaces the user's codes with these (hashes); the old set stops working at once. Call it in a transaction. */
export async function replaceRecoveryCodes(db: Db, userId: number, codeHashes: string[], now: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (codeHashes.length > 0) {
    await db
      .insertInto('recovery_codes')
      .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now, used_at: null })))
      .execute();
  }
}

export async function deleteRecoveryCodes(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

const unusedRecoveryCodeCount = prepared((db: Db, p: Placeholders<{ userId: number }>) =>
  db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', p.userId)
    .where('used_at', 'is', null),
);

export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  return Number((await unusedRecoveryCodeCount.takeFirst(db, { userId }))?.n ?? 0);
}

/** Marks the code used: true for the one request that does so, false when unknown or already used. */
export async function useRecoveryCode(db: Db, userId: number, codeHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

// ---- Every factor at once ----

/**
 * Removes every second factor of the user: the authenticator app (set up or
 * half set up), SMS codes (and an SMS set-up in progress), the recovery codes,
 * and the remembered devices, which stood in for a factor now gone. Used by a
 * completed account recovery (src/auth/account-recovery.ts) and the admin
 * CLI's reset-factors. Sessions are the caller's to end. Call it in a
 * transaction; a new kind of factor is removed here too.
 */
export async function removeAllSecondFactors(db: Db, userId: number): Promise<void> {
  await deletePasskeysOfUser(db, userId);
  await deleteTotpFactor(db, userId);
  await disableTwoFactor(db, userId); // the backup phone goes with it
  await cancelEnrollment(db, userId);
  await deleteRecoveryCodes(db, userId);
  await setEmailCodesEnabled(db, userId, false);
  await deleteTrustedDevicesOfUser(db, userId);
}

/**
 * "This wasn't me": the passkeys and authenticator app added since the notice
 * was sent are the intruder's, not the owner's; they go (older factors stay).
 * Returns how many were removed. Call it in a transaction.
 */
export async function removeFactorsAddedSince(db: Db, userId: number, since: number): Promise<number> {
  const passkeys = await db.deleteFrom('webauthn_credentials').where('user_id', '=', userId).where('created_at', '>=', since).executeTakeFirst();
  const app = await db
    .deleteFrom('totp_factors')
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('confirmed_at', 'is', null), eb('confirmed_at', '>=', since)]))
    .executeTakeFirst();
  return Number(passkeys.numDeletedRows) + Number(app.numDeletedRows);
}
