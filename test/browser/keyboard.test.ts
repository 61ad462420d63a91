/**
 * Linus signs in with his password and a text-message code using the keyboard
 * alone (Chromium, headless): Tab to the fields, type, Enter to submit. Every
 * control he reaches shows a visible focus ring; on a page without a form the
 * first Tab reaches "Skip to content"; after a wrong code, focus is on the code field, marked invalid and
 * tied to its error message, so he can type again at once.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, DEFAULT_TEST_PASSWORD, latestDevCode } from '../support/app.js';
import { pathOf, startJourney, type Journey, type ListeningApp, type PageProblems } from '../support/browser.js';

const PHONE = '+14155557901';
let journey: Journey;
let server: ListeningApp;
let context: BrowserContext;
let problems: PageProblems;
let page: Page;

beforeAll(async () => {
  journey = await startJourney();
  ({ server, context, problems, page } = journey);
}, 60_000);

afterAll(async () => journey?.close());

/** What has focus: its id, or its text, and whether a focus ring is drawn around it. */
function focused(): Promise<{ id: string; text: string; ring: boolean; invalid: string | null; describedBy: string | null }> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
      id: el.id,
      text: (el.textContent || '').trim(),
      ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
      invalid: el.getAttribute('aria-invalid'),
      describedBy: el.getAttribute('aria-describedby'),
    };
  })()`);
}

/** Presses Tab until the element with this id has focus; every stop on the way must show its focus ring. */
async function tabTo(id: string): Promise<void> {
  for (let presses = 0; presses < 20; presses++) {
    await page.keyboard.press('Tab');
    const now = await focused();
    expect(now.ring, `no visible focus on "${now.id || now.text}"`).toBe(true);
    if (now.id === id) return;
  }
  throw new Error(`Tab never reached #${id}`);
}

/** Presses a key that submits a form and waits for the page that answers it. */
async function pressAndWait(key: string): Promise<void> {
  const committed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await page.keyboard.press(key);
  await committed;
  await page.waitForLoadState('load');
}

describe('Linus and his keyboard', () => {
  it('signs in with a text-message code without touching the mouse', async () => {
    const linus = await createUser(server.app, { username: 'linus', phone: PHONE });
    // On a page without a form, the first Tab reaches "Skip to content", shown when focused.
    await page.goto('/no/such/page');
    await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Skip to content');
    const skip = await page.locator('.skip-link').boundingBox();
    expect(skip !== null && skip.x >= 0).toBe(true);

    // The sign-in page starts in the username field.
    await page.goto('/login');
    // Autofocus lands when the browser next updates the rendering, which can be just after the load event.
    await expect.poll(async () => (await focused()).id).toBe('f-login');
    await page.keyboard.type(linus.username);
    await tabTo('f-password');
    await page.keyboard.type(DEFAULT_TEST_PASSWORD);
    await pressAndWait('Enter');
    expect(pathOf(page)).toBe('/login/two-factor');

    // The code field has focus already: type, Enter.
    await expect.poll(async () => (await focused()).id).toBe('f-code');
    await page.keyboard.type('000000');
    await pressAndWait('Enter');
    await expect.poll(async () => (await focused()).id).toBe('f-code');
    const afterWrong = await focused();
    expect(afterWrong.invalid).toBe('true');
    expect(afterWrong.describedBy).toContain('f-code-error');
    expect(await page.locator('#f-code-error').innerText()).toContain('not right');

    await page.keyboard.type(await latestDevCode(server.app, PHONE));
    await pressAndWait('Enter');
    expect(pathOf(page)).toBe('/');

    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 60_000);
  it('shows and hides a password on request, and sends a form once however often it is submitted', async () => {
    await context.clearCookies();
    await page.goto('/login');
    const password = page.locator('#f-password');
    const toggle = page.locator('button.show-password');
    expect(await page.getByRole('button', { name: 'Show password' }).count()).toBe(1);
    await password.fill('a secret phrase');
    await toggle.click();
    expect(await password.getAttribute('type')).toBe('text');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Hide password' }).count()).toBe(1);
    await toggle.click();
    expect(await password.getAttribute('type')).toBe('password');

    // A slow network: the sign-in is held for a moment, and meanwhile the button is clicked again, then Enter.
    const posts: string[] = [];
    await page.route('**/login', async (route) => {
      if (route.request().method() === 'POST') {
        posts.push(route.request().url());
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      await route.continue();
    });
    await page.locator('#f-login').fill('nobody-in-particular');
    const answered = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
    // Clicks 100 ms apart, in the page, while the first submission is still on its way.
    await page.evaluate(`(() => {
      const form = document.querySelector('form[action="/login"]');
      const button = form.querySelector('button.primary');
      button.click();
      setTimeout(() => button.click(), 100);
      setTimeout(() => form.requestSubmit(), 200);
    })()`);
    await answered;
    await page.waitForLoadState('load');
    await page.unroute('**/login');
    expect(posts).toEqual([`${server.baseUrl}/login`]);
    expect(await page.locator('.error-summary').innerText()).toContain('do not match');

    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 60_000);
});
