/**
 * Puts the provider into the site (src/app.ts calls this inside the `site` scope, after the session is loaded):
 *
 * - `/oidc` and `/oidc/*` are routes of the site whose own onRequest hook hands the raw request to the provider's
 *   Koa app, after the site's onRequest hooks (session, language, request id) and before any body is read: Koa
 *   reads the body itself. Fastify's router decides which requests those are, after it decoded the path and
 *   resolved an absolute-form target (`GET /%6Fidc/…`, `GET http://x/oidc/…`): a test on the raw URL would miss
 *   spellings. Every other request of the site pays nothing for the provider (it was @fastify/middie, whose hook
 *   ran on every request of the site; decision 027).
 * - Koa believes X-Forwarded-Proto and -Host (`provider.proxy`), and derives every endpoint it advertises from
 *   them: a client's own `X-Forwarded-Host: evil.example` would otherwise put evil.example into discovery. They
 *   are overwritten wherever the provider is handed a request — in the provider's routes and in the interaction
 *   routes' scope — with APP_URL's scheme and host, and the client address Fastify's (which followed TRUST_PROXY).
 *   The rest of the site keeps its headers as they came (the dev outbox refuses forwarded requests by them).
 * - A response Koa writes skips Fastify's reply, and with it the security headers: they are set on the raw
 *   response here. Its CSP has no `form-action`: the provider's only forms (the automatic sign-out when another
 *   person signs in) end at the app, on another site, which `form-action 'self'` would stop.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { howSignedIn } from '../auth/sign-in.js';
import type { AppContext } from '../context.js';
import { oidcSubjectOf } from '../db/users.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import { OIDC_MOUNT_PATH } from '../lib/paths.js';
import { securityHeaders } from '../http/security-headers.js';
import { interactionRoutes } from './interaction.js';
import type { LiveProvider } from './live-provider.js';
import { setRequestFacts, type GatehouseSignIn } from './request-facts.js';

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

/** Records what the provider may ask about this request (src/oidc/request-facts.ts); the sign-in only when asked. */
function recordFacts(ctx: AppContext, request: FastifyRequest): void {
  let signIn: Promise<GatehouseSignIn | null> | undefined;
  setRequestFacts(request.raw, { t: request.t, ip: request.ip, id: request.id, signIn: () => (signIn ??= signInOf(ctx, request)) });
}

/** The index of the first of `stops` in `text` from `from` on, or the text's length. */
function indexOfAny(text: string, stops: string, from: number): number {
  for (let i = from; i < text.length; i++) if (stops.includes(text[i]!)) return i;
  return text.length;
}

/**
 * The request target as the provider's Koa app is to see it: the path after the mount's segment, and the query.
 * Only requests the router matched to `/oidc` or `/oidc/*` come here, so the first segment of the path is the
 * mount's however it is spelled (`%6Fidc`); an absolute-form target (`http://host/oidc/…`) loses its scheme and
 * host first, as in the router. The rest stays as sent: Koa decodes it.
 */
export function targetWithinMount(url: string): string {
  const path = url.startsWith('/') ? 0 : indexOfAny(url, '/?#', url.indexOf('://') + 3);
  const rest = url.slice(indexOfAny(url, '/?#', path + 1));
  return rest.startsWith('/') ? rest : `/${rest}`;
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

  // The provider answers in the route's onRequest hook, so no body is read and no later hook of the site runs; Koa
  // ends the response itself. `done` is called only with an error (the provider could not be built): the site's
  // error page.
  const handToProvider: onRequestHookHandler = (request, reply, done) => {
    const req: IncomingMessage & { originalUrl?: string } = request.raw;
    const sent = req.url ?? '/';
    recordFacts(ctx, request);
    pinForwarding(req.headers, appUrl, request.ip);
    req.url = targetWithinMount(sent);
    // The provider builds its endpoints from the part of `originalUrl` before its own path, and the request line
    // may name another host (`http://evil.example/oidc/…`) or spell the path otherwise: the mount's path is the one.
    req.originalUrl = `${OIDC_MOUNT_PATH}${req.url}`;
    for (const [name, value] of Object.entries(providerHeaders)) reply.raw.setHeader(name, value);
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    // The provider of the moment: a change of signing keys swaps it (src/oidc/live-provider.ts).
    provider.handle(req, reply.raw, (error) => {
      // The site's error page, for the request as it was sent; never a way on to the rest of the site's hooks.
      req.url = sent;
      done(error instanceof Error ? error : new Error(`the OpenID Connect provider failed: ${String(error)}`));
    });
  };
  for (const url of [OIDC_MOUNT_PATH, `${OIDC_MOUNT_PATH}/*`]) {
    site.all(url, { onRequest: handToProvider }, (_request, reply) => reply.callNotFound());
  }

  // The interaction routes hand the raw request to the provider too (its cookies, its URLs): a hook of their own
  // scope runs for exactly the requests the router gave them.
  await site.register(async function interaction(scope) {
    scope.addHook('onRequest', (request, _reply, done) => {
      recordFacts(ctx, request);
      pinForwarding(request.raw.headers, appUrl, request.ip);
      done();
    });
    await scope.register(interactionRoutes, { ctx, live: provider });
  });
}
