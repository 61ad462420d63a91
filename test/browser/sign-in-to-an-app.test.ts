/**
 * An app sends a person to Gatehouse to sign in, in a real browser (Chromium): the app's authorization request,
 * Gatehouse's own sign-in page, then back to the app with a code — under Gatehouse's CSP. Chromium applies
 * `form-action 'self'` to the whole redirect chain of a form post, so the sign-in form must not redirect all
 * the way to the app: it lands on Gatehouse's "continuing" page, which goes on by itself (a meta refresh).
 * The app is not running: the browser is offline except for Gatehouse, so reaching the app shows as a request
 * the context aborted, which is exactly the evidence wanted (the code in its address).
 *
 * An app not registered first-party (the demo app) shows the consent page first: Allow goes on to the app, and
 * the security page's "Apps with access" then lists it, with "Remove access".
 *
 * Per-app policy in a real browser: a demo app signs a person in with the password and a code by text
 * message, and an app registered `--require passkey` has the same person sign in again with a passkey (a virtual
 * authenticator), each redeemed by openid-client over HTTP to read what the app is told.
 */
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACR_PHISHING_RESISTANT, ACR_TWO_FACTOR } from '../../src/oidc/claims.js';
import { createUser } from '../support/app.js';
import { headingOf, pathOf, readLatestSmsCode, startJourney, submit, type Journey } from '../support/browser.js';
import { registerApp, type RegisteredApp } from '../support/oidc.js';

/** Where the app (not running) wants people back. */
const CALLBACK = 'http://127.0.0.1:9/callback';

let journey: Journey;
let clientId: string;
let demoClientId: string;
beforeAll(async () => {
  journey = await startJourney();
  clientId = (await registerApp(journey.server.app, { redirectUris: [CALLBACK] })).clientId;
  demoClientId = (await registerApp(journey.server.app, { name: 'Demo App', firstParty: false, redirectUris: [CALLBACK] })).clientId;
});
afterAll(async () => journey?.close());

/** The app's authorization request (code, PKCE S256), as a link the browser opens. */
async function authorizationUrl(app = clientId, scope = 'openid profile'): Promise<string> {
  const query = new URLSearchParams({
    client_id: app,
    response_type: 'code',
    scope,
    redirect_uri: CALLBACK,
    state: client.randomState(),
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  return `${journey.server.baseUrl}/oidc/auth?${query.toString()}`;
}

/**
 * A new tab in the same browser (cookies kept), the old one closed: a tab that went on to the (offline) app is
 * still loading Chromium's error page, which would interrupt the next navigation there.
 */
async function freshPage() {
  const old = journey.page;
  journey.page = await journey.context.newPage();
  await old.close();
  return journey.page;
}

/** Waits (up to 5 s) for the browser to head for the app; returns the address it asked for. */
async function arrivalAtApp(after: number): Promise<URL> {
  for (let i = 0; i < 250; i++) {
    const found = journey.problems.outsideRequests.slice(after).find((u) => u.startsWith(CALLBACK));
    if (found) return new URL(found);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the browser never went to the app; it stayed on ${journey.page.url()}`);
}

/**
 * A request of a registered app, as a link the browser opens, kept by the app to redeem the code (over real HTTP
 * to the listening Gatehouse, with openid-client).
 */
async function appRequest(app: RegisteredApp) {
  const issuer = `${journey.server.baseUrl}/oidc`;
  const config = await client.discovery(new URL(issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), { execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, redeem: (callback: URL) => client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }) };
}

describe('signing in to an app in a browser', () => {
  it('sign-in page, then back to the app with a code, with no CSP violation on the way; then straight back without a page', async () => {
    const { page, problems } = journey;
    const user = await createUser(journey.server.app);

    const before = problems.outsideRequests.length;
    await page.goto(await authorizationUrl());
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const back = await arrivalAtApp(before);
    expect(back.searchParams.get('code')).toEqual(expect.any(String));
    expect(back.searchParams.get('iss')).toBe(`${journey.server.baseUrl}/oidc`);
    expect((await problems.checked()).filter((p) => !p.includes(CALLBACK))).toEqual([]);

    // Signed in now: the next request from the app comes back at once.
    const again = problems.outsideRequests.length;
    await page.goto(await authorizationUrl()).catch(() => undefined); // the navigation ends at the (offline) app
    expect((await arrivalAtApp(again)).searchParams.get('code')).toEqual(expect.any(String));
    expect(problems.list.filter((p) => /CSP/.test(p))).toEqual([]);
  });

  it('the continuing page, if it is ever seen, names the app and links on (no script needed)', async () => {
    const page = await freshPage();
    await page.route('**/oidc/auth/*', (route) => route.abort('aborted')); // hold the browser on the page
    try {
      const user = await createUser(journey.server.app);
      await page.context().clearCookies();
      await page.goto(await authorizationUrl());
      await page.getByLabel('Username or email').fill(user.username);
      await page.getByLabel('Password').fill(user.password);
      await submit(page, page.getByRole('button', { name: 'Sign in' }));
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[^/]+\/continue$/);
      expect(await page.locator('h1').innerText()).toBe('Signing you in to Test App');
      expect(await page.getByRole('link', { name: 'Continue to Test App' }).getAttribute('href')).toMatch(/\/oidc\/auth\//);
    } finally {
      await page.unroute('**/oidc/auth/*');
    }
  });

  it('a demo app with an SMS code; then an app registered --require passkey asks for the passkey, and gets phr', async () => {
    const { problems, context, server } = journey;
    await context.clearCookies();
    const phone = '+14155557466';
    const user = await createUser(server.app, { phone });
    const vault = await registerApp(server.app, { name: 'Vault', redirectUris: [CALLBACK], requirement: 'passkey' });
    const demo = await registerApp(server.app, { name: 'Demo', redirectUris: [CALLBACK] });
    /** Each step in a tab of its own (one browser, one session): a tab that went to the offline app keeps navigating to its error page. */
    const tabs: Page[] = [];
    const newTab = async () => {
      const tab = await context.newPage();
      tabs.push(tab);
      return tab;
    };
    try {
      // The demo app: the password, then the code by text message, then back at the app.
      const first = await newTab();
      const toDemo = await appRequest(demo);
      let before = problems.outsideRequests.length;
      await first.goto(toDemo.url);
      await first.getByLabel('Username or email').fill(user.username);
      await first.getByLabel('Password').fill(user.password);
      await submit(first, first.getByRole('button', { name: 'Sign in' }));
      expect(await headingOf(first)).toBe('Enter the code we sent you');
      await first.getByLabel('Verification code').fill(await readLatestSmsCode(context, server.baseUrl, phone));
      await first.getByRole('button', { name: 'Verify' }).click();
      const demoClaims = (await toDemo.redeem(await arrivalAtApp(before))).claims()!;
      expect(demoClaims.amr).toEqual(['pwd', 'sms', 'mfa']);
      expect(demoClaims.acr).toBe(ACR_TWO_FACTOR);

      // A passkey on this device (a virtual authenticator in this tab): the fingerprint succeeds at once; bound to
      // the device, not synced. Added on the security page (a second factor now, so no recovery codes again).
      const second = await newTab();
      const cdp = await context.newCDPSession(second);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, defaultBackupEligibility: false, defaultBackupState: false },
      });
      await second.goto('/security/passkeys/add');
      await second.getByLabel('Name it').fill('This laptop');
      await submit(second, second.getByRole('button', { name: 'Create a passkey' }));
      expect(pathOf(second)).toBe('/security');

      // The vault needs a passkey: the text-message sign-in is not enough, the passkey sign-in is asked.
      const toVault = await appRequest(vault);
      await second.goto(toVault.url);
      expect(new URL(second.url()).pathname).toBe('/login/passkey');
      // Its accessibility check finishes before the button takes the page away.
      expect((await problems.checked()).filter((p) => !p.includes(CALLBACK))).toEqual([]);
      before = problems.outsideRequests.length;
      await second.getByRole('button', { name: 'Sign in with a passkey' }).click();
      const vaultClaims = (await toVault.redeem(await arrivalAtApp(before))).claims()!;
      expect(vaultClaims.acr).toBe(ACR_PHISHING_RESISTANT);
      expect(vaultClaims.amr).toEqual(['hwk', 'user', 'mfa']);

      // And the demo app, asked again, comes straight back: the passkey sign-in satisfies it too.
      const again = await appRequest(demo);
      before = problems.outsideRequests.length;
      await (await newTab()).goto(again.url).catch(() => undefined); // the navigation ends at the (offline) app
      expect((await again.redeem(await arrivalAtApp(before))).claims()!.acr).toBe(ACR_PHISHING_RESISTANT);

      // The sign-in page an app that needs two factors sends people to says why (and passes axe, like every page here).
      const last = await newTab();
      await last.goto('/login?fresh=1&require=two-factor');
      expect(await last.getByText('The app you are signing in to needs your second step too', { exact: false }).isVisible()).toBe(true);
      expect((await problems.checked()).filter((p) => !p.includes(CALLBACK))).toEqual([]);
    } finally {
      for (const tab of tabs) await tab.close();
    }
  }, 90_000);
});

describe('an app that asks for consent, in a browser', () => {
  it('consent page, Allow, back to the app with a code; then "Apps with access" and "Remove access"', async () => {
    let page = await freshPage();
    const { problems } = journey;
    const user = await createUser(journey.server.app);
    await page.context().clearCookies();

    const before = problems.outsideRequests.length;
    await page.goto(await authorizationUrl(demoClientId, 'openid profile email'));
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    expect(await page.locator('h1').innerText()).toBe('Allow Demo App to see your account?');
    expect(await page.getByRole('listitem').allInnerTexts()).toEqual(expect.arrayContaining(['See your email address, and whether you confirmed it']));
    await page.getByRole('button', { name: 'Allow' }).click();
    const back = await arrivalAtApp(before);
    expect(back.searchParams.get('code')).toEqual(expect.any(String));
    expect((await problems.checked()).filter((p) => !p.includes(CALLBACK))).toEqual([]);

    page = await freshPage();
    await page.goto('/security');
    const apps = page.getByRole('region', { name: 'Apps with access' });
    expect(await apps.innerText()).toContain('Demo App');
    await submit(page, apps.getByRole('button', { name: 'Remove access for Demo App' }));
    expect(await page.locator('.flash').innerText()).toContain('Demo App no longer has access to your account');
    expect(await page.getByRole('region', { name: 'Apps with access' }).innerText()).not.toContain('Demo App');

    // Asked again at the app's next sign-in.
    await page.goto(await authorizationUrl(demoClientId, 'openid profile email'));
    expect(await page.locator('h1').innerText()).toBe('Allow Demo App to see your account?');
    expect(problems.list.filter((p) => /CSP/.test(p))).toEqual([]);
  });
});
