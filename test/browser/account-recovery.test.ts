/**
 * Hedy in a real browser (Chromium, headless) loses her phone, and with it her
 * authenticator app and her recovery codes. From the code page she chooses
 * "Can't use any of these? Recover your account", has a link mailed, opens it
 * from the dev outbox and starts the recovery. Her laptop, still signed in,
 * shows the warning on the security page. Two days later (the app's clock is
 * a ManualClock, moved by the test) her password alone signs her in, her old
 * factors are gone, and she is sent to set up a new authenticator app before
 * anything else.
 *
 * Every page must load without console errors, uncaught exceptions or CSP
 * violations.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hours, ManualClock, seconds } from '../../src/lib/duration.js';
import { exactUtc } from '../../src/lib/relative-time.js';
import { createUser } from '../support/app.js';
import {
  headingOf,
  newJourneyContext,
  pathOf,
  photograph,
  readLatestEmailLink,
  signInWithPassword,
  startAppAndBrowser,
  submit,
  type ListeningApp,
  type PageProblems,
} from '../support/browser.js';
import { totpCode } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 10, 27, 9, 0, 0));
let server: ListeningApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: PageProblems[] = [];

async function newVisitor(): Promise<Page> {
  const journey = await newJourneyContext(browser, server.baseUrl);
  journey.context.setDefaultTimeout(10_000);
  contexts.push(journey.context);
  problems.push(journey.problems);
  return journey.context.newPage();
}

/**
 * Sets up an authenticator app from the security page, with a code computed at the app's clock; returns the key.
 * "I have saved them" leads to `leadsTo`: the security page, or the page the person was sent away from to set up.
 */
async function setUpAuthenticator(page: Page, leadsTo = '/security'): Promise<string> {
  await page.goto('/security');
  await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
  await page.waitForURL('/two-factor/app/enable');
  const key = (await page.locator('code.secret-key').innerText()).replace(/\s/g, '');
  await page.getByLabel('Verification code').fill(totpCode(key, clock.now()));
  await submit(page, page.getByRole('button', { name: 'Turn on' }));
  expect(await headingOf(page)).toBe('Your recovery codes');
  await page.getByRole('link', { name: 'I have saved them' }).click();
  await page.waitForURL(leadsTo);
  return key;
}

beforeAll(async () => {
  // Keep whichever came up, so afterAll closes it even when the other failed.
  const started = await startAppAndBrowser({}, { clock });
  if (started.server) server = started.server;
  if (started.browser) browser = started.browser;
  if (started.error !== undefined) throw started.error;
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

describe('Hedy recovers her account after losing her phone', () => {
  it('asks for a recovery on the code page, starts it from the mail, waits 48 hours, then sets up a new factor', async () => {
    const hedy = await createUser(server.app, { username: 'hedy', firstName: 'Hedy' });

    // Her laptop: signed in, the authenticator app set up on the phone she is about to lose.
    const laptop = await newVisitor();
    await signInWithPassword(laptop, hedy.username);
    const oldKey = await setUpAuthenticator(laptop);
    clock.advance(seconds(30));

    // A borrowed computer: the password is right, the code is on the lost phone.
    const page = await newVisitor();
    await signInWithPassword(page, hedy.username);
    expect(pathOf(page)).toBe('/login/two-factor/app');
    await page.getByRole('link', { name: "Can't use any of these? Recover your account" }).click();
    await page.waitForURL('/login/recover');
    expect(await headingOf(page)).toBe('Recover your account');
    expect(await page.locator('main').innerText()).toContain('wait of 48 hours');
    await photograph(page, '23-account-recovery');
    await submit(page, page.getByRole('button', { name: 'Email me a recovery link' }));
    expect(await headingOf(page)).toBe('Check your email');

    // The mail, read in the dev outbox; its HTML button and its text link agree.
    const mailed = await readLatestEmailLink(contexts[1]!, server.baseUrl, hedy.email, 'Start the account recovery');
    expect(mailed.htmlHref).toBe(mailed.url);
    await page.goto(mailed.url);
    expect(await headingOf(page)).toBe('Start the account recovery?');
    const startedAt = clock.now();
    await submit(page, page.getByRole('button', { name: 'Start the recovery' }));
    expect(await headingOf(page)).toBe('Account recovery started');
    expect(await page.locator('main').innerText()).toContain(exactUtc(startedAt + hours(48)));

    // The laptop, still signed in, warns of it and offers to cancel.
    await laptop.goto('/security');
    const warning = laptop.locator('.recovery-notice');
    expect(await warning.innerText()).toContain(`Account recovery in progress: your second factors will be removed on ${exactUtc(startedAt + hours(48))}.`);
    await warning.getByRole('button', { name: 'Cancel the recovery' }).waitFor();
    await photograph(laptop, '24-recovery-warning');

    // 47 hours on, the password still leads to the code page.
    clock.advance(hours(47));
    await signInWithPassword(page, hedy.username);
    expect(pathOf(page)).toBe('/login/two-factor/app');
    await submit(page, page.getByRole('button', { name: 'Cancel and start over' }));

    // 48 hours: the password alone signs her in, and she must set up a new factor first.
    clock.advance(hours(1));
    await signInWithPassword(page, hedy.username);
    expect(pathOf(page)).toBe('/security');
    expect(await page.locator('.flash').innerText()).toBe('Your account was recovered and its second factors removed. Set up a new second factor to continue.');
    const main = await page.locator('main').innerText();
    expect(main).toContain('Your account was recovered: its second factors were removed.');
    expect(main).toContain('Account recovery completed: second factors removed');
    await page.goto('/profile/edit');
    expect(pathOf(page)).toBe('/security');

    // The set-up leads back to the page she was sent away from, which now opens.
    const newKey = await setUpAuthenticator(page, '/profile/edit');
    expect(newKey).not.toBe(oldKey);
    expect(pathOf(page)).toBe('/profile/edit');

    for (const seen of problems) expect(await seen.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 90_000);
});
