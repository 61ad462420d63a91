/**
 * When the provider must send the browser through the interaction (src/oidc/interaction.ts) although it has a
 * session of its own. Gatehouse's session is the truth: the provider's session stands for exactly one
 * Gatehouse sign-in — the same person, signed in at the same moment. When the person signed out of Gatehouse,
 * or someone (even the same person) signed in anew, the provider's session no longer stands for anything, and the
 * interaction decides again from the Gatehouse session as it is now (with `prompt=none`: `login_required`).
 */
import { interactionPolicy, type OidcSession, type Policy } from 'oidc-provider';
import { authTimeOf } from './claims.js';
import { requestFacts, type GatehouseSignIn } from './request-facts.js';

const { Check, base } = interactionPolicy;

/** True when the provider's session is the copy of this Gatehouse sign-in. */
export function sessionStandsFor(session: Pick<OidcSession, 'accountId' | 'loginTs'>, signIn: Pick<GatehouseSignIn, 'sub' | 'record'> | null): boolean {
  return signIn !== null && session.accountId === signIn.sub && session.loginTs === authTimeOf(signIn.record);
}

/** The library's base policy (login, then consent) with the Gatehouse-session check added to login. */
export function gatehousePolicy(): Policy {
  const policy = base();
  policy.get('login')!.checks.add(
    // The error must be named: a check added after the prompt was built does not inherit `login_required`, and
    // `prompt=none` would answer `interaction_required`.
    new Check('gatehouse_session', 'the Gatehouse sign-in this session stood for is over', 'login_required', async (ctx) => {
      // No provider session at all: the library's own `no_session` check asks already.
      if (ctx.oidc.session.accountId === undefined) return Check.NO_NEED_TO_PROMPT;
      const signIn = (await requestFacts(ctx.req)?.signIn()) ?? null;
      return sessionStandsFor(ctx.oidc.session, signIn) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
