/**
 * Attack: a forged or replayed back-channel logout token. An app's back-channel address is reachable by anyone
 * who can reach the app, so the app must be able to tell Gatehouse's logout token from anything else: it is signed
 * with a key of Gatehouse's JWKS (ES256), typed `logout+jwt` (never mistaken for an ID token, and never one: no
 * `nonce`), issued by Gatehouse's issuer to this app alone (`aud`), carries the back-channel logout event and
 * names the provider session of the sign-in (`sid`, the one in the app's ID token) and the account (`sub`), with a
 * unique `jti` to refuse a replay. Here a real HTTP server on 127.0.0.1 is the app's registered address; the token
 * it receives at a Gatehouse sign-out and at an RP-initiated logout is checked as an app must check it, against
 * the keys discovery points to — by hand with node:crypto, independently of Gatehouse's code.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { startBackchannelReceiver, type BackchannelReceiver } from '../support/backchannel-receiver.js';
import { authorizationRequest, browse, injectFetch, ISSUER, OIDC_APP_URL, redeem, registerApp, relyingParty, type RegisteredApp } from '../support/oidc.js';
import { signedIn } from '../support/sign-in.js';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let t: TestApp;
let receiver: BackchannelReceiver;
let registered: RegisteredApp;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  receiver = await startBackchannelReceiver();
  registered = await registerApp(t.app, { postLogoutRedirectUris: ['https://app.example.test/signed-out'], backchannelLogoutUri: `${receiver.origin}/backchannel-logout` });
  rp = await relyingParty(t.app, registered);
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

async function signedInToApp() {
  const { client: browser } = await signedIn(t.app);
  const request = await authorizationRequest(rp);
  const tokens = await redeem(rp, request, (await browse(browser, request.url.href)).atApp!);
  return { browser, tokens, claims: tokens.claims()! };
}

/** The JWKS as an app finds it: discovery's `jwks_uri`. */
async function publishedKeys(): Promise<(JsonWebKey & { kid?: string })[]> {
  const fetch = injectFetch(t.app);
  const jwksUri = (rp.serverMetadata().jwks_uri)!;
  const response = await fetch(jwksUri, { method: 'GET', headers: {} } as never);
  return ((await response.json()) as { keys: (JsonWebKey & { kid?: string })[] }).keys;
}

const part = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Checks the token as an app must (OpenID Connect Back-Channel Logout 1.0 §2.6); returns its claims. */
async function checkedLogoutToken(token: string): Promise<Record<string, unknown>> {
  const [header64, payload64, signature64] = token.split('.');
  const header = part(header64!);
  expect(header.typ).toBe('logout+jwt');
  expect(header.alg).toBe('ES256');
  const jwk = (await publishedKeys()).find((key) => key.kid === header.kid);
  expect(jwk).toBeDefined();
  const key = createPublicKey({ key: jwk!, format: 'jwk' });
  expect(verify('sha256', Buffer.from(`${header64}.${payload64}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature64!, 'base64url'))).toBe(true);
  // A token with its payload changed no longer verifies (the check above can fail).
  const tampered = Buffer.from(JSON.stringify({ ...part(payload64!), sub: 'someone-else' })).toString('base64url');
  expect(verify('sha256', Buffer.from(`${header64}.${tampered}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature64!, 'base64url'))).toBe(false);

  const claims = part(payload64!);
  expect(claims.iss).toBe(ISSUER);
  expect(claims.aud).toBe(registered.clientId);
  expect(claims.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
  expect(claims).not.toHaveProperty('nonce');
  expect(claims.jti).toEqual(expect.any(String));
  const now = Math.floor(Date.now() / 1000);
  expect(Math.abs(now - (claims.iat as number))).toBeLessThan(120);
  return claims;
}

describe('back-channel logout token', () => {
  it("at a Gatehouse sign-out: signed, typed, for this app, naming the ID token's sid and sub, no nonce", async () => {
    const { browser, claims } = await signedInToApp();
    const before = receiver.received.length;
    await browser.submit('/security', {}, '/logout');
    const requests = receiver.received.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.path).toBe('/backchannel-logout');
    expect(requests[0]!.contentType).toBe('application/x-www-form-urlencoded');
    const logout = await checkedLogoutToken(new URLSearchParams(requests[0]!.body).get('logout_token')!);
    expect(claims.sid).toEqual(expect.any(String));
    expect(logout.sid).toBe(claims.sid);
    expect(logout.sub).toBe(claims.sub);
  });

  it('at an RP-initiated logout, the same', async () => {
    const { browser, tokens, claims } = await signedInToApp();
    const before = receiver.received.length;
    const question = await browse(browser, client.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token! }).href);
    const form = /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="([^"]+)"\/>/.exec(question.page.body)!;
    expect((await browser.post(new URL(form[1]!).pathname, { xsrf: form[2]!, logout: 'yes' })).status).toBe(303);
    const tokensReceived = receiver.logoutTokens().slice(before);
    expect(tokensReceived).toHaveLength(1);
    const logout = await checkedLogoutToken(tokensReceived[0]!);
    expect(logout.sid).toBe(claims.sid);
    expect(logout.sub).toBe(claims.sub);
  });

  it('each sign-in has its own sid: two browsers, two different tokens, each for its own session', async () => {
    const first = await signedInToApp();
    const second = await signedInToApp();
    expect(first.claims.sid).not.toBe(second.claims.sid);
    const before = receiver.received.length;
    await first.browser.submit('/security', {}, '/logout');
    const [only] = receiver.logoutTokens().slice(before);
    expect((await checkedLogoutToken(only!)).sid).toBe(first.claims.sid);
    expect(receiver.logoutTokens().slice(before)).toHaveLength(1);
  });
});
