/**
 * Attack: IdP mix-up (RFC 9207). An app that trusts several providers is tricked into sending a code from one
 * to another's token endpoint. Every authorization response — a code or an error — names its issuer in `iss`,
 * and the app (openid-client) refuses a response whose `iss` is not the provider it asked.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, ISSUER, OIDC_APP_URL, redeem, registerApp, relyingParty } from '../support/oidc.js';

let t: TestApp;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  rp = await relyingParty(t.app, await registerApp(t.app));
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

describe('IdP mix-up', () => {
  it('the code comes with iss; a response claiming another issuer is refused by the app', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const request = await authorizationRequest(rp);
    const back = await browse(browser, request.url.href);
    expect(back.atApp!.searchParams.get('iss')).toBe(ISSUER);

    const forged = new URL(back.atApp!);
    forged.searchParams.set('iss', 'https://evil.example/oidc');
    expect(await refusal(redeem(rp, request, forged))).toMatch(/"iss"/);
    const withoutIss = new URL(back.atApp!);
    withoutIss.searchParams.delete('iss');
    expect(await refusal(redeem(rp, request, withoutIss))).toMatch(/"iss"/);
    // The genuine response still works (the refusals used nothing up).
    expect((await redeem(rp, request, back.atApp!)).access_token).toEqual(expect.any(String));
  });

  it('errors name the issuer too', async () => {
    const request = await authorizationRequest(rp, { prompt: 'none' });
    const back = await browse(new TestClient(t.app), request.url.href);
    expect(back.atApp!.searchParams.get('error')).toBe('login_required');
    expect(back.atApp!.searchParams.get('iss')).toBe(ISSUER);
  });
});
