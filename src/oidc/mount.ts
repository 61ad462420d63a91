/**
 * Puts the provider into the site (src/app.ts calls this inside the `site` scope, after the session is loaded):
 *
 * - `/oidc/*` is answered by the provider's Koa app through @fastify/middie. Middie must sit in the scope that owns
 *   the not-found handler, or it never sees these paths; its onRequest hook runs after the ones added here.
 * - Koa believes X-Forwarded-Proto and -Host (`provider.proxy`), and derives every endpoint it advertises from
 *   them: a client's own `X-Forwarded-Host: evil.example` would otherwise put evil.example into discovery. They
 *   are overwritten here: scheme and host are APP_URL's, the client address Fastify's (which followed TRUST_PROXY).
 * - A response Koa writes skips Fastify's reply, and with it the security headers: they are set on the raw
 *   response here. Its CSP has no `form-action`: the provider's only forms (the automatic sign-out when another
 *   person signs in) end at the app, on another site, which `form-action 'self'` would stop.
 */
import middie from '@fastify/middie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { howSignedIn } from '../auth/sign-in.js';
import type { AppContext } from '../context.js';
import { oidcSubjectOf } from '../db/users.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import { securityHeaders } from '../http/security-headers.js';
import { interactionRoutes, INTERACTION_PATH } from './interaction.js';
import { OIDC_MOUNT_PATH } from './provider.js';
import { setRequestFacts, type GatehouseSignIn } from './request-facts.js';

function isProviderPath(url: string): boolean {
  return url === OIDC_MOUNT_PATH || url.startsWith(`${OIDC_MOUNT_PATH}/`) || url.startsWith(`${OIDC_MOUNT_PATH}?`);
}

/** The browser's Gatehouse sign-in, or null (no one, a pending second step, or a session older than its record). */
async function signInOf(ctx: AppContext, request: FastifyRequest): Promise<GatehouseSignIn | null> {
  if (!request.user || !request.session) return null;
  const record = howSignedIn(request.session);
  if (!record) return null;
  return { sub: await oidcSubjectOf(ctx.db, request.user), record };
}

export async function mountIdentityProvider(site: FastifyInstance, ctx: AppContext, provider: Provider): Promise<void> {
  const appUrl = new URL(ctx.config.appUrl);
  const headers = securityHeaders({ https: ctx.config.secureCookies });
  const providerHeaders = {
    ...headers,
    'content-security-policy': headers['content-security-policy']!
      .split(';')
      .filter((directive) => !directive.startsWith('form-action'))
      .join(';'),
  };

  site.addHook('onRequest', async (request, reply) => {
    const forProvider = isProviderPath(request.url);
    if (!forProvider && !request.url.startsWith(`${INTERACTION_PATH}/`)) return;
    // The interaction routes call the provider with the raw request too (its cookies, its URLs): the same view.
    const forwarded = request.raw.headers;
    forwarded['x-forwarded-proto'] = appUrl.protocol.slice(0, -1);
    forwarded['x-forwarded-host'] = appUrl.host;
    forwarded['x-forwarded-for'] = request.ip;
    if (!forProvider) return;
    for (const [name, value] of Object.entries(providerHeaders)) reply.raw.setHeader(name, value);
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    setRequestFacts(request.raw, { signIn: await signInOf(ctx, request), t: request.t });
  });
  await site.register(middie);
  site.use(OIDC_MOUNT_PATH, provider.callback());
  await site.register(interactionRoutes, { ctx, provider });
}
