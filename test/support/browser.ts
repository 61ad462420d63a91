/**
 * Browser journeys: Debian's Chromium driven by playwright-core against the
 * app listening on a real port, with the development stand-ins (codes and
 * mail land in /dev/outbox, which the helpers below read in a browser tab, as
 * a developer would).
 *
 * The browser is kept offline: every request that is not for the app is
 * aborted and recorded, so a page that reaches out (Gravatar) shows its
 * fallback and a test can see exactly what tried to leave.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import type { BuildOptions } from '../../src/app.js';
import { DEFAULT_TEST_PASSWORD, startTestApp, type TestApp } from './app.js';
import { accessibilityProblems, AXE_SCRIPT, isGoneWhileChecking } from './axe.js';
import { freePort } from './net.js';

/**
 * Debian's headless shell (package chromium-headless-shell, the same Chromium without the desktop browser around it)
 * when it is installed: a fifth less CPU for the same pages than the full browser in headless mode. Else the full one.
 */
export const CHROMIUM_PATH = existsSync('/usr/bin/chromium-headless-shell') ? '/usr/bin/chromium-headless-shell' : '/usr/bin/chromium';

/** From /work/shared/STACK.md: no sandbox (root in CI), and nothing that makes Chromium call out on its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The screenshots of docs/screenshots.md and the README. */
const SCREENSHOT_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/**
 * Screenshots are saved by `npm run screenshots` (GATEHOUSE_SCREENSHOTS=1), which runs the browser journeys for
 * that; `npm test` runs the same journeys without, so a test run leaves the checkout as it was and spends no time
 * encoding a few hundred PNGs.
 */
export const SAVING_SCREENSHOTS = process.env.GATEHOUSE_SCREENSHOTS === '1';

/**
 * A full-page screenshot of the page as docs/screenshots/<name>.png (`name` may hold a folder: `pages/…`), when
 * screenshots are being saved. Finite animations jump to their end (intl-tel-input shakes the field when strict mode
 * drops a typed space).
 */
export async function photograph(page: Page, name: string): Promise<void> {
  if (!SAVING_SCREENSHOTS) return;
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
}

/** The desktop viewport of the journeys and their screenshots. */
export const DESKTOP_VIEWPORT = { width: 1000, height: 800 };
export const PHONE_VIEWPORT = { width: 375, height: 740 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface ListeningApp extends TestApp {
  port: number;
  /** http://localhost:<port>, also the app's APP_URL (links in mail point here). */
  baseUrl: string;
}

/**
 * Builds the app with APP_URL=http://localhost:<port> for a port picked
 * beforehand, then listens on 127.0.0.1:<port>. Another process may grab the
 * port between the pick and the listen, so that is retried with a new port.
 */
export async function startListeningApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<ListeningApp> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    const testApp = await startTestApp({ APP_URL: baseUrl, PORT: String(port), ...env }, options);
    try {
      await testApp.app.listen({ port, host: '127.0.0.1' });
      return { ...testApp, port, baseUrl };
    } catch (error) {
      await testApp.close();
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

/**
 * The app on a real port (built with `env` and `options`, e.g. a ManualClock) and a Chromium, started together. Whichever came up is
 * returned even when the other failed (with `error`), so afterAll can close it.
 */
export async function startAppAndBrowser(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<{ server?: ListeningApp; browser?: Browser; error?: Error }> {
  const [started, launched] = await Promise.allSettled([startListeningApp(env, options), launchChromium()]);
  const failure: unknown = started.status === 'rejected' ? started.reason : launched.status === 'rejected' ? launched.reason : undefined;
  return {
    server: started.status === 'fulfilled' ? started.value : undefined,
    browser: launched.status === 'fulfilled' ? launched.value : undefined,
    error: failure === undefined ? undefined : failure instanceof Error ? failure : new Error('could not start the app or the browser', { cause: failure }),
  };
}

/** One visitor's journey: the app, a browser, one fresh context and its first page. */
export interface Journey {
  server: ListeningApp;
  browser: Browser;
  context: BrowserContext;
  problems: PageProblems;
  page: Page;
  /** Closes the context, the browser and the app. */
  close(): Promise<void>;
}

/**
 * Starts the app (with `env` and `options`, e.g. a ManualClock) and Chromium,
 * and opens one visitor's page (10 s per step at most: nothing waits that long
 * when things work). Whatever came up is closed again when a later part fails.
 */
export async function startJourney(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<Journey> {
  const started = await startAppAndBrowser(env, options);
  const closeStarted = async () => {
    await started.browser?.close();
    await started.server?.close();
  };
  try {
    if (started.error !== undefined) throw started.error;
    const server = started.server!;
    const browser = started.browser!;
    const { context, problems } = await newJourneyContext(browser, server.baseUrl);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    return {
      server,
      browser,
      context,
      problems,
      page,
      close: async () => {
        await context.close();
        await closeStarted();
      },
    };
  } catch (error) {
    await closeStarted();
    throw error;
  }
}

/** Console errors, uncaught page errors, CSP violations and accessibility violations seen in a browser context. */
export interface PageProblems {
  /** One line per problem: `<kind> <page url>: <text>`. */
  readonly list: string[];
  /** The list once the accessibility checks of the pages loaded so far have finished. */
  checked(): Promise<string[]>;
  /** Requests to anything other than the app, which the context aborted. */
  readonly outsideRequests: string[];
  /** Forget what was seen so far. */
  clear(): void;
}

/**
 * Reports CSP violations from inside the page (Chromium also logs them to the
 * console; the event gives the directive and the blocked URL). Playwright runs
 * init scripts outside the page's CSP.
 */
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`;

/** "Failed to load resource" for a request the context aborted on purpose (an outside host) is expected offline. */
function isExpectedOfflineFailure(text: string, url: string, origin: string): boolean {
  return /^Failed to load resource: net::ERR_/.test(text) && url !== '' && !url.startsWith(origin);
}

export interface JourneyContext {
  context: BrowserContext;
  problems: PageProblems;
}

/**
 * A fresh browser profile (no cookies) for one visitor, light theme, UTC,
 * offline except for the app, watching every page it opens for problems.
 */
export async function newJourneyContext(browser: Browser, baseUrl: string, options: BrowserContextOptions = {}): Promise<JourneyContext> {
  const origin = new URL(baseUrl).origin;
  const context = await browser.newContext({
    // Paths in page.goto() are the app's.
    baseURL: baseUrl,
    viewport: DESKTOP_VIEWPORT,
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
    ...options,
  });
  const list: string[] = [];
  const outsideRequests: string[] = [];
  const checks: Array<Promise<void>> = [];
  // Recorded from the request event, which also fires for a redirect's next hop (a route sees only the first URL
  // of a redirect chain, so an app's callback reached by a redirect is not routed: nothing listens there).
  context.on('request', (request) => {
    if (new URL(request.url()).origin !== origin) outsideRequests.push(request.url());
  });
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort('internetdisconnected'),
  );
  await context.addInitScript({ content: REPORT_CSP_VIOLATIONS });
  await context.addInitScript({ content: AXE_SCRIPT });
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      const source = message.location().url;
      if (isExpectedOfflineFailure(text, source, origin)) return;
      // Chromium logs a page's own 4xx status (404 page, 422 form errors) as an error; tests check those statuses themselves.
      if (/^Failed to load resource: the server responded with a status of 4\d\d\b/.test(text) && source === page.url()) return;
      list.push(`console ${page.url()}: ${text}`);
    });
    page.on('pageerror', (error) => list.push(`pageerror ${page.url()}: ${error.message}`));
    // Every page of every journey gets the axe check (WCAG 2.2 AA; serious and critical fail the journey).
    page.on('load', () => {
      // A mail's HTML is shown in a sandbox without scripts (it is a mail, not a page of the app): nothing can run there.
      if (!page.url().startsWith(origin) || /\/dev\/outbox\/\d+\/html$/.test(new URL(page.url()).pathname)) return;
      checks.push(
        accessibilityProblems(page).then(
          (found) => void list.push(...found),
          (error: unknown) => {
            if (!isGoneWhileChecking(error)) list.push(`axe ${page.url()}: the check failed: ${String(error)}`);
          },
        ),
      );
    });
  };
  context.on('page', watch);
  return {
    context,
    problems: {
      list,
      checked: async () => {
        await Promise.all(checks);
        return list;
      },
      outsideRequests,
      clear: () => {
        list.length = 0;
        outsideRequests.length = 0;
      },
    },
  };
}

const OUTBOX_WAIT_MS = 5_000;
const OUTBOX_POLL_MS = 100;

/** A CSS attribute value in double quotes (recipients are emails and E.164 numbers). */
function cssString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Opens /dev/outbox in a new tab and waits (reloading) until a message of
 * `kind` to `recipient` is listed; `newerThan` skips the messages already there
 * before an action. Returns the newest such item's text; the tab is left open
 * for the caller (`use`) and closed afterwards.
 */
async function withOutboxItem<T>(
  context: BrowserContext,
  baseUrl: string,
  query: { kind: 'sms' | 'call' | 'email'; recipient: string; newerThan?: number },
  use: (tab: Page, item: Locator) => Promise<T>,
): Promise<T> {
  const tab = await context.newPage();
  try {
    const items = tab.locator(`li.outbox-item[data-kind=${cssString(query.kind)}][data-recipient=${cssString(query.recipient)}]`);
    const deadline = Date.now() + OUTBOX_WAIT_MS;
    await tab.goto(`${baseUrl}/dev/outbox`);
    while ((await items.count()) <= (query.newerThan ?? 0)) {
      if (Date.now() > deadline) throw new Error(`no new ${query.kind} to ${query.recipient} in the dev outbox after ${OUTBOX_WAIT_MS} ms`);
      await tab.waitForTimeout(OUTBOX_POLL_MS);
      await tab.reload();
    }
    return await use(tab, items.first());
  } finally {
    await tab.close();
  }
}

/** How many messages of `kind` to `recipient` the dev outbox lists now (to wait for the next one). */
export async function countOutboxMessages(context: BrowserContext, baseUrl: string, kind: 'sms' | 'call' | 'email', recipient: string): Promise<number> {
  const tab = await context.newPage();
  try {
    await tab.goto(`${baseUrl}/dev/outbox`);
    return await tab.locator(`li.outbox-item[data-kind=${cssString(kind)}][data-recipient=${cssString(recipient)}]`).count();
  } finally {
    await tab.close();
  }
}

export interface OutboxReadOptions {
  /** Wait for a message newer than the first `newerThan` already listed (see countOutboxMessages). */
  newerThan?: number;
  /** Photograph the outbox tab as this screenshot (see photograph). */
  screenshot?: string;
}

/** The 6-digit code of the newest SMS to `phone`, read from /dev/outbox in a new tab. */
export async function readLatestSmsCode(context: BrowserContext, baseUrl: string, phone: string, options: OutboxReadOptions = {}): Promise<string> {
  return withOutboxItem(context, baseUrl, { kind: 'sms', recipient: phone, newerThan: options.newerThan }, async (tab, item) => {
    const text = await item.locator('pre.outbox-body').innerText();
    const code = /\b(\d{6})\b/.exec(text)?.[1];
    if (!code) throw new Error(`no 6-digit code in the SMS: ${text}`);
    if (options.screenshot) await photograph(tab, options.screenshot);
    return code;
  });
}

export interface MailedLink {
  /** The link as the plain-text part gives it. */
  url: string;
  /** The href of the HTML part's link with this text (opened through "View as HTML"). */
  htmlHref: string;
}

/**
 * The newest email to `recipient` in /dev/outbox: the first http(s) link of its
 * text, and the href of the HTML version's link named `linkText`, reached the
 * way a developer would, through "View as HTML" (which opens its own tab).
 */
export async function readLatestEmailLink(
  context: BrowserContext,
  baseUrl: string,
  recipient: string,
  linkText: string,
  options: OutboxReadOptions & { htmlScreenshot?: string } = {},
): Promise<MailedLink> {
  return withOutboxItem(context, baseUrl, { kind: 'email', recipient, newerThan: options.newerThan }, async (tab, item) => {
    const text = await item.locator('pre.outbox-body').innerText();
    const url = /https?:\/\/\S+/.exec(text)?.[0];
    if (!url) throw new Error(`no link in the email: ${text}`);
    if (options.screenshot) await photograph(tab, options.screenshot);
    const [mailTab] = await Promise.all([context.waitForEvent('page'), item.locator('a[href$="/html"]').click()]);
    try {
      await mailTab.waitForLoadState();
      const htmlHref = await mailTab.getByRole('link', { name: linkText }).getAttribute('href');
      if (!htmlHref) throw new Error(`the HTML email has no "${linkText}" link`);
      if (options.htmlScreenshot) await photograph(mailTab, options.htmlScreenshot);
      return { url, htmlHref };
    } finally {
      await mailTab.close();
    }
  });
}

/** The session cookie as the browser holds it: `expires` is -1 for a cookie that ends with the browser session. */
export async function sessionCookie(context: BrowserContext, baseUrl: string) {
  const cookies = await context.cookies(baseUrl);
  return cookies.find((c) => c.name === 'gatehouse_session' || c.name === '__Host-gatehouse_session');
}

// ---- The steps every journey takes ----

/** The path of the page's URL (without the query). */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/** The page's h1: what a user reads first. */
export function headingOf(page: Page): Promise<string> {
  return page.locator('h1').innerText();
}

/** Submits a form by clicking its button and waits until the page that answers it (after any redirect) has loaded. */
export async function submit(page: Page, button: Locator): Promise<void> {
  const committed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await button.click();
  await committed;
  await page.waitForLoadState('load');
}

/** Signs in through the password form; the page is wherever the app sends the browser next. */
export async function signInWithPassword(page: Page, username: string, password = DEFAULT_TEST_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await submit(page, page.getByRole('button', { name: 'Sign in' }));
}

/** Signs out with the button in the site header; the app answers with the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await submit(page, page.locator('.site-header').getByRole('button', { name: 'Sign out' }));
  if (pathOf(page) !== '/login') throw new Error(`signing out led to ${page.url()}, not /login`);
}
