/**
 * ENFORCE_2FA and apps: someone without a second factor whom an app sent to sign in is sent to set one up first;
 * the set-up's last page leads back into the app's sign-in request, which then goes on to the app — with a code
 * for an app that asks nothing more, and, for an app that needs two factors, after a sign-in with the new factor.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { ManualClock, seconds } from '../../src/lib/duration.js';
import { ACR_TWO_FACTOR } from '../../src/oidc/claims.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { flashIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, OIDC_APP_URL, redeem, registerApp, relyingParty, signInOnPage } from '../support/oidc.js';
import { keyIn, totpCode } from '../support/totp.js';

const clock = new ManualClock(Date.now());
let t: TestApp;
let plain: client.Configuration;
let twoFactor: client.Configuration;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL, ENFORCE_2FA: 'true' }, { clock });
  plain = await relyingParty(t.app, await registerApp(t.app));
  twoFactor = await relyingParty(t.app, await registerApp(t.app, { requirement: 'two-factor' }));
});
afterAll(async () => t.close());

/** Signs in from the app's request, is sent to set up an authenticator app, and sets it up; returns its key and the codes page. */
async function signInAndSetUp(rp: client.Configuration) {
  const user = await createUser(t.app);
  const browser = new TestClient(t.app);
  const request = await authorizationRequest(rp);
  const toSignIn = await browse(browser, request.url.href);
  const signedIn = await signInOnPage(browser, toSignIn, user.username, user.password);
  const interaction = signedIn.location!;
  expect(interaction).toMatch(/^\/interaction\/[A-Za-z0-9_-]+\/continue$/);
  const sentToSetUp = await browse(browser, interaction);
  expect(sentToSetUp.url).toBe('/security');
  expect(flashIn(sentToSetUp.page.body)).toBe(en.codes.enforce.required);

  const key = keyIn((await browser.get('/two-factor/app/enable')).body);
  clock.advance(seconds(30));
  const codes = await browser.submit('/two-factor/app/enable', { code: totpCode(key, clock.now()) });
  expect(codes.status).toBe(200);
  const back = /<a class="button primary" href="([^"]+)">/.exec(codes.body)?.[1];
  return { user, browser, request, key, interaction, back };
}

describe('ENFORCE_2FA, from an app', () => {
  it('the set-up ends with a link back into the request, which goes on to the app', async () => {
    const { browser, request, interaction, back } = await signInAndSetUp(plain);
    expect(back).toBe(interaction);
    const journey = await browse(browser, back!);
    expect(journey.atApp?.searchParams.get('code')).toBeTruthy();
    // The sign-in itself was the password alone: the app is told so.
    expect((await redeem(plain, request, journey.atApp!)).claims()!.amr).toEqual(['pwd']);
  });

  it('an app that needs two factors: back into the request, then a sign-in with the new factor, then the app', async () => {
    const { user, browser, request, key, interaction, back } = await signInAndSetUp(twoFactor);
    expect(back).toBe(interaction);
    const asked = await browse(browser, back!);
    expect(new URL(asked.url, OIDC_APP_URL).searchParams.get('require')).toBe('two-factor');
    expect((await signInOnPage(browser, asked, user.username, user.password, { require: 'two-factor' })).location).toBe('/login/two-factor/app');
    clock.advance(seconds(30));
    const code = await browser.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) });
    expect(code.location).toBe(interaction);
    const claims = (await redeem(twoFactor, request, (await browse(browser, interaction)).atApp!)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_TWO_FACTOR);
  });
});
