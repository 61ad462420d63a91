/**
 * Which second factors an account has, and which one a sign-in offers first.
 * An account has two-factor sign-in when it has at least one factor; recovery
 * codes are a way back in, not a factor of their own.
 */
import type { Kysely } from 'kysely';
import { countUnusedRecoveryCodes, findTotpFactor } from '../db/factors.js';
import type { Database, User } from '../db/schema.js';
import { TWO_FACTOR_SIGN_IN_PATH } from './guards.js';

export type SignInFactor = 'totp' | 'sms';

export interface AccountFactors {
  /** An authenticator app is set up (confirmed). */
  totp: boolean;
  /** Codes by SMS or voice call to `users.phone`. */
  sms: boolean;
  /** Unused recovery codes. */
  recoveryCodes: number;
}

export async function factorsOf(db: Kysely<Database>, user: Pick<User, 'id' | 'phone' | 'two_factor_enabled'>): Promise<AccountFactors> {
  const [totp, recoveryCodes] = await Promise.all([findTotpFactor(db, user.id), countUnusedRecoveryCodes(db, user.id)]);
  return { totp: totp?.confirmed_at != null, sms: Boolean(user.two_factor_enabled && user.phone), recoveryCodes };
}

export function hasSecondFactor(f: AccountFactors): boolean {
  return f.totp || f.sms;
}

/** The factors a sign-in can use, the one used last first, else the stronger (app before SMS). */
export function signInFactors(user: Pick<User, 'last_factor'>, f: AccountFactors): SignInFactor[] {
  const available: SignInFactor[] = [...(f.totp ? (['totp'] as const) : []), ...(f.sms ? (['sms'] as const) : [])];
  const last = available.find((factor) => factor === user.last_factor);
  return last ? [last, ...available.filter((factor) => factor !== last)] : available;
}

/** The page of each way to finish a sign-in. */
export const SIGN_IN_FACTOR_PATHS = {
  sms: TWO_FACTOR_SIGN_IN_PATH,
  totp: `${TWO_FACTOR_SIGN_IN_PATH}/app`,
  recovery: `${TWO_FACTOR_SIGN_IN_PATH}/recovery`,
} as const;
