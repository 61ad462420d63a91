/**
 * Grace in a real browser (Chromium, headless), with text-message codes on:
 * adds a backup phone from the security page, turns on codes by email, then
 * signs in once with a code sent to the backup phone and once with a code sent
 * by email, both through "Try another way". The app's clock is controlled
 * (the 30-second wait between codes passes at once); codes are read from the
 * development outbox, as a phone or mailbox would receive them.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { findUserById } from '../../src/db/users.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, DEFAULT_TEST_PASSWORD, latestDevCode } from '../support/app.js';
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

const clock = new ManualClock(Date.UTC(2026, 10, 26, 18, 0, 0));
const MAIN_PHONE = '+14155557301';
const BACKUP_PHONE = '+14155557302';

let journey: Journey;
let server: ListeningApp;
let problems: PageProblems;
let page: Page;

/** The newest sign-in code mailed to `email`, once the outbox worker has delivered it. */
async function mailedCode(email: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mail = (await listDevMessages(server.app.ctx.db)).find((m) => m.recipient === email && m.subject === 'Your Gatehouse sign-in code');
    if (mail) return / is (\d{6})\./.exec(mail.text_body)![1]!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no sign-in code mailed to ${email}`);
}

beforeAll(async () => {
  journey = await startJourney({}, { clock, outbox: { pollIntervalMs: 20 } });
  ({ server, problems, page } = journey);
}, 60_000);

afterAll(async () => journey?.close());

describe('Grace and her fallbacks', () => {
  it('adds a backup phone and email codes, and signs in with each', async () => {
    const grace = await createUser(server.app, { username: 'grace', phone: MAIN_PHONE });
    await signInWithPassword(page, grace.username);
    expect(pathOf(page)).toBe('/login/two-factor');
    await page.getByLabel('Verification code').fill(await latestDevCode(server.app, MAIN_PHONE));
    await submit(page, page.getByRole('button', { name: 'Verify' }));
    expect(pathOf(page)).toBe('/');

    // A backup phone: the password, then the code sent to it.
    await page.goto('/security');
    await page.getByRole('link', { name: 'Add a backup phone' }).click();
    await page.waitForURL('/two-factor/sms/enable?backup=1');
    expect(await headingOf(page)).toBe('Add a backup phone');
    await page.getByLabel('Backup phone number').fill(BACKUP_PHONE);
    await page.getByLabel('Current password').fill(DEFAULT_TEST_PASSWORD);
    clock.advance(seconds(31));
    await submit(page, page.getByRole('button', { name: 'Text me a code' }));
    expect(pathOf(page)).toBe('/two-factor/sms/confirm');
    await page.getByLabel('Verification code').fill(await latestDevCode(server.app, BACKUP_PHONE));
    await submit(page, page.getByRole('button', { name: 'Verify' }));
    expect(pathOf(page)).toBe('/security');
    expect(await page.locator('.flash').innerText()).toContain('Your backup phone is added');

    // Codes by email, as a fallback.
    await submit(page, page.getByRole('button', { name: 'Turn on email codes' }));
    expect(await page.locator('.flash').innerText()).toContain('Email codes are on');
    expect((await findUserById(server.app.ctx.db, grace.id))?.backup_phone).toBe(BACKUP_PHONE);
    await signOut(page);

    // The main phone is out of reach: a code to the backup phone instead.
    clock.advance(minutes(1));
    await signInWithPassword(page, grace.username);
    expect(pathOf(page)).toBe('/login/two-factor');
    clock.advance(seconds(31)); // the wait after the code the main phone got
    await page.getByRole('link', { name: 'Get a code on your backup phone' }).click();
    await page.waitForURL('/login/two-factor/backup-phone');
    await photograph(page, '33-backup-phone-sign-in');
    await submit(page, page.getByRole('button', { name: 'Text me a code' }));
    expect(pathOf(page)).toBe('/login/two-factor');
    expect(await page.locator('main').innerText()).toContain('We sent a 6-digit code to your backup phone');
    await page.getByLabel('Verification code').fill(await latestDevCode(server.app, BACKUP_PHONE));
    await submit(page, page.getByRole('button', { name: 'Verify' }));
    expect(pathOf(page)).toBe('/');
    await signOut(page);

    // No phone at all: a code by email.
    clock.advance(minutes(1));
    await signInWithPassword(page, grace.username);
    clock.advance(seconds(31));
    await page.getByRole('link', { name: 'Get a code by email' }).click();
    await page.waitForURL('/login/two-factor/email');
    await submit(page, page.getByRole('button', { name: 'Email me a code' }));
    await page.getByLabel('Verification code').fill(await mailedCode(grace.email));
    await photograph(page, '34-email-code-sign-in');
    await submit(page, page.getByRole('button', { name: 'Verify' }));
    expect(pathOf(page)).toBe('/');
    await page.goto('/security');
    expect(await page.locator('main').innerText()).toContain('Signed in with a code sent by email');

    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 90_000);
});
