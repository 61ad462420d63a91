/**
 * Which second factors an account has, and which one a sign-in offers first.
 * An account has two-factor sign-in when it has at least one factor: a passkey,
 * an authenticator app or SMS codes (with an optional backup phone). Recovery
 * codes and email codes are ways back in that come with a factor, never a
 * factor of their own: the mailbox already resets the password, so email codes
 * alone would make the mailbox the only key.
 */
import type { Kysely } from 'kysely';
import { setEmailCodesEnabled } from '../db/email-codes.js';
import { countUnusedRecoveryCodes, deleteRecoveryCodes, findTotpFactor } from '../db/factors.js';
import { findUserById, lockUserRow } from '../db/users.js';
import { countPasskeys } from '../db/passkeys.js';
import type { Database, User } from '../db/schema.js';

export type SecondFactor = 'passkey' | 'totp' | 'sms';

export interface AccountFactors {
  /** Passkeys and security keys registered. */
  passkeys: number;
  /** An authenticator app is set up (confirmed). */
  totp: boolean;
  /** Codes by SMS or voice call to `users.phone`. */
  sms: boolean;
  /** A second number for SMS codes (only with `sms`). */
  backupPhone: boolean;
  /** Email codes turned on as a fallback (only counted while another factor is on). */
  emailCodes: boolean;
  /** Unused recovery codes. */
  recoveryCodes: number;
}

export async function factorsOf(
  db: Kysely<Database>,
  user: Pick<User, 'id' | 'phone' | 'two_factor_enabled' | 'backup_phone' | 'email_codes_enabled'>,
): Promise<AccountFactors> {
  const [passkeys, totp, recoveryCodes] = await Promise.all([countPasskeys(db, user.id), findTotpFactor(db, user.id), countUnusedRecoveryCodes(db, user.id)]);
  const sms = Boolean(user.two_factor_enabled && user.phone);
  const factors = { passkeys, totp: totp?.confirmed_at != null, sms, backupPhone: sms && Boolean(user.backup_phone), emailCodes: false, recoveryCodes };
  return { ...factors, emailCodes: Boolean(user.email_codes_enabled) && hasSecondFactor(factors) };
}

/**
 * The rule of "two-factor sign-in is on", wherever it is shown or enforced (the security and home pages, sign-in,
 * ENFORCE_2FA). Its SQL twin for lists of users is `hasSecondFactorSql` (src/db/factors.ts).
 */
export function hasSecondFactor(f: Pick<AccountFactors, 'passkeys' | 'totp' | 'sms'>): boolean {
  return f.passkeys > 0 || f.totp || f.sms;
}

/**
 * After a factor was removed: with none left, the fallbacks that come with one
 * (recovery codes, email codes) go too; they would be a way around nothing.
 * Call it in the transaction that removed the factor.
 */
export async function dropFallbacksWithoutFactor(db: Kysely<Database>, userId: number): Promise<void> {
  await lockUserRow(db, userId); // a removal running beside this one is seen before deciding
  const user = await findUserById(db, userId);
  if (!user || hasSecondFactor(await factorsOf(db, user))) return;
  await deleteRecoveryCodes(db, userId);
  await setEmailCodesEnabled(db, userId, false);
}

/** The factors a sign-in can use, the one used last first, else the strongest (passkey, then app, then SMS). */
export function signInFactors(user: Pick<User, 'last_factor'>, f: AccountFactors): SecondFactor[] {
  const available: SecondFactor[] = [...(f.passkeys > 0 ? (['passkey'] as const) : []), ...(f.totp ? (['totp'] as const) : []), ...(f.sms ? (['sms'] as const) : [])];
  const last = available.find((factor) => factor === user.last_factor);
  return last ? [last, ...available.filter((factor) => factor !== last)] : available;
}
