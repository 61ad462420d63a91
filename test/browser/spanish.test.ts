/**
 * Lucía uses Gatehouse in Spanish, end to end, in a real Chromium whose
 * language is es-ES, with SMS codes going through the real `twilio` SDK to the
 * Verify stand-in (test/support/twilio-stand-in.ts), as they would to Twilio:
 *
 * register (Spanish form, Spanish errors) → the confirmation mail in Spanish
 * (text and HTML) → sign in → turn on SMS codes through the country picker,
 * whose names and button are in Spanish → Twilio is asked for `Locale=es` and
 * the "phone" gets the Spanish message → recovery codes → sign out and in with
 * a code (Locale=es again) → switch to English in the footer: the pages, her
 * account's mail language, and the next code's Locale all follow.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUsername } from '../../src/db/users.js';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import {
  headingOf,
  newJourneyContext,
  pathOf,
  photograph,
  readLatestEmailLink,
  startAppAndBrowser,
  submit,
  type ListeningApp,
  type PageProblems,
} from '../support/browser.js';
import { TwilioStandIn } from '../support/twilio-stand-in.js';

const LUCIA = {
  firstName: 'Lucía',
  lastName: 'Fernández',
  username: 'lucia',
  email: 'lucia@example.com',
  password: 'mariposas del río 1987',
  /** Typed as a US user would; the picker supplies +1. */
  phoneTyped: '415 555 2699',
  phone: '+14155552699',
};

let standIn: TwilioStandIn;
let server: ListeningApp;
let browser: Browser;
let context: BrowserContext;
let problems: PageProblems;
let page: Page;

beforeAll(async () => {
  standIn = await TwilioStandIn.start();
  const started = await startAppAndBrowser(standIn.env());
  if (started.server) server = started.server;
  if (started.browser) browser = started.browser;
  if (started.error !== undefined) throw started.error;
  ({ context, problems } = await newJourneyContext(browser, server.baseUrl, { locale: 'es-ES' }));
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  await standIn?.close();
});

/** The Verifications Twilio was asked for, for Lucía's phone: each one's Locale. */
const localesSent = () => standIn.requestsTo('start', LUCIA.phone).map((r) => r.form.Locale);

async function signInWithPassword(t: typeof es): Promise<void> {
  await page.goto('/login');
  await page.getByLabel(t.login.page.usernameOrEmail, { exact: true }).fill(LUCIA.username);
  await page.getByLabel(t.login.page.password, { exact: true }).fill(LUCIA.password);
  await submit(page, page.locator('main').getByRole('button', { name: t.login.page.submit }));
}

describe('Lucía, in Spanish', () => {
  it('registers, confirms, turns on SMS codes and signs in, all in Spanish, and Twilio is asked for Spanish', async () => {
    // Register: a Spanish page, and a Spanish error for a short password.
    await page.goto('/register');
    expect(await page.evaluate('document.documentElement.lang')).toBe('es');
    expect(await headingOf(page)).toBe(es.account.register.heading);
    await page.getByLabel(es.account.fields.firstName, { exact: true }).fill(LUCIA.firstName);
    await page.getByLabel(es.account.fields.lastName, { exact: true }).fill(LUCIA.lastName);
    await page.getByLabel(es.account.fields.username, { exact: true }).fill(LUCIA.username);
    await page.getByLabel(es.account.fields.email, { exact: true }).fill(LUCIA.email);
    await page.getByLabel(es.account.fields.password, { exact: true }).fill('corta');
    await page.getByLabel(es.account.fields.repeatPassword, { exact: true }).fill('corta');
    await submit(page, page.getByRole('button', { name: es.account.register.submit }));
    expect(await page.locator('.error-summary').innerText()).toContain(es.problems.passwordTooShort);
    await photograph(page, '40-es-register-error');
    await page.getByLabel(es.account.fields.password, { exact: true }).fill(LUCIA.password);
    await page.getByLabel(es.account.fields.repeatPassword, { exact: true }).fill(LUCIA.password);
    await submit(page, page.getByRole('button', { name: es.account.register.submit }));
    expect(pathOf(page)).toBe('/login');
    expect(await page.locator('.flash').innerText()).toBe(es.account.register.registered);
    expect((await findUserByUsername(server.app.ctx.db, LUCIA.username))!.locale).toBe('es');

    // The confirmation mail is in Spanish, in both parts.
    const mail = await readLatestEmailLink(context, server.baseUrl, LUCIA.email, es.account.confirmationMail.action, {
      htmlScreenshot: '41-es-confirmation-mail',
    });
    expect(mail.htmlHref).toBe(mail.url);

    // Sign in, then confirm the address from the link.
    await signInWithPassword(es);
    expect(await headingOf(page)).toBe(es.common.home.hi(LUCIA.firstName));
    await page.goto(mail.url);
    expect(await headingOf(page)).toBe(es.account.confirmEmail.heading);
    await submit(page, page.getByRole('button', { name: es.account.confirmEmail.submit }));
    expect(await page.locator('.flash').innerText()).toBe(es.account.confirmEmail.confirmed);

    // Turn on SMS codes: the picker speaks Spanish (country names from Intl, its button's name from the catalogue).
    await page.goto('/two-factor/sms/enable');
    expect(await headingOf(page)).toBe(es.sms.enable.heading);
    const picker = page.locator('.iti__selected-country');
    await picker.waitFor();
    expect(await picker.getAttribute('aria-label')).toBe(`+1 Estados Unidos: ${es.sms.enable.changeCountry}`);
    await page.getByLabel(es.sms.enable.phoneLabel, { exact: true }).fill(LUCIA.phoneTyped);
    await page.getByLabel(es.sms.enable.currentPassword, { exact: true }).fill(LUCIA.password);
    await submit(page, page.getByRole('button', { name: es.sms.enable.textMe }));
    expect(pathOf(page)).toBe('/two-factor/sms/confirm');
    expect(localesSent()).toEqual(['es']);
    expect(standIn.sent.filter((s) => s.to === LUCIA.phone).map((s) => s.locale)).toEqual(['es']);
    await photograph(page, '42-es-confirm-phone');
    await page.getByLabel(es.common.forms.verificationCode, { exact: true }).fill(standIn.codeFor(LUCIA.phone));
    await submit(page, page.getByRole('button', { name: es.common.forms.verify }));
    expect(await headingOf(page)).toBe(es.codes.recoveryCodes.heading);
    await submit(page, page.getByRole('link', { name: es.codes.recoveryCodes.saved }));

    // Sign out and in again: the code page is Spanish, and so is the code Twilio is asked to send.
    await submit(page, page.locator('.site-header').getByRole('button', { name: es.common.layout.signOut }));
    await signInWithPassword(es);
    expect(pathOf(page)).toBe('/login/two-factor');
    expect(await headingOf(page)).toBe(es.login.sms.heading);
    expect(localesSent()).toEqual(['es', 'es']);
    await photograph(page, '43-es-sign-in-code');
    await page.getByLabel(es.common.forms.verificationCode, { exact: true }).fill(standIn.codeFor(LUCIA.phone));
    await submit(page, page.getByRole('button', { name: es.common.forms.verify }));
    expect(await headingOf(page)).toBe(es.common.home.hi(LUCIA.firstName));

    // The footer switcher: English from now on, for the pages, the account's mail and the next code.
    await submit(page, page.locator('.language-switcher').getByRole('button', { name: 'English' }));
    expect(pathOf(page)).toBe('/');
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    expect(await headingOf(page)).toBe(en.common.home.hi(LUCIA.firstName));
    expect((await findUserByUsername(server.app.ctx.db, LUCIA.username))!.locale).toBe('en');
    await submit(page, page.locator('.site-header').getByRole('button', { name: en.common.layout.signOut }));
    await signInWithPassword(en);
    expect(await headingOf(page)).toBe(en.login.sms.heading);
    expect(localesSent()).toEqual(['es', 'es', 'en']);

    expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
  }, 120_000);
});
