/**
 * Attack: cross-site request forgery on the app's callback, and ID-token injection. An attacker makes a person's
 * browser deliver the attacker's own code to the app (login CSRF), or slips an ID token issued for another
 * request into this one. The app's defences need the provider's help: `state` comes back exactly as sent, every
 * character of it, and the ID token carries the request's `nonce`; the app (openid-client) refuses a response
 * whose state is not the one it sent, and an ID token whose nonce is not the one it sent.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, OIDC_APP_URL, oauthError, redeem, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
let rp: client.Configuration;
let browser: TestClient;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  rp = await relyingParty(t.app, await registerApp(t.app));
  const user = await createUser(t.app);
  browser = new TestClient(t.app);
  await signIn(browser, user.username, user.password);
});
afterAll(async () => t.close());

/** Why openid-client refused a response: its own message and its cause's. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return `${(error as Error).message}: ${cause?.message ?? ''}`;
  }
  throw new Error('the response was accepted');
}

/** Every printable ASCII character, the alphabet of `state` (RFC 6749 Appendix A.5), and a long one. */
const ODD_STATE = `${Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('')}${'x'.repeat(200)}`;

describe('state and nonce', () => {
  it('state comes back byte for byte, and the ID token carries the request\'s nonce', async () => {
    const request = { ...(await authorizationRequest(rp, { state: ODD_STATE })), state: ODD_STATE };
    const back = await browse(browser, request.url.href);
    expect(back.atApp?.searchParams.get('code')).toBeTruthy();
    expect(back.atApp!.searchParams.get('state')).toBe(ODD_STATE);
    const claims = (await redeem(rp, request, back.atApp!)).claims()!;
    expect(claims.nonce).toBe(request.nonce);
  });

  it('the app refuses a response with another state, before it redeems the code', async () => {
    const request = await authorizationRequest(rp);
    const back = await browse(browser, request.url.href);
    const otherState = (await authorizationRequest(rp)).state;
    expect(await refusal(redeem(rp, { ...request, state: otherState }, back.atApp!))).toMatch(/"state"/);
    const withoutState = new URL(back.atApp!);
    withoutState.searchParams.delete('state');
    expect(await refusal(redeem(rp, request, withoutState))).toMatch(/"state"/);
    // Nothing was used up: the genuine response still works.
    expect((await redeem(rp, request, back.atApp!)).claims()!.nonce).toBe(request.nonce);
  });

  it('the app refuses an ID token whose nonce is not the one it sent, and the code is spent', async () => {
    const request = await authorizationRequest(rp);
    const back = await browse(browser, request.url.href);
    const otherNonce = (await authorizationRequest(rp)).nonce;
    expect(await refusal(redeem(rp, { ...request, nonce: otherNonce }, back.atApp!))).toMatch(/"nonce"/);
    expect(await oauthError(redeem(rp, request, back.atApp!))).toBe('invalid_grant');
  });
});
