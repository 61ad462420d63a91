/**
 * Attack: an app nobody vouched for reads a person's identity without asking them. An app registered without
 * `--first-party` needs the person's consent: until they press Allow it gets no code — the browser rests on the
 * consent page whether the person was signed out, signed in to Gatehouse, or already signed in to another
 * (first-party) app in the same browser; with `prompt=none` the app gets `consent_required` back at once.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, ISSUER, registerApp, relyingParty, signInOnPage } from '../support/oidc.js';

let t: TestApp;
let firstParty: client.Configuration;
let thirdParty: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: 'https://auth.example.test' });
  firstParty = await relyingParty(t.app, await registerApp(t.app, { name: 'Wiki', firstParty: true }));
  thirdParty = await relyingParty(t.app, await registerApp(t.app, { name: 'Someone else', firstParty: false }));
});
afterAll(async () => t.close());

/** Where the browser ends for an authorization request of `config`: the app's callback parameters. */
async function answerTo(config: client.Configuration, browser: TestClient, params: Record<string, string> = {}) {
  const request = await authorizationRequest(config, params);
  const journey = await browse(browser, request.url.href);
  expect(journey.atApp).not.toBeNull();
  expect(journey.atApp!.searchParams.get('state')).toBe(request.state);
  expect(journey.atApp!.searchParams.get('iss')).toBe(ISSUER);
  return { params: journey.atApp!.searchParams, trail: journey.trail };
}

/** The browser rests on the consent page for the third-party app: no code went anywhere. */
async function restsOnConsent(browser: TestClient, params: Record<string, string> = {}) {
  const request = await authorizationRequest(thirdParty, params);
  const journey = await browse(browser, request.url.href);
  expect(journey.atApp).toBeNull();
  expect(journey.page.body).toContain('Allow Someone else to see your account?');
  return journey;
}

async function grantsOfThirdParty() {
  return t.app.ctx.db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Grant').where('client_id', '=', thirdParty.clientMetadata().client_id).execute();
}

describe('an app not registered first-party', () => {
  it('signed out: the sign-in page, then the consent page; never a code on the way', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    const request = await authorizationRequest(thirdParty);
    const toSignIn = await browse(browser, request.url.href);
    expect(toSignIn.atApp).toBeNull();
    const signedIn = await signInOnPage(browser, toSignIn, user.username, user.password);
    const consent = await browse(browser, signedIn.location!);
    expect(consent.atApp).toBeNull();
    expect(consent.page.body).toContain('Allow Someone else to see your account?');
    expect(await grantsOfThirdParty()).toEqual([]);
  });

  it('signed in to Gatehouse, and to a first-party app in the same browser: the consent page, and consent_required with prompt=none', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    await signIn(browser, user.username, user.password);
    const wiki = await answerTo(firstParty, browser);
    expect(wiki.params.get('code')).toBeTruthy();

    await restsOnConsent(browser);
    await restsOnConsent(browser, { scope: 'openid offline_access', prompt: 'consent' });
    const silent = await answerTo(thirdParty, browser, { prompt: 'none' });
    expect(silent.params.get('error')).toBe('consent_required');
    expect(silent.params.get('code')).toBeNull();
    // Nothing was granted to it on the way.
    expect(await grantsOfThirdParty()).toEqual([]);
  });
});
