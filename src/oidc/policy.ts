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
 * satisfies a weaker request without a page, and the ID token says the level it reached. The levels and how a
 * request asks for one are in src/oidc/levels.ts (no library there: the interaction compares them too).
 */
import { errors, interactionPolicy, type OidcSession, type Policy, type UnknownObject } from 'oidc-provider';
import { authTimeOf } from './claims.js';
import { levelOfAcr, objectAt, requiredLevel } from './levels.js';
import { requestFacts, type GatehouseSignIn } from './request-facts.js';

const { Check, base } = interactionPolicy;

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
