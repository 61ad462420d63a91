/**
 * Every page, in both themes (prefers-color-scheme light and dark), at desktop
 * and phone widths: no serious or critical axe violation (colour contrast is
 * checked in each theme), nothing wider than a 375 px phone, under 50 KB
 * transferred (the country picker's script and flags, which only the phone
 * pages load, aside), no console errors or CSP violations. With `npm run
 * screenshots`, a full-page screenshot of each goes to docs/screenshots/pages/
 * (linked from the README).
 *
 * Once more in Spanish (a browser that asks for es-ES): every page says
 * `lang="es"` and no English is left in what it shows or tells a screen
 * reader — a string that does not come from the catalogue shows up here. The
 * phone pages are also checked for layout shift while the country picker loads.
 *
 * One account has every factor (SMS with a backup phone, an authenticator app,
 * a passkey, recovery codes, email codes), so each sign-in page exists, and an
 * app with access (on the security page); a second account has none, for the
 * set-up pages. The consent page is reached as an app sends people there: its
 * authorization request, for every scope there is. The first account is also an
 * admin, so the console's pages (/admin) are checked the same way.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecoveryCodes } from '../../src/auth/recovery-codes.js';
import { TotpKeys } from '../../src/auth/totp.js';
import { setEmailCodesEnabled } from '../../src/db/email-codes.js';
import { confirmTotpFactor, replaceRecoveryCodes, startTotpEnrollment } from '../../src/db/factors.js';
import { insertPasskey } from '../../src/db/passkeys.js';
import { recordAppSignIn } from '../../src/db/app-access.js';
import { setAdmin, setBackupPhone } from '../../src/db/users.js';
import { recordAdminAction } from '../../src/db/admin-audit.js';
import type { Kysely } from 'kysely';
import { enqueueMail, listOutbox, MailSeal, markMailFailed } from '../../src/db/mail-outbox.js';
import type { Database } from '../../src/db/schema.js';
import { recordSecurityEvent } from '../../src/db/security-events.js';
import { recordSmsSend } from '../../src/db/sms-sends.js';
import { days, hours, ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, DEFAULT_TEST_PASSWORD, plainMail, TEST_SECRET } from '../support/app.js';
import { DESKTOP_VIEWPORT, newJourneyContext, PHONE_VIEWPORT, photograph, startAppAndBrowser, submit, type ListeningApp } from '../support/browser.js';
import { registerApp } from '../support/oidc.js';

/** The budget for a page and everything it loads. */
const PAGE_BUDGET_BYTES = 50 * 1024;
/** Loaded only by the pages with a phone field; the budget leaves them out. */
const COUNTRY_PICKER = '/vendor/intl-tel-input/';

type State = 'visitor' | 'pending' | 'signed-in' | 'new-account';
interface PageSpec {
  name: string;
  path: string;
  state: State;
  status?: number;
}

const PAGES: PageSpec[] = [
  { name: 'sign-in', path: '/login', state: 'visitor' },
  { name: 'register', path: '/register', state: 'visitor' },
  { name: 'forgot-password', path: '/reset-password', state: 'visitor' },
  { name: 'passkey-sign-in', path: '/login/passkey', state: 'visitor' },
  { name: 'not-found', path: '/no/such/page', state: 'visitor', status: 404 },
  { name: 'code-sms', path: '/login/two-factor', state: 'pending' },
  { name: 'code-app', path: '/login/two-factor/app', state: 'pending' },
  { name: 'code-passkey', path: '/login/two-factor/passkey', state: 'pending' },
  { name: 'code-backup-phone', path: '/login/two-factor/backup-phone', state: 'pending' },
  { name: 'code-email', path: '/login/two-factor/email', state: 'pending' },
  { name: 'code-recovery', path: '/login/two-factor/recovery', state: 'pending' },
  { name: 'recover-account', path: '/login/recover', state: 'pending' },
  { name: 'home', path: '/', state: 'signed-in' },
  { name: 'profile', path: '/user/pat', state: 'signed-in' },
  { name: 'edit-profile', path: '/profile/edit', state: 'signed-in' },
  { name: 'change-password', path: '/profile/password', state: 'signed-in' },
  { name: 'security', path: '/security', state: 'signed-in' },
  { name: 'add-passkey', path: '/security/passkeys/add', state: 'signed-in' },
  { name: 'change-phone', path: '/two-factor/sms/enable', state: 'signed-in' },
  { name: 'add-backup-phone', path: '/two-factor/sms/enable?backup=1', state: 'signed-in' },
  { name: 'turn-off-sms', path: '/two-factor/disable', state: 'signed-in' },
  { name: 'change-email', path: '/security/email', state: 'signed-in' },
  { name: 'delete-account', path: '/security/delete', state: 'signed-in' },
  { name: 'reauthenticate', path: '/reauthenticate', state: 'signed-in' },
  { name: 'dev-outbox', path: '/dev/outbox', state: 'signed-in' },
  // An app's authorization request (set in beforeAll, once the app is registered): it rests on the consent page.
  {
    name: 'consent',
    get path() {
      return consentRequestPath;
    },
    state: 'signed-in',
  },
  // An app asks to sign Pat out (RP-initiated logout): the question Gatehouse renders through the provider.
  {
    name: 'sign-out-of-an-app',
    get path() {
      return `/oidc/session/end?client_id=${appClientId}`;
    },
    state: 'signed-in',
  },
  // Pat is an admin (set in beforeAll), signed in with two factors: the console's pages.
  { name: 'console', path: '/admin', state: 'signed-in' },
  { name: 'console-people', path: '/admin/people', state: 'signed-in' },
  {
    name: 'console-person',
    get path() {
      return `/admin/people/${patId}`;
    },
    state: 'signed-in',
  },
  { name: 'console-audit', path: '/admin/audit', state: 'signed-in' },
  { name: 'console-apps', path: '/admin/apps', state: 'signed-in' },
  { name: 'console-app-new', path: '/admin/apps/new', state: 'signed-in' },
  {
    name: 'console-app',
    get path() {
      return `/admin/apps/${notesClientId}`;
    },
    state: 'signed-in',
  },
  {
    name: 'console-app-edit',
    get path() {
      return `/admin/apps/${notesClientId}/edit`;
    },
    state: 'signed-in',
  },
  { name: 'console-mail', path: '/admin/mail', state: 'signed-in' },
  { name: 'console-sms', path: '/admin/sms', state: 'signed-in' },
  { name: 'security-empty', path: '/security', state: 'new-account' },
  { name: 'set-up-app', path: '/two-factor/app/enable', state: 'new-account' },
  { name: 'set-up-sms', path: '/two-factor/sms/enable', state: 'new-account' },
];

const VARIANTS = [
  { theme: 'light', width: 'desktop', viewport: DESKTOP_VIEWPORT, language: 'en' },
  { theme: 'dark', width: 'desktop', viewport: DESKTOP_VIEWPORT, language: 'en' },
  { theme: 'light', width: 'phone', viewport: PHONE_VIEWPORT, language: 'en' },
  { theme: 'dark', width: 'phone', viewport: PHONE_VIEWPORT, language: 'en' },
  { theme: 'light', width: 'desktop', viewport: DESKTOP_VIEWPORT, language: 'es' },
] as const;

/** Pages whose content is data in whatever language it was sent in (the outbox lists every message of the run). */
const SHOWS_OTHER_LANGUAGES = new Set(['dev-outbox']);

/**
 * English words that Spanish never uses: one of them in a Spanish page's text
 * (or its titles, labels and placeholders) is a string that missed the catalogue.
 */
const ENGLISH_WORDS = /\b(the|and|your|you|with|sign|signed|code|codes|password|account|this|that|to|of|is|are|for|from|not|in|on|or|it|we|our|here|please|enter|send|use|turn|off|add|remove|change|back|new|phone|email|device|devices|recovery|security|home|profile|help|try|again|way|cancel|save|verify|show|hide|skip|content|language|page|found|minutes?|seconds?|ago|just|now|yesterday)\b/gi;

/** Everything a page says to a reader or a screen reader: its text, title, and the text of its attributes. */
const PAGE_WORDS = `[document.title, document.body.innerText,
  ...[...document.querySelectorAll('[aria-label],[title],[placeholder],[alt],input[type=submit],input[type=button]')]
    .flatMap((e) => ['aria-label', 'title', 'placeholder', 'alt', 'value'].map((a) => e.getAttribute(a) || ''))].join('\\n')`;

/** Layout shift (CLS) from the start of the page until now, ignoring shifts right after input. */
const LAYOUT_SHIFT = `new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
    .observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => resolve(total), 200);
})`;

const PHONE = '+14155557801';
/** An app not registered first-party: the consent page asks for it, and Pat's security page lists it. */
let consentRequestPath = '';
/** The app Pat signs in to, for the sign-out question (registered in beforeAll; not running: its callback is faked). */
let appClientId = '';
/** Where the app (not running) wants Pat back: a loopback port nothing listens on, so nothing leaves the machine. */
const APP_CALLBACK = 'http://127.0.0.1:9/callback';
/** RFC 7636's example S256 challenge: the app's verifier is never needed, the code is never redeemed. */
const PKCE_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
/** Pat's account id, for the console's page about Pat. */
let patId = 0;
/** "Notes", an app Pat let in: the console's app pages show it. */
let notesClientId = '';
/** Pat's recovery codes: each browser below signs in with one (they work once). */
const patRecoveryCodes: string[] = [];
let server: ListeningApp;
let browser: Browser;

beforeAll(async () => {
  // A fixed clock: the pages (and so the screenshots) say the same times on every run.
  const started = await startAppAndBrowser({}, { clock: new ManualClock(Date.UTC(2026, 10, 26, 9, 0, 0)) });
  if (started.server) server = started.server;
  if (started.browser) browser = started.browser;
  if (started.error !== undefined) throw started.error;

  // Pat has every factor, so every way of finishing a sign-in has a page.
  const { db, clock } = server.app.ctx;
  const pat = await createUser(server.app, { username: 'pat', firstName: 'Pat', lastName: 'Lee', phone: PHONE });
  await setBackupPhone(db, pat.id, '+14155557802');
  await startTotpEnrollment(db, pat.id, new TotpKeys(TEST_SECRET).newSealedSecret(), clock.now());
  await confirmTotpFactor(db, pat.id, 1, clock.now());
  await insertPasskey(db, { id: 'c2FtcGxlLWNyZWRlbnRpYWw', userId: pat.id, publicKey: 'AQID', counter: 0, transports: ['internal'], backedUp: true, name: 'Laptop', now: clock.now() });
  const codes = new RecoveryCodes(TEST_SECRET).generate();
  await replaceRecoveryCodes(db, pat.id, codes.hashes, clock.now());
  patRecoveryCodes.push(...codes.codes);
  await setEmailCodesEnabled(db, pat.id, true);
  // Pat runs the console: made an admin as the CLI does it, so the audit log has an entry.
  patId = pat.id;
  await setAdmin(db, pat.id, true);
  await recordAdminAction(db, { action: 'admin_granted', now: clock.now(), actor: { id: null, name: 'cli (ops)' }, target: { id: pat.id, username: 'pat' } });
  // Pat let one app in (its code was issued); another one asks for everything on the consent page.
  const notes = await registerApp(server.app, { name: 'Notes', firstParty: false, redirectUris: ['http://127.0.0.1:9/callback'] });
  await recordAppSignIn(db, pat.id, notes.clientId, clock.now());
  notesClientId = notes.clientId;
  const printer = await registerApp(server.app, { name: 'Photo Printer', firstParty: false, redirectUris: ['http://127.0.0.1:9/callback'] });
  consentRequestPath = `/oidc/auth?${new URLSearchParams({
    client_id: printer.clientId,
    response_type: 'code',
    scope: 'openid profile email groups offline_access',
    prompt: 'consent',
    redirect_uri: 'http://127.0.0.1:9/callback',
    state: 'every-page',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString()}`;
  await createUser(server.app, { username: 'sam', firstName: 'Sam', lastName: 'Ray' });
  await consoleData(db, clock.now());
  await overviewData(server.app.ctx.db, (await createUser(server.app, { username: 'kim', firstName: 'Kim', lastName: 'Ode' })).id, clock.now());
  appClientId = (await registerApp(server.app, { name: 'Wiki', redirectUris: [APP_CALLBACK] })).clientId;
}, 60_000);

/**
 * What the console's mail and text-message pages show: a mail the server refused until it was given up on (queued
 * and failed in one transaction, so the running outbox worker never tries it), and a week of code sends to a few
 * countries, one of them a number of no country.
 */
async function consoleData(db: Kysely<Database>, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await enqueueMail(trx, new MailSeal(TEST_SECRET), plainMail('sam@example.com', 'every-page', 'password_reset'), null, now - hours(30));
    const [row] = await listOutbox(trx);
    if (row) await markMailFailed(trx, row.id, 'Message failed: 550 5.1.1 Mailbox unavailable', null, now - hours(6));
  });
  const countries = [
    { country: 'US', callingCode: '1', perDay: 40 },
    { country: 'GB', callingCode: '44', perDay: 12 },
    { country: 'ES', callingCode: '34', perDay: 5 },
    { country: null, callingCode: '882', perDay: 1 },
  ];
  for (let day = 0; day < 7; day++) {
    for (const c of countries) {
      for (let i = 0; i < c.perDay; i++) {
        const outcome = c.callingCode === '882' ? 'refused' : i % 17 === 16 ? 'failed' : 'sent';
        await recordSmsSend(db, {
          at: now - days(day) - i * minutes(31),
          country: c.country,
          callingCode: c.callingCode,
          channel: i % 5 === 4 ? 'call' : 'sms',
          outcome,
          reason: outcome === 'sent' ? null : outcome === 'refused' ? 'country' : 'unavailable',
        });
      }
    }
  }
}

/**
 * What the console's overview charts: a week of sign-ins that follows the day (busy in the afternoon, quiet at
 * night), a few wrong passwords, and a lockout most days — all Kim's, an account no other page shows the activity of.
 */
async function overviewData(db: Kysely<Database>, kimId: number, now: number): Promise<void> {
  const event = (kind: 'sign_in' | 'sign_in_failed' | 'sign_in_locked', at: number) => recordSecurityEvent(db, { userId: kimId, kind, now: at, ip: null, userAgent: null });
  for (let hour = 1; hour < 7 * 24; hour++) {
    const at = now - hours(hour);
    const utcHour = new Date(at).getUTCHours();
    const signIns = Math.round(4 + 4 * Math.sin(((utcHour - 9) / 24) * 2 * Math.PI));
    for (let i = 0; i < signIns; i++) await event('sign_in', at + i * minutes(7));
    if (hour % 5 === 0) await event('sign_in_failed', at);
    if (hour % 31 === 0) await event('sign_in_locked', at);
  }
}

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Brings a fresh browser into `state`. */
async function enter(page: Page, state: State): Promise<void> {
  if (state === 'visitor') return;
  if (state === 'new-account') return signIn(page, 'sam');
  await signIn(page, 'pat');
  if (state === 'signed-in') {
    await page.goto('/login/two-factor/recovery');
    await page.locator('#f-code').fill(patRecoveryCodes.pop()!);
    await submit(page, page.locator('form[action="/login/two-factor/recovery"] button[type=submit]'));
    expect(new URL(page.url()).pathname).toBe('/');
    // Signed in to an app through Gatehouse too, so that an app can ask to sign Pat out. The app is not running:
    // the navigation (in a tab of its own, closed after) ends at its refused loopback callback, after the code.
    const query = new URLSearchParams({ client_id: appClientId, response_type: 'code', scope: 'openid', redirect_uri: APP_CALLBACK, state: 'state', code_challenge: PKCE_CHALLENGE, code_challenge_method: 'S256' });
    const appTab = await page.context().newPage();
    await appTab.goto(`/oidc/auth?${query.toString()}`).catch(() => undefined);
    await appTab.close();
    const { db } = server.app.ctx;
    const linked = await db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select('sessions.oidc_session_uid').where('users.username', '=', 'pat').where('sessions.oidc_session_uid', 'is not', null).execute();
    expect(linked.length).toBeGreaterThan(0);
  }
}

/** The password form by its fields' ids, in whatever language the page is. */
async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/login');
  await page.locator('#f-login').fill(username);
  await page.locator('#f-password').fill(DEFAULT_TEST_PASSWORD);
  await submit(page, page.locator('form[action="/login"] button[type=submit]'));
}

/** Bytes the page and everything it loaded took over the wire (without the country picker), from the browser's timings. */
async function transferredBytes(page: Page): Promise<number> {
  // Evaluated in the page (the test itself has no DOM types); ~300 bytes of headers counted per response.
  const sum = `[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .filter((e) => !e.name.includes(${JSON.stringify(COUNTRY_PICKER)}))
    .reduce((total, e) => total + (e.encodedBodySize || 0) + 300, 0)`;
  return page.evaluate<number>(sum);
}

describe.each(VARIANTS)('every page, $theme theme, $width, $language', ({ theme, width, viewport, language }) => {
  it('passes axe, fits the width, stays under 50 KB, speaks its language, and is photographed (by npm run screenshots)', async () => {
    const { context, problems } = await newJourneyContext(browser, server.baseUrl, {
      viewport,
      colorScheme: theme,
      locale: language === 'es' ? 'es-ES' : 'en-US',
      ...(width === 'phone' ? { isMobile: true, hasTouch: true } : {}),
    });
    const prefix = language === 'en' ? '' : `${language}-`;
    context.setDefaultTimeout(10_000);
    const sizes: string[] = [];
    try {
      for (const state of ['visitor', 'pending', 'signed-in', 'new-account'] as const) {
        const page = await context.newPage();
        await enter(page, state);
        for (const spec of PAGES.filter((p) => p.state === state)) {
          const response = await page.goto(spec.path);
          expect(response?.status(), spec.path).toBe(spec.status ?? 200);
          await page.waitForLoadState('load');
          expect(await page.evaluate('document.documentElement.scrollWidth'), `${spec.path} is wider than the screen`).toBeLessThanOrEqual(viewport.width);
          const bytes = await transferredBytes(page);
          sizes.push(`${spec.name} ${Math.round(bytes / 1024)} KB`);
          expect(bytes, `${spec.path} transferred`).toBeLessThan(PAGE_BUDGET_BYTES);
          expect(await page.evaluate('document.documentElement.lang'), spec.path).toBe(language);
          if (language !== 'en' && !SHOWS_OTHER_LANGUAGES.has(spec.name)) {
            const english = (await page.evaluate<string>(PAGE_WORDS)).match(ENGLISH_WORDS) ?? [];
            expect(english, `English words on ${spec.path} in ${language}`).toEqual([]);
          }
          if (await page.locator('input[data-phone-input]').count()) {
            // The country picker must not move the page as it loads (the "no layout shift").
            await page.locator('.iti__selected-country').waitFor();
            expect(await page.evaluate<number>(LAYOUT_SHIFT), `layout shift on ${spec.path}`).toBeLessThan(0.01);
          }
          await photograph(page, `pages/${prefix}${theme}-${width}-${spec.name}`);
          // This page's axe check ends before the next page is opened: a check cut short by the next navigation
          // is dropped (in a journey the next page is checked instead), and here every page must be checked.
          await problems.checked();
        }
        await page.close();
        // A signed-in browser signs out before the next account's pages.
        await context.clearCookies();
      }
      expect(await problems.checked(), 'console errors, page errors, CSP or accessibility violations').toEqual([]);
    } finally {
      await context.close();
    }
    if (theme === 'light' && width === 'desktop') console.log(`page weights (${language}): ${sizes.join(', ')}`);
  }, 180_000);
});
