/**
 * Typing a phone number key by key, as the form's hint says ("With its
 * country code, for example +44 7400 123456"), in English and in Spanish: the
 * number lands in the phone field (intl-tel-input must not pull the "+" into
 * its country search), the picker follows the typed country code, focus stays
 * in the field, and the form posts the number in E.164 and reaches the code
 * page. Choosing a country in the picker by keyboard first, then typing the
 * national number, works too. Codes go to the development outbox; the app's
 * clock moves past the 30-second wait between one number and the next.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_RESEND_INTERVAL_MS } from '../../src/auth/policy.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { ManualClock } from '../../src/lib/duration.js';
import { createUser } from '../support/app.js';
import { newJourneyContext, pathOf, startAppAndBrowser, submit, type ListeningApp, type PageProblems } from '../support/browser.js';

interface TypedNumber {
  /** Pressed key by key. */
  typed: string;
  /** What the form must post. */
  e164: string;
  iso2: string;
  /** As the confirm page shows it. */
  masked: string;
}

const GB: TypedNumber = { typed: '+44 7400 123456', e164: '+447400123456', iso2: 'gb', masked: '+44 ••• 3456' };
const US: TypedNumber = { typed: '+1 415 555 2671', e164: '+14155552671', iso2: 'us', masked: '+1 ••• 2671' };
/** The Spanish page's own example. */
const ES: TypedNumber = { typed: '+34 612 345 678', e164: '+34612345678', iso2: 'es', masked: '+34 ••• 5678' };

const LANGUAGES = [
  { name: 'English', locale: 'en-US', t: en, countries: { gb: 'United Kingdom', us: 'United States', es: 'Spain' }, numbers: [GB, US] },
  { name: 'Spanish', locale: 'es-ES', t: es, countries: { gb: 'Reino Unido', us: 'Estados Unidos', es: 'España' }, numbers: [GB, US, ES] },
];

const clock = new ManualClock(Date.UTC(2026, 10, 26, 9, 0, 0));
let server: ListeningApp;
let browser: Browser;

beforeAll(async () => {
  const started = await startAppAndBrowser({}, { clock });
  if (started.server) server = started.server;
  if (started.browser) browser = started.browser;
  if (started.error !== undefined) throw started.error;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** How many codes the development outbox holds for `phone`. */
async function codesSentTo(phone: string): Promise<number> {
  return (await listDevMessages(server.app.ctx.db)).filter((m) => m.recipient === phone && m.kind === 'sms').length;
}

describe.each(LANGUAGES)('Typing a phone number key by key, in $name', ({ locale, t, countries, numbers }) => {
  let context: BrowserContext;
  let problems: PageProblems;
  let password: string;

  beforeAll(async () => {
    const user = await createUser(server.app);
    password = user.password;
    ({ context, problems } = await newJourneyContext(browser, server.baseUrl, { locale }));
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel(t.login.page.usernameOrEmail, { exact: true }).fill(user.username);
    await page.getByLabel(t.login.page.password, { exact: true }).fill(user.password);
    await submit(page, page.locator('main').getByRole('button', { name: t.login.page.submit }));
    expect(pathOf(page)).toBe('/');
    await page.close();
  }, 60_000);

  afterAll(async () => {
    await context?.close();
  });

  /** The phone page, once the picker and its number utilities have loaded (the previous number's code is 30 s old by then). */
  async function openPhonePage(): Promise<Page> {
    clock.advance(CODE_RESEND_INTERVAL_MS);
    const page = await context.newPage();
    await page.goto('/two-factor/sms/enable');
    expect(pathOf(page)).toBe('/two-factor/sms/enable');
    await page.locator('.iti__selected-country .iti__flag.iti__us').waitFor();
    await expect
      .poll(() => page.evaluate(() => Boolean((globalThis as unknown as { intlTelInput?: { utils?: unknown } }).intlTelInput?.utils)))
      .toBe(true);
    return page;
  }

  /** The picker shows the number's country: its flag, and a name that starts with the dial code ("+44 Reino Unido: …"). */
  async function expectCountry(page: Page, number: TypedNumber): Promise<void> {
    await page.locator(`.iti__selected-country .iti__flag.iti__${number.iso2}`).waitFor();
    const dialCode = /^\+\d+/.exec(number.typed)![0];
    const country = countries[number.iso2 as keyof typeof countries];
    expect(await page.locator('.iti__selected-country').getAttribute('aria-label')).toBe(`${dialCode} ${country}: ${t.sms.enable.changeCountry}`);
  }

  /** Sends the form: the server gets the number in E.164, a code goes to it, and the code page names it. */
  async function sendAndReachCodePage(page: Page, number: TypedNumber): Promise<void> {
    const codesBefore = await codesSentTo(number.e164);
    await page.getByLabel(t.sms.enable.currentPassword, { exact: true }).fill(password);
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${server.baseUrl}/two-factor/sms/enable`),
      submit(page, page.getByRole('button', { name: t.sms.enable.textMe })),
    ]);
    expect(new URLSearchParams(request.postData() ?? '').get('phone')).toBe(number.e164);
    expect(pathOf(page)).toBe('/two-factor/sms/confirm');
    expect(await page.locator('main').innerText()).toContain(t.sms.confirm.introEnable(number.masked));
    expect(await codesSentTo(number.e164)).toBe(codesBefore + 1);
    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }

  const isFocused = (page: Page, selector: string) => page.evaluate<boolean>(`document.activeElement === document.querySelector(${JSON.stringify(selector)})`);

  it.each(numbers)('$typed, with its country code as the hint says, fills the field and picks the country', async (number) => {
    const page = await openPhonePage();
    const field = page.getByLabel(t.sms.enable.phoneLabel, { exact: true });
    await field.pressSequentially(number.typed);
    // Every key went to the phone field: nothing opened the picker's search and took them.
    expect(await isFocused(page, 'input[name="phone"]')).toBe(true);
    expect(await page.locator('.iti__search-input').isVisible()).toBe(false);
    expect(await field.inputValue()).toMatch(/^\+/);
    expect((await field.inputValue()).replace(/\D/g, '')).toBe(number.e164.slice(1));
    await expectCountry(page, number);
    await sendAndReachCodePage(page, number);
    await page.close();
  }, 60_000);

  it('a country chosen in the picker by keyboard, then the national number, works too', async () => {
    const page = await openPhonePage();
    await page.locator('.iti__selected-country').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => isFocused(page, '.iti__search-input')).toBe(true);
    await page.locator('.iti__search-input').pressSequentially(countries.gb);
    // Enter once the list has the country first (it filters 100 ms after the last key, before a person could look).
    await expect.poll(() => page.locator('.iti__highlight').getAttribute('data-iso2')).toBe('gb');
    await page.keyboard.press('Enter');
    await expectCountry(page, GB);
    // Choosing a country puts the focus back in the field, ready for the number as people write it at home.
    expect(await isFocused(page, 'input[name="phone"]')).toBe(true);
    const field = page.getByLabel(t.sms.enable.phoneLabel, { exact: true });
    await field.pressSequentially('07400 123456');
    expect((await field.inputValue()).replace(/\D/g, '')).toBe('07400123456');
    await sendAndReachCodePage(page, GB);
    await page.close();
  }, 60_000);
});

describe('a form sent before the number utilities arrive', () => {
  it('waits for them, posts the national number in E.164, and keeps the button that was pressed', async () => {
    const user = await createUser(server.app);
    const { context, problems } = await newJourneyContext(browser, server.baseUrl, { locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto('/login');
      await page.getByLabel(en.login.page.usernameOrEmail, { exact: true }).fill(user.username);
      await page.getByLabel(en.login.page.password, { exact: true }).fill(user.password);
      await submit(page, page.locator('main').getByRole('button', { name: en.login.page.submit }));
      clock.advance(CODE_RESEND_INTERVAL_MS);
      // A slow network: the utilities (which turn a national number into E.164) arrive only when the test says.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await context.route('**/vendor/intl-tel-input/js/utils.js', async (route) => {
        await released;
        await route.continue();
      });
      await page.goto('/two-factor/sms/enable');
      await page.locator('.iti__selected-country .iti__flag.iti__us').waitFor();
      await page.getByLabel(en.sms.enable.phoneLabel, { exact: true }).fill('415 555 2677');
      await page.getByLabel(en.sms.enable.currentPassword, { exact: true }).fill(user.password);
      const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${server.baseUrl}/two-factor/sms/enable`);
      await page.getByRole('button', { name: en.sms.enable.textMe }).click();
      // Nothing is sent while the utilities are on their way...
      await new Promise((r) => setTimeout(r, 300));
      expect(pathOf(page)).toBe('/two-factor/sms/enable');
      // ...then the form goes, once, with the number in E.164 and the button pressed.
      const navigated = page.waitForURL('**/two-factor/sms/confirm');
      release();
      const form = new URLSearchParams((await posted).postData() ?? '');
      await navigated;
      expect(form.get('phone')).toBe('+14155552677');
      // The pressed button's name and value went with the form sent again (channel=sms).
      expect(form.get('channel')).toBe('sms');
      expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
