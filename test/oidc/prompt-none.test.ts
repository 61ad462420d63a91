/**
 * Attack: silent sign-in that shows a page. An app asks with `prompt=none` from a hidden frame or a background
 * redirect; if Gatehouse answered with a page (the sign-in form) instead of an error, the page could be framed
 * or the person surprised into signing in. With `prompt=none` the answer is always a redirect to the app — a
 * code when the Gatehouse session allows it, `login_required` otherwise — never a Gatehouse page.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, giveAuthenticator, ISSUER, OIDC_APP_URL, registerApp, relyingParty, type Journey } from '../support/oidc.js';

let t: TestApp;
let rp: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL });
  rp = await relyingParty(t.app, await registerApp(t.app));
});
afterAll(async () => t.close());

/** Only the provider's addresses, then the app: no sign-in page, no interaction page. */
function neverShowedAPage(journey: Journey) {
  expect(journey.atApp).not.toBeNull();
  expect(journey.trail.slice(0, -1).every((path) => path.startsWith('/oidc/'))).toBe(true);
}

async function silently(browser: TestClient) {
  const request = await authorizationRequest(rp, { prompt: 'none' });
  const journey = await browse(browser, request.url.href);
  neverShowedAPage(journey);
  return { request, params: journey.atApp!.searchParams };
}

describe('prompt=none never shows a page', () => {
  it('nobody signed in: login_required, with the state and the issuer', async () => {
    const { request, params } = await silently(new TestClient(t.app));
    expect(params.get('error')).toBe('login_required');
    expect(params.get('state')).toBe(request.state);
    expect(params.get('iss')).toBe(ISSUER);
    expect(params.get('code')).toBeNull();
  });

  it('only the password of a two-step sign-in given: login_required', async () => {
    const user = await createUser(t.app);
    await giveAuthenticator(t.app, user.id);
    const browser = new TestClient(t.app);
    expect((await signIn(browser, user.username, user.password)).location).toBe('/login/two-factor/app');
    expect((await silently(browser)).params.get('error')).toBe('login_required');
  });

  /** Signed in to Gatehouse, and once to the app (interactively, without a page): the provider has its session. */
  async function signedInToTheApp() {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const request = await authorizationRequest(rp);
    expect((await browse(browser, request.url.href)).atApp?.searchParams.get('code')).toBeTruthy();
    return { user, browser };
  }

  it('signed in to Gatehouse and to the app: a code, without a page', async () => {
    const { browser } = await signedInToTheApp();
    expect((await silently(browser)).params.get('code')).toBeTruthy();
  });

  it('signed out of Gatehouse since: login_required, although the provider still has its session', async () => {
    const { user, browser } = await signedInToTheApp();
    expect((await silently(browser)).params.get('code')).toBeTruthy();
    await t.app.ctx.db.deleteFrom('sessions').where('user_id', '=', user.id).execute(); // "sign out everywhere"
    expect((await silently(browser)).params.get('error')).toBe('login_required');
  });
});
