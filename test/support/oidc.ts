/**
 * Gatehouse as an OpenID Connect provider, driven the way an app and a person drive it:
 *
 * - the app is `openid-client` 6 (an OpenID Certified relying party), whose requests reach the Gatehouse app
 *   through `app.inject()` (its `customFetch`), so no port is needed;
 * - the person is a TestClient that follows the provider's redirects and Gatehouse's "continuing" page until the
 *   browser would land on the app's redirect URI;
 * - apps are registered with the admin CLI's own command (`addApp`).
 */
import { expect } from 'vitest';
import * as client from 'openid-client';
import { addApp, type NewAppInput } from '../../src/admin/app-commands.js';
import type { GatehouseApp } from '../../src/app.js';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { TotpKeys } from '../../src/auth/totp.js';
import { confirmTotpFactor, startTotpEnrollment } from '../../src/db/factors.js';
import { csrfTokenIn, type Page, type TestClient } from './client.js';

/** An https APP_URL, as in production: `__Host-` cookies, https endpoints. */
export const OIDC_APP_URL = 'https://auth.example.test';
export const ISSUER = `${OIDC_APP_URL}/oidc`;
/** Where the test app wants people back. */
export const REDIRECT_URI = 'https://app.example.test/callback';

/** openid-client's requests, answered by `app.inject()` from the given address (the app's server). */
export function injectFetch(app: GatehouseApp, remoteAddress = '127.0.0.1'): client.CustomFetch {
  return async (url, options) => {
    const target = new URL(url);
    const body = options.body;
    const res = await app.inject({
      method: options.method as 'GET',
      url: target.pathname + target.search,
      headers: options.headers,
      payload: body === undefined || body === null ? undefined : typeof body === 'string' ? body : body instanceof URLSearchParams ? body.toString() : Buffer.from(body as ArrayBuffer),
      remoteAddress,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      for (const item of [value ?? []].flat()) headers.append(name, String(item));
    }
    return new Response(res.statusCode === 204 || res.statusCode === 304 ? null : res.rawPayload, { status: res.statusCode, headers });
  };
}

export interface RegisteredApp {
  clientId: string;
  clientSecret: string | null;
}

/** Registers an app with the admin CLI's command (`apps add --json`), and reads its JSON line. */
export async function registerApp(app: GatehouseApp, spec: Partial<NewAppInput> = {}): Promise<RegisteredApp> {
  const lines: string[] = [];
  const result = await addApp(
    { db: app.ctx.db, config: app.ctx.config, clock: app.ctx.clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } },
    {
      name: 'Test App',
      kind: 'web',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [],
      backchannelLogoutUri: null,
      firstParty: true,
      requirement: 'none',
      idTokenAlg: 'ES256',
      json: true,
      ...spec,
    },
  );
  expect(result.ok).toBe(true);
  expect(lines).toHaveLength(1);
  const printed = JSON.parse(lines[0]!) as { client_id: string; client_secret?: string };
  return { clientId: printed.client_id, clientSecret: printed.client_secret ?? null };
}

/** The app's view of Gatehouse: discovery, then every call through `injectFetch`. */
export async function relyingParty(app: GatehouseApp, registered: RegisteredApp): Promise<client.Configuration> {
  const fetch = injectFetch(app);
  const auth = registered.clientSecret === null ? client.None() : client.ClientSecretBasic(registered.clientSecret);
  const config = await client.discovery(new URL(ISSUER), registered.clientId, undefined, auth, { [client.customFetch]: fetch });
  config[client.customFetch] = fetch;
  return config;
}

/** An authorization request as the app starts it, with its PKCE verifier, state and nonce. */
export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(config: client.Configuration, params: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** Where a browser ends: at the app (the callback URL), or on a Gatehouse page, with the addresses it went through. */
export interface Journey {
  atApp: URL | null;
  /** The last Gatehouse response (a page when `atApp` is null). */
  page: Page;
  /** Its address (path and query). */
  url: string;
  trail: string[];
}

/** The address a "continuing" page goes on to (its meta refresh). */
export function refreshTarget(body: string): string | null {
  const match = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(body);
  return match ? match[1]!.replace(/&amp;/g, '&') : null;
}

/**
 * Opens `url` in the browser and follows redirects and "continuing" pages, as a browser does, until it would
 * leave Gatehouse for the app (stops there, without requesting it) or rests on a Gatehouse page.
 */
export async function browse(browser: TestClient, url: string, maxHops = 12): Promise<Journey> {
  const trail: string[] = [];
  let next = url;
  let page: Page | undefined;
  let at = url;
  for (let hop = 0; hop < maxHops; hop++) {
    const absolute = new URL(next, OIDC_APP_URL);
    trail.push(absolute.pathname);
    if (absolute.origin !== OIDC_APP_URL) return { atApp: absolute, page: page!, url: at, trail };
    at = absolute.pathname + absolute.search;
    page = await browser.get(at);
    const to = page.location ?? (page.status === 200 ? refreshTarget(page.body) : null);
    if (!to) return { atApp: null, page, url: at, trail };
    next = to;
  }
  throw new Error(`more than ${maxHops} hops: ${trail.join(' → ')}`);
}

/**
 * Fills in the sign-in page a journey rested on (`/login?next=…`) and sends it, as the person would; returns
 * the answer (a redirect to `next`, or to the second step). `fields` adds e.g. `remember`.
 */
export async function signInOnPage(browser: TestClient, journey: Journey, login: string, password: string, fields: Record<string, string> = {}): Promise<Page> {
  const url = new URL(journey.url, OIDC_APP_URL);
  expect(url.pathname).toBe('/login');
  const next = url.searchParams.get('next');
  return browser.post('/login', { _csrf: csrfTokenIn(journey.page.body), login, password, ...(next ? { next } : {}), ...fields });
}

/** The app redeems the code it got back, checking state, nonce, PKCE and `iss` as openid-client does. */
export function redeem(config: client.Configuration, request: AuthorizationRequest, callback: URL) {
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, idTokenExpected: true });
}

/** Gives the user a confirmed authenticator app straight in the database; returns its base32 key. */
export async function giveAuthenticator(app: GatehouseApp, userId: number): Promise<string> {
  const keys = new TotpKeys(app.ctx.config.secretKey);
  const sealed = keys.newSealedSecret();
  const now = app.ctx.clock.now();
  await startTotpEnrollment(app.ctx.db, userId, sealed, now);
  // Step 0 as the last one used: any current code is accepted once.
  await confirmTotpFactor(app.ctx.db, userId, 0, now);
  return keys.enrollment(sealed, 'test')!.base32;
}

/** The OAuth error an openid-client call failed with (`invalid_grant`, …), or its message. */
export function oauthErrorOf(error: unknown): string {
  const e = error as { error?: string; cause?: unknown; message?: string };
  if (typeof e.error === 'string') return e.error;
  // A 401 comes back as a WWW-Authenticate challenge; its error is in `cause`.
  const challenges = e.cause as { parameters?: { error?: string } }[] | undefined;
  if (Array.isArray(challenges) && typeof challenges[0]?.parameters?.error === 'string') return challenges[0].parameters.error;
  return e.message ?? String(error);
}

/** The OAuth error of a call that must fail. */
export async function oauthError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return oauthErrorOf(error);
  }
  throw new Error('expected the call to fail');
}

/** The interaction a journey rests on (`/interaction/<uid>` or `/interaction/<uid>/continue`). */
export function interactionUidOf(journey: Journey): string {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)/.exec(journey.url);
  if (!match) throw new Error(`not on an interaction page: ${journey.url}`);
  return match[1]!;
}

/** Presses Allow (`consent`) or Deny (`deny`) on the consent page a journey rests on; returns the POST's answer. */
export function answerConsent(browser: TestClient, journey: Journey, answer: 'consent' | 'deny'): Promise<Page> {
  expect(journey.page.body).toContain('action="/interaction/');
  return browser.post(`/interaction/${interactionUidOf(journey)}/${answer}`, { _csrf: csrfTokenIn(journey.page.body) });
}

/** Presses Allow or Deny and follows the browser on to the app. */
export async function consentAndGo(browser: TestClient, journey: Journey, answer: 'consent' | 'deny'): Promise<Journey> {
  const posted = await answerConsent(browser, journey, answer);
  expect(posted.location).toBe(`/interaction/${interactionUidOf(journey)}/continue`);
  return browse(browser, posted.location!);
}
