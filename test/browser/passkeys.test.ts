/**
 * Ada in a real browser (Chromium, headless) with a virtual platform
 * authenticator (Chrome DevTools Protocol, WebAuthn domain): adds a passkey
 * from the security page, signs in with her password and the passkey, then
 * with the passkey alone ("Sign in with a passkey"), and removes it.
 *
 * This is the real path: our page script hands the server's options to
 * @simplewebauthn/browser, Chromium's WebAuthn implementation makes and signs
 * the credential, and the server checks it. Every page must load without
 * console errors, uncaught exceptions or CSP violations.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passkeysOfUser } from '../../src/db/passkeys.js';
import { createUser, DEFAULT_TEST_PASSWORD } from '../support/app.js';
import {
  headingOf,
  pathOf,
  photograph,
  signOut,
  startJourney,
  submit,
  type Journey,
  type ListeningApp,
  type PageProblems,
} from '../support/browser.js';

let journey: Journey;
let server: ListeningApp;
let context: BrowserContext;
let problems: PageProblems;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;

beforeAll(async () => {
  journey = await startJourney();
  ({ server, context, problems, page } = journey);
  // A passkey on "this device": user verification (fingerprint) succeeds at once, as if Ada touched the sensor.
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  }));
}, 60_000);

afterAll(async () => journey?.close());

describe('Ada and her passkey', () => {
  it('adds a passkey, signs in with it after her password and then without one, and removes it', async () => {
    const ada = await createUser(server.app, { username: 'ada' });
    await page.goto('/login');
    await page.getByLabel('Username or email').fill(ada.username);
    await page.getByLabel('Password').fill(DEFAULT_TEST_PASSWORD);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));

    await page.goto('/security');
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await page.waitForURL('/security/passkeys/add');
    expect(await headingOf(page)).toBe('Add a passkey');
    await page.getByLabel('Name it').fill('This laptop');
    await photograph(page, '30-passkey-add');
    await submit(page, page.getByRole('button', { name: 'Create a passkey' }));
    expect(await headingOf(page)).toBe('Your recovery codes');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL('/security');
    expect(await page.locator('main').innerText()).toContain('This laptop');

    // The browser made a discoverable credential (a passkey), and the server stored the same id.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    const [stored] = await passkeysOfUser(server.app.ctx.db, ada.id);
    // CDP reports ids in padded base64; WebAuthn JSON and our table use base64url.
    expect(Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url')).toBe(stored!.id);
    await photograph(page, '32-security-passkeys');
    await signOut(page);

    // Password, then the passkey as second factor.
    await page.getByLabel('Username or email').fill(ada.username);
    await page.getByLabel('Password').fill(DEFAULT_TEST_PASSWORD);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    expect(pathOf(page)).toBe('/login/two-factor/passkey');
    expect(await headingOf(page)).toBe('Use your passkey');
    await photograph(page, '31-passkey-sign-in');
    await submit(page, page.getByRole('button', { name: 'Use your passkey' }));
    expect(pathOf(page)).toBe('/');
    await signOut(page);

    // No username, no password: the passkey alone.
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL('/login/passkey');
    await submit(page, page.getByRole('button', { name: 'Sign in with a passkey' }));
    expect(pathOf(page)).toBe('/');
    await page.goto('/security');
    expect(await page.locator('main').innerText()).toContain('Signed in with a passkey (no password)');

    // Removing it (the passkey sign-in was just now, so no password is asked again).
    await page.getByText('Rename or remove').click();
    await submit(page, page.getByRole('button', { name: 'Remove This laptop' }));
    expect(await page.locator('.flash').innerText()).toBe('The passkey was removed.');
    expect(await passkeysOfUser(server.app.ctx.db, ada.id)).toEqual([]);

    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 90_000);
});
