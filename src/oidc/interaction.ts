/**
 * The interaction: where the provider sends a browser when an app's sign-in request needs Gatehouse to decide
 * something (GET /interaction/<uid>). It never shows a sign-in form of its own: someone not signed in goes to
 * Gatehouse's `/login` — the same password page, second-factor gate, limits and languages — with `next` back to
 * /interaction/<uid>/continue; someone signed in goes straight back to the app without a page.
 *
 * /continue makes the same decision, but answers with a page that goes on by itself (a meta refresh) instead of
 * a redirect: the sign-in form's POST redirects there, and a browser applies CSP `form-action 'self'` to the
 * whole redirect chain of a form post, which would otherwise end at the app's site and be blocked.
 *
 * `prompt=login` and `max_age` ask for a fresh sign-in: the moment it was asked for is kept with the interaction
 * on the server at the first visit, signed in or not, and only a sign-in completed after it lets the request
 * through (someone signed in is shown the sign-in page anyway: `/login?fresh=1`). `prompt=none` never gets here:
 * the provider answers `login_required`.
 *
 * An app registered `--require two-factor|passkey`, `acr_values` and an essential `acr` claim ask for a level
 * (src/oidc/policy.ts). A sign-in below it is sent to sign in again — with `require=two-factor` (a remembered
 * browser does not skip the second step), or with a passkey — and the sign-in that comes back is judged again
 * here: the hints in those addresses can only make a sign-in stricter. An account that cannot reach the level
 * (no second factor, no passkey) goes back to the app with `unmet_authentication_requirements`, never a code.
 *
 * Consent: an app registered `--first-party` is granted what it asks without a page. Any other app gets the consent
 * page (consent.ts), naming it and, in plain words, what it will see; Allow and Deny are POSTs bound to this
 * interaction and to the person it is for, and end on /continue like every other form here.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, InteractionResults } from 'oidc-provider';
import { z } from 'zod';
import { factorsOf, hasSecondFactor } from '../auth/factors.js';
import { howSignedIn, type SignInRecord } from '../auth/sign-in.js';
import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';
import { oidcSubjectOf } from '../db/users.js';
import { REQUIRE_TWO_FACTOR } from '../features/login/routes.js';
import { acrOf, amrOf, authTimeOf } from './claims.js';
import { consentAsked, consentRoutes } from './consent.js';
import { isInteractionGone, type LiveProvider } from './live-provider.js';
import { levelOfAcr, ONE_FACTOR, PHISHING_RESISTANT, requestedSubject, requiredLevel, TWO_FACTOR, UNREACHABLE, type Level } from './levels.js';
import { consentPage, continuingPage, expiredPage } from './views.js';
import { INTERACTION_PATH, LOGIN_PATH, PASSKEY_SIGN_IN_PATH } from '../lib/paths.js';

/** Where, in an interaction's stored result, the moment a fresh sign-in was asked for is kept. */
const FRESH_AFTER = 'gatehouse_fresh_sign_in_after';

/**
 * The account an `id_token_hint` names, or null. The library verified the token (signature, issuer, audience) at
 * the authorization endpoint, and an interaction's parameters are kept on the server, so its payload is read here
 * without checking it again.
 */
export function hintedSubject(hint: string): string | null {
  const payload = hint.split('.')[1];
  if (payload === undefined) return null;
  try {
    const { sub } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

/** Does the request ask for a sign-in no older than itself, or than `max_age`? */
function asksForFreshSignIn(details: Pick<Interaction, 'params' | 'prompt'>): boolean {
  return details.prompt.reasons.includes('login_prompt') || details.params.max_age !== undefined;
}

const Params = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/**
 * Where to sign in for an interaction: a passkey when a phishing-resistant sign-in is needed; else the password
 * page, told to ask for the second step even on a remembered device when two factors are needed. `fresh`: show
 * the page to someone signed in. Both are hints the sign-in pages may honour only to be stricter.
 */
export function signInAddress(next: string, fresh: boolean, required: Level): string {
  const query = new URLSearchParams();
  if (fresh) query.set('fresh', '1');
  if (required === TWO_FACTOR) query.set('require', REQUIRE_TWO_FACTOR);
  query.set('next', next);
  return `${required >= PHISHING_RESISTANT ? PASSKEY_SIGN_IN_PATH : LOGIN_PATH}?${query.toString()}`;
}

/** Can the account sign in at this level at all: a second factor for two factors, a passkey for phishing-resistant. */
async function canReach(ctx: AppContext, user: User, required: Level): Promise<boolean> {
  if (required === UNREACHABLE) return false;
  if (required <= ONE_FACTOR) return true;
  const factors = await factorsOf(ctx.db, user);
  return required === TWO_FACTOR ? hasSecondFactor(factors) : factors.passkeys > 0;
}

/**
 * Does the sign-in satisfy the request's demand for freshness? `prompt=login` wants one completed after the
 * request; `max_age` one no older than that many seconds when the request came (OpenID Connect Core 3.1.2.1).
 */
export function needsFreshSignIn(details: Pick<Interaction, 'iat' | 'params' | 'prompt'>, record: SignInRecord): boolean {
  if (details.prompt.reasons.includes('login_prompt')) return true;
  const maxAge = details.params.max_age === undefined ? undefined : Number(details.params.max_age);
  return maxAge !== undefined && Number.isFinite(maxAge) && authTimeOf(record) + maxAge < details.iat;
}

export const interactionRoutes: FastifyPluginAsync<{ ctx: AppContext; live: LiveProvider }> = async (app, { ctx, live }) => {
  /**
   * `page`: answer with the page that goes on by itself (after a form), else with a 303 (a GET chain from the app).
   */
  async function decide(request: FastifyRequest<{ Params: z.infer<typeof Params> }>, reply: FastifyReply, page: boolean) {
    const t = request.t;
    const provider = await live.provider();
    let details: Interaction;
    try {
      details = await provider.interactionDetails(request.raw, reply.raw);
    } catch (error) {
      // No interaction cookie, or the interaction expired or finished: nothing to go back to but the app.
      if (await isInteractionGone(error)) return reply.page(t.apps.expired.title, expiredPage(t), { status: 400 });
      throw error;
    }
    // The cookie names the interaction; an address naming another one is a stale tab or a forged link.
    if (details.uid !== request.params.uid) return reply.page(t.apps.expired.title, expiredPage(t), { status: 400 });
    const here = `${INTERACTION_PATH}/${details.uid}/continue`;
    const client = await provider.Client.find(details.params.client_id);
    // The level the app and the request ask for (levels.ts); the sign-in pages are asked for it, but only as a hint:
    // whatever sign-in comes back is judged here again.
    const required = requiredLevel(client?.gatehouse_requirement, details.params);
    const toSignIn = (fresh: boolean) => reply.redirect(signInAddress(here, fresh, required), 303);

    const finish = async (result: InteractionResults, merge: boolean) => {
      const to = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: merge });
      if (!page) return reply.redirect(to, 303);
      const appName = client?.clientName ?? details.params.client_id;
      return reply.page(t.apps.continuing.title, continuingPage(t, { appName, to }), { refreshTo: to });
    };

    const stored = details.result?.[FRESH_AFTER];
    let askedAt = typeof stored === 'number' ? stored : null;
    if (details.prompt.name === 'login' && asksForFreshSignIn(details) && askedAt === null) {
      // Kept on the server with the interaction, before anyone signs in: the browser cannot claim it signed in
      // since, and the one sign-in a signed-out person makes here is after it.
      askedAt = ctx.clock.now();
      await provider.interactionResult(request.raw, reply.raw, { [FRESH_AFTER]: askedAt }, { mergeWithLastSubmission: false });
    }

    const unmet = () =>
      finish({ error: 'unmet_authentication_requirements', error_description: 'the account cannot sign in as strongly as the app or the request requires' }, false);
    // An essential acr of values Gatehouse never issues: no sign-in would do, so nobody is asked for one.
    if (details.prompt.name === 'login' && required === UNREACHABLE) return unmet();

    const user = request.user;
    const session = request.session;
    // A session signed in before sign-ins were recorded (migration 014) says nothing about how: sign in again.
    const record = user && session ? howSignedIn(session) : null;
    if (!user || !session) return toSignIn(false);
    if (!record) return toSignIn(true);
    const sub = await oidcSubjectOf(ctx.db, user);

    if (details.prompt.name === 'login') {
      // The app names the account it expects (OpenID Connect Core 3.1.2.1): anyone else gets `login_required`. The
      // library compares the hint with its session at the authorization endpoint, but not when the request resumes
      // after this interaction: it would issue a code for whoever signed in here.
      const hint = details.params.id_token_hint;
      if (typeof hint === 'string' && hintedSubject(hint) !== sub) {
        return finish({ error: 'login_required', error_description: 'the account signed in is not the one id_token_hint names' }, false);
      }
      // The same for a subject the claims parameter demands: the library would ask again after this login, forever.
      const demanded = requestedSubject(details.params);
      if (demanded !== null && demanded !== sub) {
        return finish({ error: 'login_required', error_description: 'the account signed in is not the one the claims parameter names' }, false);
      }
      const acr = acrOf(record);
      if (levelOfAcr(acr) < required) {
        // Someone who cannot give the step asked for is sent back to the app, never with a code (and never
        // round again through the sign-in pages).
        if (!(await canReach(ctx, user, required))) return unmet();
        return toSignIn(true);
      }
      if (needsFreshSignIn(details, record) && (askedAt === null || record.at <= askedAt)) return toSignIn(true);
      return finish({ login: { accountId: sub, acr, amr: amrOf(record), ts: authTimeOf(record), remember: Boolean(session.remember) } }, false);
    }

    if (details.prompt.name === 'consent') {
      // The consent asked for belongs to the provider session's person; another person signed in must sign in as them.
      if (details.session?.accountId !== sub) return toSignIn(true);
      // Allow or Deny was pressed (consent.ts): on to the app with the answer.
      if (details.result?.consent !== undefined || details.result?.error !== undefined) {
        if (!page) return reply.redirect(details.returnTo, 303);
        const appName = client?.clientName ?? details.params.client_id;
        return reply.page(t.apps.continuing.title, continuingPage(t, { appName, to: details.returnTo }), { refreshTo: details.returnTo });
      }
      if (client?.gatehouse_first_party !== true) {
        const asked = consentAsked(details);
        const action = `${INTERACTION_PATH}/${details.uid}`;
        return reply.page(
          t.apps.consent.title,
          consentPage(t, {
            csrfToken: reply.csrfToken(),
            appName: client?.clientName ?? details.params.client_id,
            username: user.username,
            scopes: asked.shown,
            more: details.grantId !== undefined,
            allowAction: `${action}/consent`,
            denyAction: `${action}/deny`,
          }),
          { noReferrer: true },
        );
      }
      // A first-party app: what it asks for is granted without a page.
      const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId: sub, clientId: details.params.client_id });
      const missingScopes = details.prompt.details.missingOIDCScope;
      if (missingScopes) grant.addOIDCScope(missingScopes.join(' '));
      const missingClaims = details.prompt.details.missingOIDCClaims;
      if (missingClaims) grant.addOIDCClaims(missingClaims);
      return finish({ consent: { grantId: await grant.save() } }, true);
    }
    throw new Error(`unexpected interaction prompt "${details.prompt.name}"`);
  }

  app.get<{ Params: z.infer<typeof Params> }>(`${INTERACTION_PATH}/:uid`, { schema: { params: Params } }, (request, reply) => decide(request, reply, false));
  app.get<{ Params: z.infer<typeof Params> }>(`${INTERACTION_PATH}/:uid/continue`, { schema: { params: Params } }, (request, reply) => decide(request, reply, true));
  await app.register(consentRoutes, { ctx, live });
};
