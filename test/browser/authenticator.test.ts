/**
 * Grace in a real browser (Chromium, headless): sets up an authenticator app
 * from the security page by typing a code computed here from the key the page
 * shows (as her phone would), keeps her recovery codes, signs out, signs in
 * with a fresh app code ticking "Remember this device", signs in again with the
 * password alone, forgets the device on the security page, and then signs in
 * with a recovery code through "Try another way".
 *
 * Every page must load without console errors, uncaught exceptions or CSP
 * violations (the QR code is inline SVG drawn by the server).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headingOf,
  pathOf,
  photograph,
  signInWithPassword,
  signOut,
  startJourney,
  submit,
  type Journey,
  type ListeningApp,
  type PageProblems,
} from '../support/browser.js';
import { createUser } from '../support/app.js';
import { totpCode } from '../support/totp.js';
import { TOTP_PERIOD_SECONDS } from '../../src/auth/totp.js';
import { ManualClock, seconds } from '../../src/lib/duration.js';

let journey: Journey;
let server: ListeningApp;
let problems: PageProblems;
let page: Page;
/** The app's clock (and so the codes it accepts): moved by the test instead of waiting for real time to pass. */
const clock = new ManualClock();

/** The next 30-second step starts, so the code typed next has not been used. */
function nextTimeStep(): void {
  clock.advance(seconds(TOTP_PERIOD_SECONDS));
}

beforeAll(async () => {
  journey = await startJourney({}, { clock });
  ({ server, problems, page } = journey);
}, 60_000);

afterAll(async () => journey?.close());

describe('Grace and her authenticator app', () => {
  it('sets up the app, signs in with its code, and with a recovery code', async () => {
    const grace = await createUser(server.app, { username: 'grace' });
    await signInWithPassword(page, grace.username);

    await page.goto('/security');
    await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
    await page.waitForURL('/two-factor/app/enable');
    expect(await headingOf(page)).toBe('Set up an authenticator app');
    await page.getByRole('img', { name: /QR code/ }).locator('svg').waitFor();
    const key = (await page.locator('code.secret-key').innerText()).replace(/\s/g, '');
    await photograph(page, '20-authenticator-setup');

    await page.getByLabel('Verification code').fill(totpCode(key, clock.now()));
    await submit(page, page.getByRole('button', { name: 'Turn on' }));
    expect(await headingOf(page)).toBe('Your recovery codes');
    const recoveryCodes = await page.locator('.recovery-codes code').allInnerTexts();
    expect(recoveryCodes).toHaveLength(10);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL('/security');
    expect(await page.locator('main').innerText()).toContain('Authenticator app added');
    await signOut(page);

    // The code used to set the app up is spent: the next one comes 30 seconds later, as a person would wait for it.
    nextTimeStep();
    await signInWithPassword(page, grace.username);
    expect(pathOf(page)).toBe('/login/two-factor/app');
    expect(await headingOf(page)).toBe('Enter the code from your authenticator app');
    await photograph(page, '21-authenticator-sign-in');
    await page.getByLabel('Verification code').fill('000000');
    await submit(page, page.getByRole('button', { name: 'Verify' }));
    expect(await page.locator('#f-code-error').innerText()).toContain('That code is not right');
    await page.getByLabel('Verification code').fill(totpCode(key, clock.now()));
    await page.getByLabel('Remember this device for 30 days').check();
    await submit(page, page.getByRole('button', { name: 'Verify' }));
    expect(pathOf(page)).toBe('/');
    await signOut(page);

    // This browser is remembered: the password alone signs in.
    await signInWithPassword(page, grace.username);
    expect(pathOf(page)).toBe('/');
    await page.goto('/security');
    expect(await page.locator('main').innerText()).toContain('Remembered devices');
    await photograph(page, '22-security-devices');
    await submit(page, page.getByRole('button', { name: 'Forget all devices' }));
    expect(await page.locator('.flash').innerText()).toBe('Every remembered device will ask for a code at its next sign-in.');
    await signOut(page);

    // Forgotten: the code is asked again; this time Grace uses a recovery code instead.
    await signInWithPassword(page, grace.username);
    expect(pathOf(page)).toBe('/login/two-factor/app');
    await page.getByRole('link', { name: 'Use a recovery code' }).click();
    await page.waitForURL('/login/two-factor/recovery');
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!.toLowerCase());
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    expect(pathOf(page)).toBe('/');
    await page.goto('/security');
    expect(await page.locator('main').innerText()).toContain('You have 9 unused recovery codes');
    expect(await page.locator('main').innerText()).toContain('Signed in with a recovery code');

    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 90_000);
});
