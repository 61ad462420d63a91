/**
 * An operator helps a locked-out person back in, in a real browser (Chromium, headless), through the console at
 * /admin (issue #14). Lin lost her phone — her only second factor — and then locked her account guessing at her
 * password. Ada, an admin with an authenticator app, signs in with both steps, finds Lin by her surname (by keyboard
 * alone: the search field, Enter, the result link, the lockout button), sees why she cannot get in, clears the
 * lockout and removes Lin's second factors. Eleven minutes later (the app's clock is a ManualClock) a third action
 * sends her through a fresh two-step sign-in and back to Lin's page. Lin then signs in with her password alone and
 * reads on her security page what the administrator did; the audit log lists each action.
 *
 * Every page must load without console errors, CSP violations or axe problems (newJourneyContext checks them).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TotpKeys } from '../../src/auth/totp.js';
import { confirmTotpFactor, startTotpEnrollment } from '../../src/db/factors.js';
import { setAdmin } from '../../src/db/users.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, DEFAULT_TEST_PASSWORD, TEST_SECRET } from '../support/app.js';
import { headingOf, newJourneyContext, pathOf, signInWithPassword, startAppAndBrowser, submit, type ListeningApp, type PageProblems } from '../support/browser.js';
import { totpCode } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 11, 5, 9, 0, 0));
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

beforeAll(async () => {
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

/** Ada's authenticator app: its key, set up as the enrolment page would. */
async function adminWithAuthenticator(): Promise<{ username: string; key: string }> {
  const { db } = server.app.ctx;
  const ada = await createUser(server.app, { username: 'ada', firstName: 'Ada', lastName: 'Byron' });
  const keys = new TotpKeys(TEST_SECRET);
  const sealed = keys.newSealedSecret();
  await startTotpEnrollment(db, ada.id, sealed, clock.now());
  await confirmTotpFactor(db, ada.id, 1, clock.now());
  await setAdmin(db, ada.id, true);
  return { username: ada.username, key: keys.enrollment(sealed, ada.username)!.base32 };
}

/** The password, then the authenticator code (a new time step each time: a code works once). */
async function signInWithAuthenticator(page: Page, username: string, key: string): Promise<void> {
  clock.advance(seconds(30));
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(DEFAULT_TEST_PASSWORD);
  await submit(page, page.getByRole('button', { name: 'Sign in' }));
  expect(pathOf(page)).toBe('/login/two-factor/app');
  await page.getByLabel('Verification code').fill(totpCode(key, clock.now()));
  await submit(page, page.getByRole('button', { name: 'Verify' }));
}

describe('an operator helps a locked-out person back in', () => {
  it('finds her, sees why, clears the lockout, removes her lost factor, steps up for a later action; she signs in', async () => {
    const lin = await createUser(server.app, { username: 'lin', firstName: 'Lin', lastName: 'Quist', phone: '+14155550166' });
    const ada = await adminWithAuthenticator();

    // Lin, phone lost, guesses at her password until the sign-in pauses.
    const linsLaptop = await newVisitor();
    for (let i = 0; i < 6; i++) await signInWithPassword(linsLaptop, 'lin', `not it ${i}`);
    expect(await linsLaptop.locator('.error, [role=alert]').first().innerText()).toContain('paused');

    // Ada signs in with both steps and opens the console from the navigation.
    const desk = await newVisitor();
    await desk.goto('/login');
    await signInWithAuthenticator(desk, ada.username, ada.key);
    await submit(desk, desk.locator('.site-header').getByRole('link', { name: 'Console' }));
    expect(await headingOf(desk)).toBe('Console');
    await submit(desk, desk.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'People' }));

    // By keyboard alone: the search field, her surname, Enter; the result; the lockout button.
    await desk.getByLabel('Find a person').focus();
    await desk.keyboard.type('quist');
    const searched = desk.waitForURL(/\/admin\/people\?q=quist/);
    await desk.keyboard.press('Enter');
    await searched;
    const result = desk.getByRole('link', { name: 'lin' });
    await result.focus();
    const opened = desk.waitForURL(`/admin/people/${lin.id}`);
    await desk.keyboard.press('Enter');
    await opened;
    await desk.waitForLoadState('load');
    expect(await headingOf(desk)).toBe('Lin Quist @lin');
    const lockout = desk.getByRole('region', { name: 'Sign-in lockout' });
    expect(await lockout.innerText()).toMatch(/Locked out|wrong passwords in a row/);
    expect(await desk.getByRole('region', { name: 'Second factors' }).innerText()).toContain('Text-message codes to the number ending 0166');

    const unlock = desk.getByRole('button', { name: 'Clear the sign-in lockout' });
    await unlock.focus();
    const unlocked = desk.waitForEvent('framenavigated', { predicate: (frame) => frame === desk.mainFrame() });
    await desk.keyboard.press('Enter');
    await unlocked;
    await desk.waitForLoadState('load');
    expect(await desk.getByRole('status').first().innerText()).toBe('The sign-in lockout of lin is cleared.');

    // Her phone is gone: remove her second factors (she is mailed, and sets one up again later).
    await submit(desk, desk.getByRole('button', { name: 'Remove the second factors' }));
    expect(await desk.getByRole('status').first().innerText()).toContain('The second factors of lin are removed');

    // Eleven minutes later, sending her a reset link asks Ada to sign in again with both steps, then comes back.
    clock.advance(minutes(11));
    await desk.reload();
    expect(await desk.getByRole('region', { name: 'Help this person' }).innerText()).toContain('Each action first asks you to sign in again');
    await submit(desk, desk.getByRole('button', { name: 'Send a password-reset link' }));
    expect(pathOf(desk)).toBe('/login');
    await signInWithAuthenticator(desk, ada.username, ada.key);
    expect(pathOf(desk)).toBe(`/admin/people/${lin.id}`);
    await submit(desk, desk.getByRole('button', { name: 'Send a password-reset link' }));
    expect(await desk.getByRole('status').first().innerText()).toBe('A password-reset link is on its way to lin.');

    // The audit log lists the three actions, newest first.
    await submit(desk, desk.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }));
    const actions = await desk.locator('.console-table tbody tr td:nth-child(3)').allInnerTexts();
    expect(actions.slice(0, 3)).toEqual(['Sent a password-reset link', 'Reset the second factors', 'Cleared a sign-in lockout']);

    // Lin signs in with her password alone now, and reads what happened.
    await signInWithPassword(linsLaptop, 'lin');
    expect(pathOf(linsLaptop)).toBe('/');
    await linsLaptop.goto('/security');
    const activity = await linsLaptop.locator('table.activity').innerText();
    expect(activity).toContain('Sign-in lockout cleared by an administrator');
    expect(activity).toContain('Second factors removed by an administrator');

    for (const journey of problems) expect(await journey.checked()).toEqual([]);
  }, 90_000);
});
