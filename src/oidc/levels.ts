/**
 * How strong a sign-in is and how strong a request asks it to be, read from the request's own parameters: the
 * levels the interaction (src/oidc/interaction.ts) and the provider's policy (src/oidc/policy.ts) compare. Nothing
 * here needs the OpenID Connect library, so the pages that compare levels load without it.
 */
import type { UnknownObject } from 'oidc-provider';
import { ACR_ONE_FACTOR, ACR_PHISHING_RESISTANT, ACR_TWO_FACTOR, type Acr } from './claims.js';

/** How strong a sign-in is, as a number to compare: no sign-in < one factor < two factors < phishing-resistant. */
export type Level = 0 | 1 | 2 | 3 | 4;
export const NOTHING_REQUIRED = 0;
export const ONE_FACTOR = 1;
export const TWO_FACTOR = 2;
export const PHISHING_RESISTANT = 3;
/** Asked for with an essential `acr` none of whose values Gatehouse knows: no sign-in reaches it. */
export const UNREACHABLE = 4;

const LEVEL_OF_ACR: Record<Acr, Level> = { [ACR_ONE_FACTOR]: ONE_FACTOR, [ACR_TWO_FACTOR]: TWO_FACTOR, [ACR_PHISHING_RESISTANT]: PHISHING_RESISTANT };

/** What `apps add --require` stores (oidc_apps.requirement), as a level. */
const LEVEL_OF_REQUIREMENT: Record<string, Level> = { 'two-factor': TWO_FACTOR, passkey: PHISHING_RESISTANT };

/** The level an `acr` value stands for; 0 for a value Gatehouse does not issue (or none). */
export function levelOfAcr(acr: unknown): Level {
  return typeof acr === 'string' && Object.hasOwn(LEVEL_OF_ACR, acr) ? LEVEL_OF_ACR[acr as Acr] : NOTHING_REQUIRED;
}

/** The weakest of the values Gatehouse knows (any of them will do), or null when it knows none of them. */
function weakestKnown(values: readonly unknown[]): Level | null {
  const known = values.map(levelOfAcr).filter((level) => level !== NOTHING_REQUIRED);
  return known.length > 0 ? (Math.min(...known) as Level) : null;
}

/** The request's `claims` parameter as the library accepted it (a JSON object), or null. */
function claimsParameterOf(params: UnknownObject): UnknownObject | null {
  if (typeof params.claims !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(params.claims);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as UnknownObject) : null;
  } catch {
    return null;
  }
}

export function objectAt(value: unknown, key: string): UnknownObject | null {
  if (value === null || typeof value !== 'object') return null;
  const inner = (value as UnknownObject)[key];
  return inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? (inner as UnknownObject) : null;
}

/**
 * The level a request needs: the highest of the app's requirement, `acr_values` (voluntary, so only values
 * Gatehouse knows count, and the weakest of them will do) and an essential `acr` in the `claims` parameter's
 * `id_token` (its `value` or `values`; the weakest known one will do, and none known cannot be met at all).
 * Read from the request's own parameters: the library folds `acr_values` over the claims parameter's `acr`.
 */
export function requiredLevel(requirement: unknown, params: UnknownObject): Level {
  let required: Level = typeof requirement === 'string' && Object.hasOwn(LEVEL_OF_REQUIREMENT, requirement) ? LEVEL_OF_REQUIREMENT[requirement]! : NOTHING_REQUIRED;
  const raise = (level: Level) => {
    if (level > required) required = level;
  };
  if (typeof params.acr_values === 'string') raise(weakestKnown(params.acr_values.split(' ')) ?? NOTHING_REQUIRED);
  const acr = objectAt(objectAt(claimsParameterOf(params), 'id_token'), 'acr');
  if (acr?.essential === true) {
    const asked: unknown[] = [...(acr.value !== undefined ? [acr.value] : []), ...(Array.isArray(acr.values) ? (acr.values as unknown[]) : [])];
    // Essential, and only values Gatehouse never issues: no sign-in can give it.
    if (asked.length > 0) raise(weakestKnown(asked) ?? UNREACHABLE);
  }
  return required;
}

/**
 * The subject the `claims` parameter demands for the ID token (`{"id_token":{"sub":{"value":…}}}`), or null. The
 * library checks it against its session at every authorization request, and again when the request resumes:
 * the interaction refuses another account with `login_required` before it would sign it in (and loop).
 */
export function requestedSubject(params: UnknownObject): string | null {
  const sub = objectAt(objectAt(claimsParameterOf(params), 'id_token'), 'sub');
  return typeof sub?.value === 'string' ? sub.value : null;
}
