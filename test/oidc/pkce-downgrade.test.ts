/**
 * Attack: PKCE downgrade and a stolen code. Someone who intercepts a code (a malicious app on the same device
 * claiming the redirect URI, a leaked log) cannot redeem it without the verifier only if every request must
 * carry an S256 challenge. So: no challenge, or the `plain` method (the challenge is the verifier), is refused
 * before a code exists, and a wrong verifier is refused at the token endpoint — for confidential and public
 * apps alike (OAuth 2.0 Security BCP §2.1.1).
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, OIDC_APP_URL, oauthError, REDIRECT_URI, redeem, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
let browser: TestClient;
const apps: Record<'confidential' | 'public', client.Configuration> = {} as never;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  apps.confidential = await relyingParty(t.app, await registerApp(t.app, { name: 'Web' }));
  apps.public = await relyingParty(t.app, await registerApp(t.app, { name: 'SPA', kind: 'public' }));
  const user = await createUser(t.app);
  browser = new TestClient(t.app);
  await signIn(browser, user.username, user.password);
});
afterAll(async () => t.close());

/** The app's authorization URL without PKCE, or with the given challenge parameters. */
function withoutPkce(config: client.Configuration, pkce: Record<string, string> = {}): string {
  return client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'st', nonce: 'n', ...pkce }).href;
}

describe.each(['confidential', 'public'] as const)('PKCE downgrade, %s app', (kind) => {
  it('no code_challenge: refused, no code', async () => {
    const back = await browse(browser, withoutPkce(apps[kind]));
    expect(back.atApp?.searchParams.get('error')).toBe('invalid_request');
    expect(back.atApp?.searchParams.get('code')).toBeNull();
  });

  it('code_challenge_method=plain: refused, no code', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const back = await browse(browser, withoutPkce(apps[kind], { code_challenge: verifier, code_challenge_method: 'plain' }));
    expect(back.atApp?.searchParams.get('error')).toBe('invalid_request');
    expect(back.atApp?.searchParams.get('code')).toBeNull();
  });

  it('a stolen code with a wrong verifier: refused at the token endpoint', async () => {
    const request = await authorizationRequest(apps[kind]);
    const back = await browse(browser, request.url.href);
    expect(back.atApp?.searchParams.get('code')).toBeTruthy();
    expect(await oauthError(redeem(apps[kind], { ...request, verifier: client.randomPKCECodeVerifier() }, back.atApp!))).toBe('invalid_grant');
  });
});
