/**
 * Allow and Deny on the consent page (the page itself is drawn by interaction.ts). Each POST carries Gatehouse's
 * CSRF token (checked for every form of the site) and is bound twice before it counts:
 *
 * - to the interaction named by the provider's own cookie, which must be the one in the address and be asking for
 *   consent — a form of another tab, another browser or a stale request changes nothing;
 * - to the person: the one signed in to Gatehouse must be the account of the provider's session the consent is
 *   for. Anyone else (signed out, or another person signed in since) is sent back through /continue, which
 *   asks them to sign in as that person; nothing is granted.
 *
 * What is granted is worked out again here from the interaction kept on the server (`consentAsked`), never read
 * from the form, so it is exactly what the page named. Both answers end on /interaction/<uid>/continue: a
 * browser applies CSP `form-action 'self'` to the whole redirect chain of a form post (interaction.ts).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction } from 'oidc-provider';
import { isInteractionGone, type LiveProvider } from './live-provider.js';
import { z } from 'zod';
import { logAppEvent } from '../auth/events.js';
import { howSignedIn } from '../auth/sign-in.js';
import type { AppContext } from '../context.js';
import { oidcSubjectOf } from '../db/users.js';
import { formSchema } from '../http/form-schema.js';
import { CLAIMS_OF_SCOPE } from './claims.js';
import { DESCRIBED_SCOPES, expiredPage, type DescribedScope } from './views.js';
import { INTERACTION_PATH } from '../lib/paths.js';

const Params = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const EmptyForm = formSchema({});

export interface ConsentAsked {
  /** Scopes to add to the grant. */
  scopes: string[];
  /** Claims asked for by name (the claims parameter) that a scope on the page covers. */
  claims: string[];
  /** What the page names, in its order. */
  shown: DescribedScope[];
}

/**
 * What the consent page asks for: the scopes (and claims) the app has not been allowed yet — only those, when an
 * app that has access asks for more. With `prompt=consent` and nothing new, the app asked to be confirmed: the
 * page names all it asks for. A claim asked for by name is granted only when a scope the page names releases it.
 */
export function consentAsked(details: Pick<Interaction, 'params' | 'prompt'>): ConsentAsked {
  const requested = typeof details.params.scope === 'string' ? details.params.scope.split(' ').filter(Boolean) : [];
  const missingScopes = details.prompt.details.missingOIDCScope ?? [];
  const missingClaims = details.prompt.details.missingOIDCClaims ?? [];
  const scopes = missingScopes.length > 0 || missingClaims.length > 0 ? missingScopes : requested;
  const scopesOfClaims = Object.entries(CLAIMS_OF_SCOPE)
    .filter(([scope, claims]) => scope !== 'openid' && claims.some((claim) => missingClaims.includes(claim)))
    .map(([scope]) => scope);
  const shown = DESCRIBED_SCOPES.filter((scope) => scopes.includes(scope) || scopesOfClaims.includes(scope));
  const claims = missingClaims.filter((claim) => scopesOfClaims.some((scope) => (CLAIMS_OF_SCOPE as Record<string, string[]>)[scope]!.includes(claim)));
  return { scopes, claims, shown };
}

export const consentRoutes: FastifyPluginAsync<{ ctx: AppContext; live: LiveProvider }> = async (app, { ctx, live }) => {
  type Req = FastifyRequest<{ Params: z.infer<typeof Params> }>;

  /** The interaction and the account the answer is for, or null when the reply was already sent. */
  async function bound(request: Req, reply: FastifyReply): Promise<{ details: Interaction; sub: string } | null> {
    const t = request.t;
    let details: Interaction;
    try {
      details = await (await live.provider()).interactionDetails(request.raw, reply.raw);
    } catch (error) {
      if (!(await isInteractionGone(error))) throw error;
      await reply.page(t.apps.expired.title, expiredPage(t), { status: 400 });
      return null;
    }
    if (details.uid !== request.params.uid || details.prompt.name !== 'consent') {
      await reply.page(t.apps.expired.title, expiredPage(t), { status: 400 });
      return null;
    }
    const user = request.user;
    const session = request.session;
    const sub = user && session && howSignedIn(session) ? await oidcSubjectOf(ctx.db, user) : null;
    if (sub === null || details.session?.accountId !== sub) {
      // Not the person the consent is for: /continue asks them to sign in as that person.
      request.log.warn({ interaction: details.uid }, 'consent answered by someone other than the person it is for');
      await reply.redirect(`${INTERACTION_PATH}/${details.uid}/continue`, 303);
      return null;
    }
    return { details, sub };
  }

  app.post<{ Params: z.infer<typeof Params> }>(`${INTERACTION_PATH}/:uid/consent`, { schema: { params: Params, body: EmptyForm } }, async (request, reply) => {
    const answer = await bound(request, reply);
    if (!answer) return reply;
    const provider = await live.provider();
    const { details, sub } = answer;
    const clientId = details.params.client_id;
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing && existing.accountId === sub && existing.clientId === clientId ? existing : new provider.Grant({ accountId: sub, clientId });
    const asked = consentAsked(details);
    if (asked.scopes.length > 0) grant.addOIDCScope(asked.scopes.join(' '));
    if (asked.claims.length > 0) grant.addOIDCClaims(asked.claims);
    const grantId = await grant.save();
    await provider.interactionResult(request.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true });
    await logAppEvent(ctx, request, request.user!.id, 'oidc_consent', clientId);
    return reply.redirect(`${INTERACTION_PATH}/${details.uid}/continue`, 303);
  });

  app.post<{ Params: z.infer<typeof Params> }>(`${INTERACTION_PATH}/:uid/deny`, { schema: { params: Params, body: EmptyForm } }, async (request, reply) => {
    const answer = await bound(request, reply);
    if (!answer) return reply;
    const provider = await live.provider();
    await provider.interactionResult(request.raw, reply.raw, { error: 'access_denied', error_description: 'the person did not allow the app access' }, { mergeWithLastSubmission: false });
    return reply.redirect(`${INTERACTION_PATH}/${answer.details.uid}/continue`, 303);
  });
};
