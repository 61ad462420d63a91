/**
 * Attack: an unmet two-factor policy that still yields a code. An app registered `--require two-factor` (or
 * `--require passkey`), or a request with `acr_values` or an essential `acr` claim, must never get a code for a
 * weaker sign-in: not for an account that has no second factor (it gets `unmet_authentication_requirements`,
 * with its state and the issuer), not for a browser whose remembered device skipped the second step (the step
 * is asked, then the same request goes on), not silently (`prompt=none` gets an error, never a page), and not by
 * editing the hints Gatehouse puts in its own addresses (`require`, `fresh`). A stronger sign-in (a passkey)
 * satisfies a weaker demand without a page and is reported as what it was.
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, seconds } from '../../src/lib/duration.js';
import { messagesFor } from '../../src/i18n/messages.js';
import { ACR_ONE_FACTOR, ACR_PHISHING_RESISTANT, ACR_TWO_FACTOR } from '../../src/oidc/claims.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { authorizationRequest, browse, giveAuthenticator, ISSUER, OIDC_APP_URL, redeem, registerApp, relyingParty, signInOnPage, type Journey } from '../support/oidc.js';
import { addPasskey, answerPasskeyPage, signInWithPasskey } from '../support/passkeys.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { totpCode } from '../support/totp.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { phoneNumbers } from '../support/phones.js';

/** An authenticator code is accepted once per 30-second step: the clock moves on before each new one. */
const TOTP_STEP_MS = seconds(30);
const en = messagesFor('en');

const clock = new ManualClock(Date.now());
let t: TestApp;
/** An app without requirements, one registered `--require two-factor`, one `--require passkey`. */
let plain: client.Configuration;
let twoFactor: client.Configuration;
let passkey: client.Configuration;
const freshPhone = phoneNumbers('+1555020');
beforeAll(async () => {
  t = await startTestApp({ APP_URL: OIDC_APP_URL }, { clock });
  plain = await relyingParty(t.app, await registerApp(t.app));
  twoFactor = await relyingParty(t.app, await registerApp(t.app, { name: 'Payroll', requirement: 'two-factor' }));
  passkey = await relyingParty(t.app, await registerApp(t.app, { name: 'Vault', requirement: 'passkey' }));
});
afterAll(async () => t.close());

const ESSENTIAL_2FA = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_TWO_FACTOR] } } });

/** Where a journey rests, as a URL (path and query on Gatehouse). */
const restedAt = (journey: Journey) => new URL(journey.url, OIDC_APP_URL);

/** The app got an error, never a code, with its state and the issuer (mix-up defence). */
function refusedAtApp(journey: Journey, state: string, error: string) {
  expect(journey.atApp).not.toBeNull();
  const params = journey.atApp!.searchParams;
  expect(params.get('error')).toBe(error);
  expect(params.get('code')).toBeNull();
  expect(params.get('state')).toBe(state);
  expect(params.get('iss')).toBe(ISSUER);
}

/** Only the provider's addresses, then the app: no sign-in page, no interaction page. */
function neverShowedAPage(journey: Journey) {
  expect(journey.atApp).not.toBeNull();
  expect(journey.trail.slice(0, -1).every((path) => path.startsWith('/oidc/'))).toBe(true);
}

/** No Gatehouse page on the way (the interaction may pass, with 303s). */
function noSignInPage(journey: Journey) {
  expect(journey.atApp).not.toBeNull();
  expect(journey.trail.filter((path) => path.startsWith('/login'))).toEqual([]);
}

/** Signed in with the password alone, on an account with no second factor. */
async function passwordOnly() {
  const user = await createUser(t.app);
  const browser = new TestClient(t.app);
  expect((await signIn(browser, user.username, user.password)).location).toBe('/');
  return { user, browser };
}

/**
 * An account with an authenticator app, signed in on a browser it remembered after a code: this sign-in proved
 * only the password (amr ["pwd"], acr 1fa).
 */
async function rememberedDevice() {
  const user = await createUser(t.app);
  const key = await giveAuthenticator(t.app, user.id);
  const browser = new TestClient(t.app);
  expect((await signIn(browser, user.username, user.password)).location).toBe('/login/two-factor/app');
  clock.advance(TOTP_STEP_MS);
  expect((await browser.submit('/login/two-factor/app', { code: totpCode(key, clock.now()), remember_device: 'on' })).location).toBe('/');
  await browser.submit('/security', {}, '/logout');
  // Remembered: the password alone signs in.
  expect((await signIn(browser, user.username, user.password)).location).toBe('/');
  return { user, key, browser };
}

/** An account whose second factor is codes by text message, signed in with the password and a code. */
async function smsOnly() {
  const phone = freshPhone();
  const user = await createUser(t.app, { phone });
  const browser = new TestClient(t.app);
  expect((await signIn(browser, user.username, user.password)).location).toBe('/login/two-factor');
  expect((await browser.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) })).location).toBe('/');
  return { user, browser, phone };
}

/**
 * The sign-in page a two-factor demand sends a signed-in person to: fresh, with `require=two-factor`, back to the
 * same interaction, telling why; returns that interaction's address.
 */
function askedForTheSecondStep(journey: Journey): string {
  expect(journey.atApp).toBeNull();
  const url = restedAt(journey);
  expect(url.pathname).toBe('/login');
  expect(url.searchParams.get('fresh')).toBe('1');
  expect(url.searchParams.get('require')).toBe('two-factor');
  expect(url.searchParams.get('next')).toMatch(/^\/interaction\/[A-Za-z0-9_-]+\/continue$/);
  expect(journey.page.body).toContain(en.login.page.secondStepRequired);
  expect(journey.page.body).toContain('<input type="hidden" name="require" value="two-factor">');
  return url.searchParams.get('next')!;
}

describe('an account that cannot give the second step', () => {
  it('an app registered --require two-factor: unmet_authentication_requirements at the app, with state and iss, never a code', async () => {
    const { browser } = await passwordOnly();
    const request = await authorizationRequest(twoFactor);
    const journey = await browse(browser, request.url.href);
    refusedAtApp(journey, request.state, 'unmet_authentication_requirements');
    noSignInPage(journey);
  });

  it('signed out first: the sign-in page (asking for the second step), then unmet once the account is known', async () => {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    const request = await authorizationRequest(twoFactor);
    const toSignIn = await browse(browser, request.url.href);
    expect(restedAt(toSignIn).pathname).toBe('/login');
    expect(restedAt(toSignIn).searchParams.get('require')).toBe('two-factor');
    const signedIn = await signInOnPage(browser, toSignIn, user.username, user.password, { require: 'two-factor' });
    refusedAtApp(await browse(browser, signedIn.location!), request.state, 'unmet_authentication_requirements');
  });

  it('acr_values asking for two factors, or an essential acr claim: the same answer', async () => {
    const { browser } = await passwordOnly();
    const demands: Record<string, string>[] = [{ acr_values: ACR_TWO_FACTOR }, { acr_values: `${ACR_PHISHING_RESISTANT} ${ACR_TWO_FACTOR}` }, { claims: ESSENTIAL_2FA }];
    for (const params of demands) {
      const request = await authorizationRequest(plain, params);
      refusedAtApp(await browse(browser, request.url.href), request.state, 'unmet_authentication_requirements');
    }
  });

  it('an essential acr of values Gatehouse never issues: unmet at once, before anyone signs in', async () => {
    const request = await authorizationRequest(plain, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:example:loa:4' } } }) });
    const journey = await browse(new TestClient(t.app), request.url.href);
    refusedAtApp(journey, request.state, 'unmet_authentication_requirements');
    noSignInPage(journey);
  });

  it('acr_values of values Gatehouse does not know are voluntary: ignored, and the app is told what the sign-in was', async () => {
    const { browser } = await passwordOnly();
    const request = await authorizationRequest(plain, { acr_values: 'urn:example:loa:4' });
    const journey = await browse(browser, request.url.href);
    expect((await redeem(plain, request, journey.atApp!)).claims()!.acr).toBe(ACR_ONE_FACTOR);
  });
});

describe('prompt=none never shows a page for a policy', () => {
  it('nobody signed in, an app that needs two factors: login_required', async () => {
    const request = await authorizationRequest(twoFactor, { prompt: 'none' });
    const journey = await browse(new TestClient(t.app), request.url.href);
    neverShowedAPage(journey);
    refusedAtApp(journey, request.state, 'login_required');
  });

  it('a one-factor session the provider already knows (it signed in to another app): an error for every two-factor demand', async () => {
    for (const start of [passwordOnly, rememberedDevice]) {
      const { browser } = await start();
      const first = await authorizationRequest(plain);
      expect((await browse(browser, first.url.href)).atApp?.searchParams.get('code')).toBeTruthy();
      const demands: [client.Configuration, Record<string, string>][] = [
        [twoFactor, {}],
        [passkey, {}],
        [plain, { acr_values: ACR_TWO_FACTOR }],
        [plain, { claims: ESSENTIAL_2FA }],
      ];
      for (const [rp, params] of demands) {
        const request = await authorizationRequest(rp, { ...params, prompt: 'none' });
        const journey = await browse(browser, request.url.href);
        neverShowedAPage(journey);
        refusedAtApp(journey, request.state, 'login_required');
      }
      // The app without a demand still signs in silently: the error was the policy's.
      const silent = await authorizationRequest(plain, { prompt: 'none' });
      expect((await browse(browser, silent.url.href)).atApp?.searchParams.get('code')).toBeTruthy();
    }
  });
});

describe('a remembered device skipped the second step', () => {
  const demands: [string, () => client.Configuration, Record<string, string>][] = [
    ['an app registered --require two-factor', () => twoFactor, {}],
    ['acr_values asking for two factors', () => plain, { acr_values: ACR_TWO_FACTOR }],
    ['an essential acr claim of two factors', () => plain, { claims: ESSENTIAL_2FA }],
  ];
  it.each(demands)('%s: the second step is asked, then the same request finishes with pwd, otp, mfa', async (_name, rpOf, params) => {
    const rp = rpOf();
    const { user, key, browser } = await rememberedDevice();
    const request = await authorizationRequest(rp, params);
    const asked = await browse(browser, request.url.href);
    const interaction = askedForTheSecondStep(asked);

    const password = await signInOnPage(browser, asked, user.username, user.password, { require: 'two-factor' });
    // The remembered browser does not skip the code this time.
    expect(password.location).toBe('/login/two-factor/app');
    clock.advance(TOTP_STEP_MS);
    const code = await browser.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) });
    expect(code.location).toBe(interaction);
    const back = await browse(browser, code.location!);
    const claims = (await redeem(rp, request, back.atApp!)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_TWO_FACTOR);
  });

  it('the forged hints gain nothing: without `require` the device skips the step, and the request is asked again, never answered', async () => {
    const { user, key, browser } = await rememberedDevice();
    const request = await authorizationRequest(twoFactor);
    const asked = await browse(browser, request.url.href);
    const interaction = askedForTheSecondStep(asked);

    // Going straight on to the request without signing in again.
    askedForTheSecondStep(await browse(browser, interaction));
    // The form posted without `require` (and so without `fresh`'s meaning): the remembered device signs in with
    // the password alone, and the request asks for the second step again.
    const skipped = await browser.post('/login', { _csrf: csrfTokenIn(asked.page.body), login: user.username, password: user.password, next: interaction });
    expect(skipped.location).toBe(interaction);
    const again = await browse(browser, interaction);
    askedForTheSecondStep(again);

    // A `require` of another value is no hint at all: refused, not a server error.
    expect((await browser.get('/login?require=nothing&fresh=1')).status).toBe(400);

    // The honest way still works, for the same request.
    expect((await signInOnPage(browser, again, user.username, user.password, { require: 'two-factor' })).location).toBe('/login/two-factor/app');
    clock.advance(TOTP_STEP_MS);
    const code = await browser.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) });
    expect((await redeem(twoFactor, request, (await browse(browser, code.location!)).atApp!)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('prompt=none from that browser, for an app that needs two factors and has never seen it: login_required', async () => {
    const { browser } = await rememberedDevice();
    const request = await authorizationRequest(twoFactor, { prompt: 'none' });
    refusedAtApp(await browse(browser, request.url.href), request.state, 'login_required');
  });
});

describe('a passkey', () => {
  /** An account with a device-bound passkey, signed in with it alone. */
  async function passkeySession() {
    const user = await createUser(t.app);
    const browser = new TestClient(t.app);
    const authenticator = new SoftAuthenticator();
    await signIn(browser, user.username, user.password);
    expect((await addPasskey(browser, authenticator, OIDC_APP_URL)).status).toBe(200);
    await browser.submit('/security', {}, '/logout');
    expect((await signInWithPasskey(browser, authenticator, OIDC_APP_URL)).location).toBe('/');
    return { user, browser };
  }

  it('satisfies an app that needs two factors, acr_values and an essential 2fa claim without a page, and is reported as phr', async () => {
    const { browser } = await passkeySession();
    const demands: [client.Configuration, Record<string, string>][] = [
      [twoFactor, {}],
      [plain, { acr_values: ACR_TWO_FACTOR }],
      [plain, { claims: ESSENTIAL_2FA }],
      [passkey, {}],
    ];
    for (const [rp, params] of demands) {
      const request = await authorizationRequest(rp, params);
      const journey = await browse(browser, request.url.href);
      noSignInPage(journey);
      const claims = (await redeem(rp, request, journey.atApp!)).claims()!;
      expect(claims.acr).toBe(ACR_PHISHING_RESISTANT);
      expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    }
    // And silently too, now that the provider has the session.
    const silent = await authorizationRequest(twoFactor, { prompt: 'none', claims: ESSENTIAL_2FA });
    expect((await browse(browser, silent.url.href)).atApp?.searchParams.get('code')).toBeTruthy();
  });

  it('an app registered --require passkey, an account with only codes by text: unmet, never a code', async () => {
    const { browser } = await smsOnly();
    const request = await authorizationRequest(passkey);
    const journey = await browse(browser, request.url.href);
    refusedAtApp(journey, request.state, 'unmet_authentication_requirements');
    noSignInPage(journey);
  });

  it('an app registered --require passkey, an account signed in by text that has a passkey: the passkey sign-in, then the same request goes on', async () => {
    const { browser } = await smsOnly();
    const authenticator = new SoftAuthenticator();
    // Not the account's first factor: added, and back to the security page.
    expect((await addPasskey(browser, authenticator, OIDC_APP_URL)).location).toBe('/security');
    const request = await authorizationRequest(passkey);
    const asked = await browse(browser, request.url.href);
    expect(asked.atApp).toBeNull();
    const url = restedAt(asked);
    expect(url.pathname).toBe('/login/passkey');
    expect(url.searchParams.get('fresh')).toBe('1');
    const interaction = url.searchParams.get('next')!;
    expect(interaction).toMatch(/^\/interaction\/[A-Za-z0-9_-]+\/continue$/);

    // Not by going on without it…
    expect(restedAt(await browse(browser, interaction)).pathname).toBe('/login/passkey');
    // …but with the passkey.
    const signedIn = await answerPasskeyPage(browser, asked.url, (options: PublicKeyCredentialRequestOptionsJSON) => authenticator.authenticate(options, OIDC_APP_URL), { next: interaction });
    expect(signedIn.location).toBe(interaction);
    const claims = (await redeem(passkey, request, (await browse(browser, interaction)).atApp!)).claims()!;
    expect(claims.acr).toBe(ACR_PHISHING_RESISTANT);
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
  });
});
