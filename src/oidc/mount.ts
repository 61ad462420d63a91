/**
 * Puts the provider into the site (src/app.ts calls this inside the `site` scope, after the session is loaded):
 *
 * - `/oidc/*` is answered by the provider's Koa app through @fastify/middie. Middie must sit in the scope that owns
 *   the not-found handler, or it never sees these paths; its onRequest hook runs after the ones added here.
 * - Koa believes X-Forwarded-Proto and -Host (`provider.proxy`), and derives every endpoint it advertises from
 *   them: a client's own `X-Forwarded-Host: evil.example` would otherwise put evil.example into discovery. They
 *   are overwritten wherever the provider is handed a request — in middie's handler and in the interaction routes'
 *   scope — with APP_URL's scheme and host, and the client address Fastify's (which followed TRUST_PROXY). Which
 *   requests those are is decided by middie and by the router themselves, after they decoded the path and resolved
 *   an absolute-form target (`GET /%6Fidc/…`, `GET http://x/oidc/…`): a test on the raw URL would miss spellings.
 *   The rest of the site keeps its headers as they came (the dev outbox refuses forwarded requests by them).
 * - A response Koa writes skips Fastify's reply, and with it the security headers: they are set on the raw
 *   response here. Its CSP has no `form-action`: the provider's only forms (the automatic sign-out when another
 *   person signs in) end at the app, on another site, which `form-action 'self'` would stop.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import middie from '@fastify/middie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { howSignedIn } from '../auth/sign-in.js';
import type { AppContext } from '../context.js';
import { oidcSubjectOf } from '../db/users.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import { OIDC_MOUNT_PATH } from '../lib/paths.js';
import { securityHeaders } from '../http/security-headers.js';
import { interactionRoutes } from './interaction.js';
import type { LiveProvider } from './live-provider.js';
import { requestFacts, setRequestFacts, type GatehouseSignIn } from './request-facts.js';

/** The browser's Gatehouse sign-in, or null (no one, a pending second step, or a session older than its record). */
async function signInOf(ctx: AppContext, request: FastifyRequest): Promise<GatehouseSignIn | null> {
  if (!request.user || !request.session) return null;
  const record = howSignedIn(request.session);
  if (!record) return null;
  return { sub: await oidcSubjectOf(ctx.db, request.user), record, sessionId: request.session.id };
}

/** The provider's view of where a request came from: APP_URL's scheme and host, whatever the client sent. */
function pinForwarding(headers: IncomingHttpHeaders, appUrl: URL, ip: string): void {
  headers['x-forwarded-proto'] = appUrl.protocol.slice(0, -1);
  headers['x-forwarded-host'] = appUrl.host;
  headers['x-forwarded-for'] = ip;
}

export async function mountIdentityProvider(site: FastifyInstance, ctx: AppContext, provider: LiveProvider): Promise<void> {
  const appUrl = new URL(ctx.config.appUrl);
  const headers = securityHeaders({ https: ctx.config.secureCookies });
  const providerHeaders = {
    ...headers,
    'content-security-policy': headers['content-security-policy']!
      .split(';')
      .filter((directive) => !directive.startsWith('form-action'))
      .join(';'),
  };

  // For every request of the site: which ones middie hands to the provider is known only in its own hook, later.
  site.addHook('onRequest', (request, _reply, done) => {
    let signIn: Promise<GatehouseSignIn | null> | undefined;
    setRequestFacts(request.raw, { t: request.t, ip: request.ip, id: request.id, signIn: () => (signIn ??= signInOf(ctx, request)) });
    done();
  });

  await site.register(middie);
  site.use(OIDC_MOUNT_PATH, (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    const facts = requestFacts(req);
    if (!facts) throw new Error('a request reached the OpenID Connect provider without its facts (mount order)');
    pinForwarding(req.headers, appUrl, facts.ip);
    // The provider builds its endpoints from the part of `originalUrl` before its own path: middie leaves the
    // request line there as sent (`http://evil.example/oidc/…`, `/%6Fidc/…`). The path as mounted is the only one.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${OIDC_MOUNT_PATH}${req.url ?? ''}`;
    for (const [name, value] of Object.entries(providerHeaders)) res.setHeader(name, value);
    res.setHeader(REQUEST_ID_HEADER, facts.id);
    // The provider of the moment: a change of signing keys swaps it (src/oidc/live-provider.ts).
    provider.handle(req, res, next);
  });

  // The interaction routes hand the raw request to the provider too (its cookies, its URLs): a hook of their own
  // scope runs for exactly the requests the router gave them.
  await site.register(async function interaction(scope) {
    scope.addHook('onRequest', (request, _reply, done) => {
      pinForwarding(request.raw.headers, appUrl, request.ip);
      done();
    });
    await scope.register(interactionRoutes, { ctx, live: provider });
  });
}
