/**
 * Relative times stay true while a page is open: the security page says a
 * session was signed in "just now", and two minutes later (the browser's clock
 * fast-forwarded) it says "2 minutes ago" without a reload.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../support/app.js';
import { signInWithPassword, startJourney, type Journey, type ListeningApp, type PageProblems } from '../support/browser.js';

let journey: Journey;
let server: ListeningApp;
let problems: PageProblems;
let page: Page;

beforeAll(async () => {
  journey = await startJourney();
  ({ server, problems, page } = journey);
}, 60_000);

afterAll(async () => journey?.close());

describe('relative times', () => {
  it('update on an open page', async () => {
    const user = await createUser(server.app, { username: 'ada' });
    await page.clock.install({ time: Date.now() });
    await signInWithPassword(page, user.username);
    await page.goto('/security');
    const signedIn = page.locator('.device-list time').nth(1); // "active … · signed in …" of this session
    expect(await signedIn.innerText()).toBe('just now');
    await page.clock.fastForward('02:00');
    await expect.poll(() => signedIn.innerText()).toBe('2 minutes ago');
    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 60_000);
});
