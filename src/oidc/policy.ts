/**
 * When the provider must send the browser through the interaction (src/oidc/interaction.ts) although it has a
 * session of its own. Gatehouse's session is the truth: the provider's session stands for exactly one
 * Gatehouse sign-in — the same person, signed in at the same moment. When the person signed out of Gatehouse,
 * or someone (even the same person) signed in anew, the provider's session no longer stands for anything, and the
 * interaction decides again from the Gatehouse session as it is now (with `prompt=none`: `login_required`).
 *
 * And it must be strong enough: an app registered `--require two-factor|passkey`, a request's `acr_values` and an
 * essential `acr` claim each ask for a level (1fa < 2fa < phr). A session below the highest of them goes through
 * the interaction, which asks for the missing step or answers `unmet_authentication_requirements`; a stronger one
 * satisfies a weaker request without a page, and the ID token says the level it reached.
 */
import { errors, interactionPolicy, type OidcSession, type Policy, type UnknownObject } from 'oidc-provider';
import { ACR_ONE_FACTOR, ACR_PHISHING_RESISTANT, ACR_TWO_FACTOR, authTimeOf, type Acr } from './claims.js';
import { requestFacts, type GatehouseSignIn } from './request-facts.js';

const { Check, base } = interactionPolicy;

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

function objectAt(value: unknown, key: string): UnknownObject | null {
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

/**
 * Checked when the claims parameter arrives (`features.claimsParameter.assertClaimsParameter`): an `acr` request
 * the checks could misread is refused as the library refused it before its own acr checks were removed.
 */
export function assertAcrRequest(claims: UnknownObject): void {
  const acr = objectAt(claims.id_token, 'acr');
  if (!acr) return;
  if (acr.essential !== undefined && typeof acr.essential !== 'boolean') throw new errors.InvalidRequest('claims.id_token.acr.essential must be a boolean');
  if (acr.value !== undefined && typeof acr.value !== 'string') throw new errors.InvalidRequest('claims.id_token.acr.value must be a string');
  if (acr.values !== undefined && (!Array.isArray(acr.values) || !acr.values.every((v) => typeof v === 'string'))) {
    throw new errors.InvalidRequest('invalid claims.id_token.acr.values type');
  }
}

/** True when the provider's session is the copy of this Gatehouse sign-in. */
export function sessionStandsFor(session: Pick<OidcSession, 'accountId' | 'loginTs'>, signIn: Pick<GatehouseSignIn, 'sub' | 'record'> | null): boolean {
  return signIn !== null && session.accountId === signIn.sub && session.loginTs === authTimeOf(signIn.record);
}

/**
 * The library's base policy (login, then consent) with Gatehouse's two checks added to login, and the library's
 * own `acr` checks taken out: they want the very value asked for, so a stronger session (a passkey for an app
 * asking two factors) would be sent through the interaction again and again.
 */
export function gatehousePolicy(): Policy {
  const policy = base();
  const login = policy.get('login')!;
  login.checks.remove('essential_acr');
  login.checks.remove('essential_acrs');
  // The errors must be named: a check added after the prompt was built does not inherit `login_required`, and
  // `prompt=none` would answer `interaction_required`.
  login.checks.add(
    new Check('gatehouse_session', 'the Gatehouse sign-in this session stood for is over', 'login_required', async (ctx) => {
      // No provider session at all: the library's own `no_session` check asks already.
      if (ctx.oidc.session.accountId === undefined) return Check.NO_NEED_TO_PROMPT;
      const signIn = (await requestFacts(ctx.req)?.signIn()) ?? null;
      return sessionStandsFor(ctx.oidc.session, signIn) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  login.checks.add(
    new Check('gatehouse_acr', 'the sign-in is weaker than the app or the request requires', 'login_required', (ctx) => {
      if (ctx.oidc.session.accountId === undefined) return Check.NO_NEED_TO_PROMPT;
      const required = requiredLevel(ctx.oidc.client?.gatehouse_requirement, ctx.oidc.params);
      return levelOfAcr(ctx.oidc.session.acr) < required ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}
