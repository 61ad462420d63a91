/**
 * The OpenID Connect provider (issue #13): the bench's app registered with the admin CLI's own command, signed-in
 * browsers that have been through the app once, code → token exchanges and refresh-token grants.
 */
import { createHash } from 'node:crypto';
import autocannon from 'autocannon';
import { pwnedPasswordsOff } from '../src/adapters/pwned-passwords/off.js';
import { addApp } from '../src/admin/app-commands.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { systemClock } from '../src/lib/duration.js';
import { cookieHeaderOf } from '../test/support/cookies.js';
import { fromResult, percentile, type Measured, type Site } from './load.js';
import { serverEnv } from './server.js';
import { addressOf, cookiesFrom, form, FORM, signInWithFetch } from './sessions.js';
import { CONNECTIONS, DURATION_S, WARMUP_S } from './settings.js';

/** The bench's app: first-party (no consent page), confidential, redirect URI on the loopback address. */
const OIDC_REDIRECT_URI = 'http://127.0.0.1/callback';
/**
 * One PKCE pair for every request: the server hashes the verifier each time all the same; fresh randomness per
 * request would only cost the load generator.
 */
const PKCE_VERIFIER = 'bench-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
const PKCE_CHALLENGE = createHash('sha256').update(PKCE_VERIFIER).digest('base64url');

export interface OidcBenchApp {
  clientId: string;
  /** `Basic …` for the token endpoint. */
  authorization: string;
}

/** Registers the app with the admin CLI's own command, in this process, on the seeded database. */
export async function registerOidcApp(databaseUrl: string, dataDir: string): Promise<OidcBenchApp> {
  const handle = openDatabase(databaseUrl);
  try {
    const config = loadConfig(serverEnv(databaseUrl, null), { envFile: null, dataDir });
    const lines: string[] = [];
    const ctx = { db: handle.db, config, clock: systemClock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line: string) => lines.push(line) } };
    const result = await addApp(ctx, {
      name: 'Bench',
      kind: 'web',
      redirectUris: [OIDC_REDIRECT_URI],
      postLogoutRedirectUris: [],
      backchannelLogoutUri: null,
      firstParty: true,
      requirement: 'none',
      idTokenAlg: 'ES256',
      json: true,
    });
    if (!result.ok) throw new Error(`apps add failed: ${result.problem}`);
    const { client_id: clientId, client_secret: secret } = JSON.parse(lines[0]!) as { client_id: string; client_secret: string };
    return { clientId, authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` };
  } finally {
    await handle.destroy();
  }
}

function authorizationPath(app: OidcBenchApp, scope: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: OIDC_REDIRECT_URI,
    scope,
    code_challenge: PKCE_CHALLENGE,
    code_challenge_method: 'S256',
    state: 'bench-state',
    nonce: 'bench-nonce',
    ...extra,
  });
  return `/oidc/auth?${params.toString()}`;
}

/** A response header from autocannon's headers object, whatever the case of its name. */
function headerOf(headers: Record<string, string | string[] | undefined> | undefined, name: string): string | string[] | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The code in a redirect to the app, or null (an error, or not yet at the app). */
function codeIn(location: string | undefined | null): string | null {
  if (!location?.startsWith(OIDC_REDIRECT_URI)) return null;
  return new URL(location).searchParams.get('code');
}

/** Follows the provider's redirects as a signed-in browser (the cookie jar), from the authorization request to the code. */
async function codeWithFetch(site: Site, jar: Map<string, string>, app: OidcBenchApp, scope: string, extra: Record<string, string> = {}): Promise<{ code: string; hops: number }> {
  let path = authorizationPath(app, scope, extra);
  for (let hop = 1; hop <= 8; hop++) {
    const res = await fetch(site.url + path, { redirect: 'manual', headers: { ...site.headers, cookie: cookieHeaderOf(jar) } });
    await res.arrayBuffer();
    cookiesFrom(res.headers.getSetCookie(), jar);
    const location = res.headers.get('location');
    if (!location) throw new Error(`${path} answered ${res.status} without a redirect`);
    if (location.startsWith(OIDC_REDIRECT_URI)) {
      const code = codeIn(location);
      if (!code) throw new Error(`the app was sent back without a code: ${location}`);
      return { code, hops: hop };
    }
    const next = new URL(location, site.url);
    path = next.pathname + next.search;
  }
  throw new Error('more than 8 redirects between the authorization request and the app');
}

async function redeemCode(site: Site, app: OidcBenchApp, code: string): Promise<{ refresh_token?: string; id_token?: string }> {
  const res = await fetch(`${site.url}/oidc/token`, {
    method: 'POST',
    headers: { ...site.headers, authorization: app.authorization, 'content-type': FORM },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: OIDC_REDIRECT_URI, code_verifier: PKCE_VERIFIER }),
  });
  const body = (await res.json()) as { refresh_token?: string; id_token?: string; error?: string };
  if (res.status !== 200 || !body.id_token) throw new Error(`the token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * Signed-in browsers that have been through one sign-in to the app already (the provider's session and the
 * grant exist): from then on an authorization request is answered at once with a redirect carrying the code.
 */
export async function oidcBrowsers(site: Site, app: OidcBenchApp, logins: string[]): Promise<Map<string, string>[]> {
  const jars: Map<string, string>[] = [];
  for (let i = 0; i < logins.length; i++) {
    const { jar } = await signInWithFetch(site, logins[i]!, addressOf(300_000 + i));
    await redeemCode(site, app, (await codeWithFetch(site, jar, app, 'openid')).code);
    const again = await codeWithFetch(site, jar, app, 'openid');
    if (again.hops !== 1) throw new Error(`a signed-in browser's second authorization request took ${again.hops} hops, not 1`);
    jars.push(jar);
  }
  return jars;
}

/** Refresh tokens, one chain per signed-in browser, each asked for with `offline_access` (and `prompt=consent`). */
export async function refreshChains(site: Site, app: OidcBenchApp, browsers: Map<string, string>[]): Promise<string[]> {
  const tokens: string[] = [];
  for (const jar of browsers) {
    const { code } = await codeWithFetch(site, jar, app, 'openid offline_access', { prompt: 'consent' });
    const { refresh_token: refreshToken } = await redeemCode(site, app, code);
    if (!refreshToken) throw new Error('no refresh token for offline_access');
    tokens.push(refreshToken);
  }
  return tokens;
}

export interface ExchangeRun {
  measured: Measured;
  /** Completed exchanges (a 200 from the token endpoint with the code) per second, and their time. */
  perS: number;
  p50: number;
  p99: number;
  outcomes: Record<string, number>;
}

/**
 * The app's whole part of a sign-in, for a person already signed in: `GET /oidc/auth` (the provider checks the
 * Gatehouse session, finds the grant, stores a code; 303 to the app), then `POST /oidc/token` (client
 * authentication, the code consumed atomically, PKCE, an ES256 ID token signed, the access token stored).
 * Browsers are checked out of a pool for each pair, so one browser never has two requests in flight.
 */
export async function codeExchanges(site: Site, app: OidcBenchApp, browsers: Map<string, string>[]): Promise<ExchangeRun> {
  const free = [...browsers];
  const requests = (stats: { times: number[]; outcomes: Record<string, number> }): autocannon.Request[] => {
    type Ctx = { jar?: Map<string, string>; code?: string | null; started?: number };
    return [
      {
        method: 'GET',
        path: authorizationPath(app, 'openid'),
        setupRequest: (request, context) => {
          const ctx = context as Ctx;
          ctx.jar = free.pop() ?? browsers[0]!;
          ctx.started = performance.now();
          return { ...request, headers: { ...request.headers, cookie: cookieHeaderOf(ctx.jar) } };
        },
        onResponse: (_status, _body, context, headers) => {
          const ctx = context as Ctx;
          // Koa writes `Location` and `Set-Cookie` as it names them; autocannon keeps the names as sent.
          cookiesFrom(headerOf(headers, 'set-cookie'), ctx.jar);
          const location = headerOf(headers, 'location');
          ctx.code = codeIn(typeof location === 'string' ? location : undefined);
        },
      },
      {
        method: 'POST',
        path: '/oidc/token',
        setupRequest: (request, context) => {
          const ctx = context as Ctx;
          return {
            ...request,
            headers: { ...request.headers, authorization: app.authorization, 'content-type': FORM },
            body: form({ grant_type: 'authorization_code', code: ctx.code ?? 'no-code', redirect_uri: OIDC_REDIRECT_URI, code_verifier: PKCE_VERIFIER }),
          };
        },
        onResponse: (status, _body, context) => {
          const ctx = context as Ctx;
          stats.outcomes[status] = (stats.outcomes[status] ?? 0) + 1;
          if (status === 200 && ctx.started !== undefined) stats.times.push(performance.now() - ctx.started);
          if (ctx.jar) free.push(ctx.jar);
        },
      },
    ];
  };
  const options = { url: site.url, headers: { ...site.headers }, connections: CONNECTIONS };
  if (WARMUP_S > 0) await autocannon({ ...options, duration: WARMUP_S, requests: requests({ times: [], outcomes: {} }) });
  const stats = { times: [] as number[], outcomes: {} as Record<string, number> };
  const result = await autocannon({ ...options, duration: DURATION_S, requests: requests(stats) });
  const sorted = stats.times.sort((a, b) => a - b);
  return { measured: fromResult(result), perS: sorted.length / result.duration, p50: percentile(sorted, 50), p99: percentile(sorted, 99), outcomes: stats.outcomes };
}

/**
 * `POST /oidc/token` with `grant_type=refresh_token`: the token endpoint alone, as an app renewing its access
 * token does it. Each grant rotates the chain (the old refresh token consumed, a new one stored with a new access
 * token and an ES256 ID token); chains are checked out of a pool, so a refresh token is never sent twice.
 */
export async function refreshGrants(site: Site, app: OidcBenchApp, chains: string[]): Promise<Measured> {
  const free = [...chains];
  const outcomes: Record<string, number> = {};
  const requests = (): autocannon.Request[] => {
    type Ctx = { token?: string };
    return [
      {
        method: 'POST',
        path: '/oidc/token',
        setupRequest: (request, context) => {
          const ctx = context as Ctx;
          ctx.token = free.pop() ?? 'pool-empty';
          return { ...request, headers: { ...request.headers, authorization: app.authorization, 'content-type': FORM }, body: form({ grant_type: 'refresh_token', refresh_token: ctx.token }) };
        },
        onResponse: (status, body) => {
          outcomes[status] = (outcomes[status] ?? 0) + 1;
          if (status !== 200) return; // the chain is spent: the pool has twice as many as connections
          const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
          if (next) free.push(next);
        },
      },
    ];
  };
  const options = { url: site.url, headers: { ...site.headers }, connections: CONNECTIONS };
  if (WARMUP_S > 0) await autocannon({ ...options, duration: WARMUP_S, requests: requests() });
  for (const k of Object.keys(outcomes)) delete outcomes[k];
  const result = await autocannon({ ...options, duration: DURATION_S, requests: requests() });
  return { ...fromResult(result), statuses: outcomes };
}
