/**
 * Attack: redirect_uri manipulation. An attacker starts a sign-in for a real app but asks for the code to be sent
 * somewhere else: a longer path, a prefix, a `..` that climbs out of the registered path, another port, a
 * fragment, another host. Redirect URIs are compared exactly: each is refused on Gatehouse's own error page,
 * and the browser is never sent to the address asked for — with or without a code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { browse, OIDC_APP_URL, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
let rp: client.Configuration;
let browser: TestClient;
const REGISTERED = 'https://app.example.test:8443/auth/callback';
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  rp = await relyingParty(t.app, await registerApp(t.app, { redirectUris: [REGISTERED] }));
  const user = await createUser(t.app);
  browser = new TestClient(t.app);
  await signIn(browser, user.username, user.password);
});
afterAll(async () => t.close());

const tricks: [string, string][] = [
  ['a longer path (suffix)', `${REGISTERED}/../../evil`],
  ['an extra segment', `${REGISTERED}/more`],
  ['a prefix of the registered path', 'https://app.example.test:8443/auth/'],
  ['dot segments', 'https://app.example.test:8443/auth/x/../callback'],
  ['encoded dot segments', 'https://app.example.test:8443/auth/%2e%2e/auth/callback'],
  ['another port', 'https://app.example.test:9443/auth/callback'],
  ['no port', 'https://app.example.test/auth/callback'],
  ['a fragment', `${REGISTERED}#x`],
  ['a query added', `${REGISTERED}?next=https://evil.example`],
  ['another host', 'https://evil.example/auth/callback'],
  ['a host that only starts the same', 'https://app.example.test.evil.example:8443/auth/callback'],
  ['plain http', 'http://app.example.test:8443/auth/callback'],
];

describe('redirect_uri tricks', () => {
  it.each(tricks)('%s: refused on Gatehouse, never sent there', async (_name, redirectUri) => {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'st',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const journey = await browse(browser, url.href);
    expect(journey.atApp).toBeNull();
    expect(journey.page.status).toBe(400);
    expect(journey.page.body).toContain('invalid_redirect_uri');
    expect(journey.page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('the registered address itself works (the tricks are refused for what they are)', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: REGISTERED,
      scope: 'openid',
      state: 'st',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const journey = await browse(browser, url.href);
    expect(journey.atApp?.href.startsWith(`${REGISTERED}?code=`)).toBe(true);
  });
});
