/**
 * Ada's journey through Gatehouse in a real browser (Chromium, headless) against
 * the app on a real port, with the development stand-ins: SMS codes and mail
 * are read from /dev/outbox in another tab.
 *
 * register → sign in (no "remember me": a session cookie) → home, with the
 * "confirm your email" banner → the mailed confirmation link → profile (the
 * avatar falls back offline) → edit "about me" → turn on SMS 2FA through
 * intl-tel-input → code from the outbox, resend held back by a countdown →
 * sign out → open a protected page → sign in with "remember me" → wrong code,
 * right code → back on the page asked for, with a 30-day cookie → turn 2FA off
 * with the password → sign out → forgot password → mailed link → new password
 * → sign in with it.
 *
 * Every page must load without console errors, uncaught exceptions or CSP
 * violations. With `npm run screenshots`, each distinct page is saved to
 * docs/screenshots/ for the README.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  countOutboxMessages,
  newJourneyContext,
  PHONE_VIEWPORT,
  photograph,
  readLatestEmailLink,
  readLatestSmsCode,
  sessionCookie,
  startAppAndBrowser,
  type ListeningApp,
  type PageProblems,
} from '../support/browser.js';

const ADA = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  username: 'ada',
  email: 'ada@example.com',
  password: 'analytical engine 1843',
  newPassword: 'poetical science 1815',
  aboutMe: 'Mathematician and writer. I wrote the first published program, for Charles Babbage’s Analytical Engine.',
  /** Typed as a US user would, without the country code; intl-tel-input supplies +1. */
  phoneTyped: '415 555 2671',
  /** What the form must submit: E.164, valid for libphonenumber-js/max. */
  phoneE164: '+14155552671',
};

const DAY_S = 24 * 60 * 60;

let server: ListeningApp;
let browser: Browser;
let context: BrowserContext;
let problems: PageProblems;
let page: Page;

/** Runs one step of the journey; a failure names the step it happened in. */
async function step(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof Error) error.message = `[${name}] ${error.message}`;
    throw error;
  }
}

const url = (path: string) => `${server.baseUrl}${path}`;
const pathOf = (p: Page) => {
  const u = new URL(p.url());
  return u.pathname + u.search;
};

/** The page's h1, flash and error summary: what a user reads first. */
const heading = (p: Page = page) => p.locator('h1').innerText();
const flash = (p: Page = page) => p.locator('.flash').innerText();
const errorSummary = (p: Page = page) => p.locator('.error-summary').innerText();

const screenshot = (name: string, p: Page = page) => photograph(p, name);

/** Submits a form by clicking its button and waits until the page that answers it (after any redirect) has loaded. */
async function submit(button: Locator, p: Page = page): Promise<void> {
  const committed = p.waitForEvent('framenavigated', { predicate: (frame) => frame === p.mainFrame() });
  await button.click();
  await committed;
  await p.waitForLoadState('load');
}

async function expectNoProblems(): Promise<void> {
  expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
}

beforeAll(async () => {
  // Keep whichever came up, so afterAll closes it even when the other failed.
  const started = await startAppAndBrowser();
  if (started.server) server = started.server;
  if (started.browser) browser = started.browser;
  if (started.error !== undefined) throw started.error;
  ({ context, problems } = await newJourneyContext(browser, server.baseUrl));
  // Fail fast: no step waits anywhere near this long when things work.
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
}, 60_000);

// Each test answers for the problems of its own pages only.
beforeEach(() => problems?.clear());

afterAll(async () => {
  // In order (the context belongs to the browser), each even if the one before failed; report the first failure.
  const errors: unknown[] = [];
  for (const close of [() => context?.close(), () => browser?.close(), () => server?.close()]) {
    await close()?.catch((error: unknown) => errors.push(error));
  }
  if (errors.length > 0) throw errors[0];
});

describe('Ada in the browser', () => {
  it('registers, edits her profile, uses SMS two-factor and resets her password', async () => {
    await step('register', async () => {
      await page.goto(url('/register'));
      expect(await heading()).toBe('Create an account');
      await page.getByLabel('First name').fill(ADA.firstName);
      await page.getByLabel('Last name').fill(ADA.lastName);
      await page.getByLabel('Username').fill(ADA.username);
      await page.getByLabel('Email').fill(ADA.email);
      await page.getByLabel('Password', { exact: true }).fill(ADA.password);
      await page.getByLabel('Repeat password').fill(ADA.password);
      await screenshot('01-register');
      await submit(page.getByRole('button', { name: 'Create account' }));
      expect(pathOf(page)).toBe('/login');
      expect(await flash()).toBe('Account created — check your email to confirm your address.');
      await screenshot('02-login');
    });

    await step('sign in without "remember me": a session cookie', async () => {
      await page.getByLabel('Username or email').fill(ADA.username);
      await page.getByLabel('Password').fill(ADA.password);
      expect(await page.getByLabel('Remember me for 30 days').isChecked()).toBe(false);
      await submit(page.getByRole('button', { name: 'Sign in' }));
      expect(pathOf(page)).toBe('/');
      expect(await heading()).toBe('Hi, Ada!');
      const cookie = await sessionCookie(context, server.baseUrl);
      expect(cookie?.expires, 'a cookie that ends with the browser session').toBe(-1);
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe('Lax');
      await screenshot('03-home');
    });

    await step('confirm the email address with the mailed link; the banner goes', async () => {
      expect(await page.locator('.banner-confirm-email').innerText()).toContain('Confirm your email address');
      const mail = await readLatestEmailLink(context, server.baseUrl, ADA.email, 'Confirm my email address');
      expect(mail.url).toMatch(new RegExp(`^${server.baseUrl}/confirm-email/[A-Za-z0-9_-]+$`));
      expect(mail.htmlHref).toBe(mail.url);
      await page.goto(mail.url);
      expect(await heading()).toBe('Confirm your email address');
      await submit(page.getByRole('button', { name: 'Confirm my email address' }));
      expect(pathOf(page)).toBe('/');
      expect(await flash()).toBe('Thank you — your email address is confirmed.');
      expect(await page.locator('.banner-confirm-email').count()).toBe(0);
    });

    await step('profile, with the local avatar when Gravatar cannot be reached', async () => {
      await page.getByRole('link', { name: 'Your profile' }).click();
      await page.waitForURL(url('/user/ada'));
      expect(await heading()).toBe('Ada Lovelace');
      // app.js swaps in data-fallback when the Gravatar image fails; the local SVG must then load.
      const avatar = page.locator('img.avatar');
      await expect.poll(() => avatar.getAttribute('src')).toBe('/static/img/avatar.svg');
      await expect.poll(() => avatar.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      expect(problems.outsideRequests.some((u) => u.startsWith('https://www.gravatar.com/avatar/'))).toBe(true);
    });

    await step('edit "about me"', async () => {
      await page.getByRole('link', { name: 'Edit profile' }).click();
      await page.waitForURL(url('/profile/edit'));
      expect(await page.getByLabel('Username').inputValue()).toBe(ADA.username);
      await page.getByLabel('About me').fill(ADA.aboutMe);
      await screenshot('05-edit-profile');
      await submit(page.getByRole('button', { name: 'Save' }));
      expect(pathOf(page)).toBe('/user/ada');
      expect(await flash()).toBe('Your profile has been saved.');
      expect(await page.locator('.about').innerText()).toBe(ADA.aboutMe);
      await expect.poll(() => page.locator('img.avatar').getAttribute('src')).toBe('/static/img/avatar.svg');
      await screenshot('04-profile');
    });

    await step('turn on two-factor: intl-tel-input turns the typed number into E.164', async () => {
      await page.getByRole('link', { name: /^Manage two-factor sign-in/ }).click();
      await page.waitForURL(url('/security'));
      expect(await heading()).toBe('Security');
      await screenshot('18-security-page');
      await page.getByRole('link', { name: 'Set up text-message codes' }).click();
      await page.waitForURL(url('/two-factor/sms/enable'));
      // The country picker wraps the field and shows the US flag; its number utilities load from our origin.
      await page.locator('.iti input[name="phone"]').waitFor();
      await page.locator('.iti__selected-country .iti__flag.iti__us').waitFor();
      await expect
        .poll(() => page.evaluate(() => Boolean((globalThis as unknown as { intlTelInput?: { utils?: unknown } }).intlTelInput?.utils)))
        .toBe(true);
      const field = page.getByLabel('Mobile phone number');
      await field.pressSequentially(ADA.phoneTyped);
      await page.locator('h1').click(); // blur, so the number shows as formatted
      await page.getByLabel('Current password').fill(ADA.password);
      await screenshot('06-enable-2fa');
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'POST' && r.url() === url('/two-factor/sms/enable')),
        submit(page.getByRole('button', { name: 'Text me a code' })),
      ]);
      expect(new URLSearchParams(request.postData() ?? '').get('phone')).toBe(ADA.phoneE164);
      expect(pathOf(page)).toBe('/two-factor/sms/confirm');
    });

    await step('confirm the phone with the code from the dev outbox; resend waits', async () => {
      expect(await heading()).toBe('Confirm your phone');
      expect(await page.locator('main').innerText()).toContain('+1 ••• 2671');
      // Right after a code was sent, both resend buttons are disabled and count down.
      const sendAgain = page.getByRole('button', { name: /^Send again/ });
      const callMe = page.getByRole('button', { name: /^Call me instead/ });
      expect(await sendAgain.isDisabled()).toBe(true);
      expect(await callMe.isDisabled()).toBe(true);
      const label = await sendAgain.innerText();
      const seconds = Number(/\((\d+) s\)/.exec(label)?.[1]);
      expect(seconds, `countdown in "${label}"`).toBeGreaterThan(20);
      expect(seconds).toBeLessThanOrEqual(30);
      expect(await page.locator('[data-countdown-note]').innerText()).toMatch(/^You can ask for a new code in \d+ seconds\.$/);
      // …and the countdown is live: the label changes within a couple of seconds.
      await expect.poll(() => sendAgain.innerText(), { timeout: 3_000 }).not.toContain(`(${seconds} s)`);
      await screenshot('07-confirm-phone');

      const code = await readLatestSmsCode(context, server.baseUrl, ADA.phoneE164, { screenshot: '08-dev-outbox' });
      await page.getByLabel('Verification code').fill(code);
      await submit(page.getByRole('button', { name: 'Verify' }));
      // The first factor: the recovery codes, shown this once.
      expect(await heading()).toBe('Your recovery codes');
      expect(await page.locator('main').innerText()).toContain('Two-factor authentication is on.');
      expect(await page.locator('.recovery-codes li').count()).toBe(10);
      await screenshot('19-recovery-codes');
      await page.getByRole('link', { name: 'I have saved them' }).click();
      await page.waitForURL(url('/security'));
      expect(await page.locator('main').innerText()).toContain('phone ending in 2671');
      expect(await page.locator('main').innerText()).toContain('You have 10 unused recovery codes');
    });

    await step('sign out with the navigation button (a POST)', async () => {
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.url() === url('/logout')),
        submit(page.locator('.site-header').getByRole('button', { name: 'Sign out' })),
      ]);
      expect(request.method()).toBe('POST');
      expect(pathOf(page)).toBe('/login');
      expect(await flash()).toBe('You have signed out.');
      expect(await sessionCookie(context, server.baseUrl)).toBeUndefined();
    });

    await step('a protected page asks to sign in first, then the code', async () => {
      await page.goto(url('/profile/edit'));
      expect(pathOf(page)).toBe(`/login?next=${encodeURIComponent('/profile/edit')}`);
      const smsBefore = await countOutboxMessages(context, server.baseUrl, 'sms', ADA.phoneE164);
      await page.getByLabel('Username or email').fill(ADA.email);
      await page.getByLabel('Password').fill(ADA.password);
      await page.getByLabel('Remember me for 30 days').check();
      await submit(page.getByRole('button', { name: 'Sign in' }));
      expect(pathOf(page)).toBe('/login/two-factor');
      expect(await heading()).toBe('Enter the code we sent you');
      expect(await page.getByRole('button', { name: /^Send again/ }).isDisabled()).toBe(true);
      await screenshot('09-sign-in-code');

      const code = await readLatestSmsCode(context, server.baseUrl, ADA.phoneE164, { newerThan: smsBefore });
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      await page.getByLabel('Verification code').fill(wrong);
      await submit(page.getByRole('button', { name: 'Verify' }));
      expect(pathOf(page)).toBe('/login/two-factor');
      expect(await page.locator('#f-code-error').innerText()).toBe('That code is not right. Check the latest message and try again.');
      expect(await page.getByLabel('Verification code').getAttribute('aria-invalid')).toBe('true');
      await screenshot('10-wrong-code');

      await page.getByLabel('Verification code').fill(`${code.slice(0, 3)} ${code.slice(3)}`); // as people paste it
      await submit(page.getByRole('button', { name: 'Verify' }));
      expect(pathOf(page), 'back on the page that asked for sign-in').toBe('/profile/edit');
      expect(await heading()).toBe('Edit profile');
    });

    await step('"remember me" gives a persistent cookie for about 30 days', async () => {
      const cookie = await sessionCookie(context, server.baseUrl);
      const days = ((cookie?.expires ?? -1) - Date.now() / 1000) / DAY_S;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);
    });

    await step('turn two-factor off, which asks for the password', async () => {
      await page.goto(url('/security'));
      await page.getByRole('link', { name: 'Turn off text-message codes' }).click();
      await page.waitForURL(url('/two-factor/disable'));
      expect(await heading()).toBe('Turn off two-factor authentication');
      await screenshot('11-disable-2fa');
      await page.getByLabel('Current password').fill('not my password');
      await submit(page.getByRole('button', { name: 'Turn off two-factor authentication' }));
      expect(await errorSummary()).toContain('That is not your current password.');
      await page.getByLabel('Current password').fill(ADA.password);
      await submit(page.getByRole('button', { name: 'Turn off two-factor authentication' }));
      expect(pathOf(page)).toBe('/user/ada');
      expect(await flash()).toBe('Two-factor authentication is off.');
      expect(await page.locator('.security').innerText()).toContain('Two-factor sign-in is off.');
    });

    await step('forgot password: the mailed link sets a new one', async () => {
      await submit(page.locator('.site-header').getByRole('button', { name: 'Sign out' }));
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.waitForURL(url('/reset-password'));
      expect(await heading()).toBe('Forgot your password?');
      await page.getByLabel('Email').fill(ADA.email);
      await screenshot('12-forgot-password');
      await submit(page.getByRole('button', { name: 'Send the link' }));
      expect(await heading()).toBe('Check your email');
      await screenshot('13-check-email');

      const mail = await readLatestEmailLink(context, server.baseUrl, ADA.email, 'Choose a new password', { htmlScreenshot: '16-reset-email' });
      expect(mail.url).toMatch(new RegExp(`^${server.baseUrl}/reset-password/[A-Za-z0-9_-]+$`));
      expect(mail.htmlHref).toBe(mail.url);
      await page.goto(mail.url);
      expect(await heading()).toBe('Choose a new password');
      await page.getByLabel('New password', { exact: true }).fill(ADA.newPassword);
      await page.getByLabel('Repeat new password').fill(ADA.newPassword);
      await screenshot('14-reset-password');
      await submit(page.getByRole('button', { name: 'Set new password' }));
      expect(pathOf(page)).toBe('/login');
      expect(await flash()).toContain('Your password has been changed.');

      // The link works once.
      await page.goto(mail.url);
      expect(await heading()).toBe('This link no longer works');
    });

    await step('sign in with the new password (and not the old one)', async () => {
      await page.goto(url('/login'));
      await page.getByLabel('Username or email').fill(ADA.username);
      await page.getByLabel('Password').fill(ADA.password);
      await submit(page.getByRole('button', { name: 'Sign in' }));
      expect(await errorSummary()).toContain('do not match');
      await page.getByLabel('Password').fill(ADA.newPassword);
      await submit(page.getByRole('button', { name: 'Sign in' }));
      expect(pathOf(page)).toBe('/');
      expect(await heading()).toBe('Hi, Ada!');
    });

    await expectNoProblems();
  }, 90_000);

  it('shows a friendly page for an unknown address', async () => {
    const response = await page.goto(url('/no/such/page'));
    expect(response?.status()).toBe(404);
    expect(await heading()).toBe('Page not found');
    await screenshot('15-not-found');
    await expectNoProblems();
  }, 60_000);

  it('lays the sign-in page out for a phone', async () => {
    const phone = await newJourneyContext(browser, server.baseUrl, { viewport: PHONE_VIEWPORT, isMobile: true, hasTouch: true });
    try {
      const p = await phone.context.newPage();
      await p.goto(url('/login'));
      expect(await heading(p)).toBe('Sign in');
      // Nothing sticks out sideways at 375 px.
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
      await screenshot('17-login-phone', p);
      expect(await phone.problems.checked()).toEqual([]);
    } finally {
      await phone.context.close();
    }
  }, 60_000);
});
