/**
 * What apps are told about a person and about how they signed in. The account's claims come from its row; `amr`
 * and `acr` come only from the sign-in record `completeSignIn` wrote on the Gatehouse session (decision record
 * 016, `howSignedIn`), never from the route a person came through. The functions here are pure, and
 * table-tested (test/unit/oidc-claims.test.ts).
 */
import type { User } from '../db/schema.js';
import type { SignInMethod, SignInRecord } from '../auth/sign-in.js';
import { avatarUrl } from '../views/avatar.js';

/** acr values, weakest first. The first two are Gatehouse's; `phr` is OpenID EAP ACR Values' "phishing-resistant". */
export const ACR_ONE_FACTOR = 'urn:gatehouse:acr:1fa';
export const ACR_TWO_FACTOR = 'urn:gatehouse:acr:2fa';
export const ACR_PHISHING_RESISTANT = 'phr';
export const ACR_VALUES = [ACR_ONE_FACTOR, ACR_TWO_FACTOR, ACR_PHISHING_RESISTANT] as const;
export type Acr = (typeof ACR_VALUES)[number];

/** Size of the `picture` (px): Gravatar scales it; apps usually show a small round avatar. */
export const PICTURE_SIZE_PX = 256;

/** RFC 8176 authentication method reference values Gatehouse reports. */
export type Amr = 'pwd' | 'otp' | 'sms' | 'tel' | 'hwk' | 'swk' | 'user' | 'mfa';

/** What kind of factor a method proves (NIST SP 800-63B): two different kinds make a multi-factor sign-in. */
type FactorKind = 'knowledge' | 'possession' | 'inherence-or-knowledge';

const KIND_OF: Record<SignInMethod, FactorKind> = {
  password: 'knowledge',
  totp: 'possession',
  sms: 'possession',
  call: 'possession',
  // A code mailed to the account's address, or one of the printed recovery codes: something the person has.
  email_code: 'possession',
  recovery_code: 'possession',
  passkey: 'possession',
  // The passkey's PIN, fingerprint or face check: the authenticator does not say which.
  user_verification: 'inherence-or-knowledge',
};

/**
 * RFC 8176's names. It has none closer than `otp` for a code sent by mail or a printed recovery code (both are
 * one-time codes the person has; decision record 017). A passkey is `hwk` when the credential cannot leave its
 * device (not backed up) and `swk` when it is synced, or when that is unknown.
 */
function amrOfMethod(method: SignInMethod, passkeyDeviceBound: boolean): Amr {
  switch (method) {
    case 'password':
      return 'pwd';
    case 'totp':
    case 'email_code':
    case 'recovery_code':
      return 'otp';
    case 'sms':
      return 'sms';
    case 'call':
      return 'tel';
    case 'passkey':
      return passkeyDeviceBound ? 'hwk' : 'swk';
    case 'user_verification':
      return 'user';
  }
}

/**
 * The `amr` of a sign-in: its methods in order, then `mfa` when two kinds of factor were proved. A remembered
 * device that skipped the second step proved nothing at this sign-in: exactly `["pwd"]`, never `otp` or `mfa`.
 * A passkey is `hwk` only when the record says it was not backed up (device-bound); synced or unknown is `swk`.
 */
export function amrOf(record: SignInRecord): Amr[] {
  if (record.secondStepSkipped) return ['pwd'];
  const deviceBound = record.passkeyBackedUp === false;
  const amr = [...new Set(record.methods.map((m) => amrOfMethod(m, deviceBound)))];
  if (new Set(record.methods.map((m) => KIND_OF[m])).size >= 2) amr.push('mfa');
  return amr;
}

/** The `acr` of a sign-in: phishing-resistant with a passkey in it, two-factor with two kinds of factor, else one. */
export function acrOf(record: SignInRecord): Acr {
  if (!record.secondStepSkipped && record.methods.includes('passkey')) return ACR_PHISHING_RESISTANT;
  return amrOf(record).includes('mfa') ? ACR_TWO_FACTOR : ACR_ONE_FACTOR;
}

/** `auth_time`: when the Gatehouse sign-in completed, in whole seconds. */
export function authTimeOf(record: SignInRecord): number {
  return Math.floor(record.at / 1000);
}

export type AccountClaims = {
  sub: string;
  preferred_username: string;
  name: string;
  given_name: string;
  family_name: string;
  picture: string;
  email: string;
  email_verified: boolean;
  locale?: string;
  /** The groups an operator put the account in (admin CLI `groups add`), in name order; scope `groups`. */
  groups: string[];
};

/** The account's claims; the provider gives an app those its granted scopes name (`profile`, `email`, `groups`). */
export function accountClaims(
  user: Pick<User, 'username' | 'first_name' | 'last_name' | 'email' | 'email_confirmed_at' | 'locale'>,
  sub: string,
  groups: string[] = [],
): AccountClaims {
  return {
    sub,
    preferred_username: user.username,
    name: `${user.first_name} ${user.last_name}`.trim(),
    given_name: user.first_name,
    family_name: user.last_name,
    picture: avatarUrl(user.email, PICTURE_SIZE_PX),
    email: user.email,
    email_verified: user.email_confirmed_at !== null,
    // No language chosen yet: no claim, rather than a guess.
    ...(user.locale ? { locale: user.locale } : {}),
    groups,
  };
}

/** Which claims each scope releases (oidc-provider's `claims` setting). acr, amr and auth_time ride on `openid`. */
export const CLAIMS_OF_SCOPE = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['preferred_username', 'name', 'given_name', 'family_name', 'picture', 'locale'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
};
