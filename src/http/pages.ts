/**
 * `reply.page(title, body)`: renders a page in the layout with what every page
 * needs (signed-in user, CSRF token, the flash message). Flash messages live in
 * a signed, short-lived cookie, so showing "Account created" after a redirect
 * stores nothing on the server.
 *
 * `reply.sharedPage(render)`: a form every visitor without a session sees alike
 * (sign in, register) is rendered once per language and sent with each visitor's
 * own CSRF token put in (docs/decisions/026-pages-rendered-once.md).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { baseCookieOptions, cookieName } from '../auth/cookies.js';
import { safeNextPath } from '../auth/redirects.js';
import type { Config } from '../config.js';
import type { SafeHtml } from '../views/html.js';
import { layout, type Flash } from '../views/layout.js';


export interface PageOptions {
  status?: number;
  /** Send `Referrer-Policy: no-referrer` (pages whose address or content is a secret: reset links, codes). */
  noReferrer?: boolean;
  scripts?: string[];
  styles?: string[];
  /** Go on to this address at once, without a redirect (LayoutProps.refreshTo). */
  refreshTo?: string;
}

/** What `reply.sharedPage` renders, given the CSRF token for its forms. */
export type SharedPageRender = (csrfToken: string) => { title: string; body: SafeHtml };

declare module 'fastify' {
  interface FastifyReply {
    page(title: string, body: SafeHtml, options?: PageOptions): FastifyReply;
    /**
     * `reply.page` of what `render` makes, for a page that differs between visitors only by its CSRF token when no
     * one is signed in, no message is waiting and the address is the route's own (no query): then it is rendered
     * once per language, with the token put in per request. Otherwise it is rendered for this request.
     */
    sharedPage(render: SharedPageRender): FastifyReply;
    /** Shows `text` on the next page this browser renders. */
    flash(kind: Flash['kind'], text: string): FastifyReply;
  }
}

/** Letters, digits and "-._~/" only, no empty or dot-led segment: a path that is already what safeNextPath would return. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9\-_~][A-Za-z0-9\-._~]*)*\/?$/;

/**
 * Where the language switcher brings the visitor back: this page, with its
 * query only when that query's own `next` (if any) is a path on this site, so
 * a hostile `?next=//evil.example` is never written back into the page.
 */

export function languageSwitchReturnPath(url: string): string {
  // "//host…" would parse as another host (or not at all): such a request gets the home page as its way back.
  if (!url.startsWith('/') || url.startsWith('//')) return '/';
  // The common case, a plain path ("/security", "/user/ada"), needs no parsing (pages are on the fast path).
  if (PLAIN_PATH.test(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://gatehouse.invalid');
  } catch {
    return '/';
  }
  const path = safeNextPath(parsed.pathname) ?? '/';
  if (parsed.search === '') return path;
  // Every `next` the query carries must be a path on this site, or the query is left behind.
  if (parsed.searchParams.getAll('next').some((next) => safeNextPath(next) === null)) return path;
  return safeNextPath(parsed.pathname + parsed.search) ?? path;
}

function readFlash(raw: string | undefined, unsign: (v: string) => { valid: boolean; value: string | null }): Flash | null {
  if (!raw) return null;
  const { valid, value } = unsign(raw);
  if (!valid || !value) return null;
  try {
    const parsed = JSON.parse(value) as Partial<Flash>;
    if ((parsed.kind === 'success' || parsed.kind === 'info' || parsed.kind === 'error') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: parsed.text };
    }
  } catch {
    // a tampered or stale cookie shows nothing
  }
  return null;
}

/**
 * Stands where the CSRF token goes while a shared page is rendered: random for each process, so nothing a page
 * shows can contain it by chance, and hex, which escaping leaves as it is.
 */
const TOKEN_MARK = randomBytes(16).toString('hex');

/** The headers and status every page is sent with. */
function sendPage(reply: FastifyReply, markup: string, options: PageOptions): FastifyReply {
  // Vary: the same address answers in the visitor's language (private, no-store pages; said for any cache on the way).
  reply.header('content-language', reply.request.t.common.locale).header('vary', 'Accept-Language, Cookie');
  if (options.noReferrer) reply.header('referrer-policy', 'no-referrer');
  return reply
    .status(options.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(markup);
}

export const pagesPlugin = fp(async function pages(app: FastifyInstance, opts: { config: Config }) {
  const FLASH_COOKIE = cookieName(opts.config, 'flash');
  const cookieOptions = baseCookieOptions(opts.config);
  /**
   * Shared pages as rendered, split where the token goes, by language and address. The addresses are routes' own
   * paths, so there are at most as many entries as languages times the routes that use `sharedPage`.
   */
  const rendered = new Map<string, string[]>();

  app.decorateReply('flash', function (this: FastifyReply, kind: Flash['kind'], text: string) {
    return this.setCookie(FLASH_COOKIE, JSON.stringify({ kind, text }), { ...cookieOptions, signed: true, maxAge: 60 });
  });

  /** The layout's properties for this request: one place for `page` and `sharedPage`, so the two cannot drift apart. */
  const layoutOf = (reply: FastifyReply, page: { title: string; body: SafeHtml; csrfToken: string; flash: Flash | null }, options: PageOptions) => {
    const request = reply.request;
    return layout({
      t: request.t,
      // Only a page a GET can show again gets the switcher: the answer to a POST (recovery codes shown once, a
      // "done" page) would be lost by switching, and re-asking for it with a GET finds a 405 or a dead link.
      path: request.method === 'GET' ? languageSwitchReturnPath(request.url) : null,
      user: request.user ?? null,
      devOutbox: !opts.config.isProduction,
      scripts: options.scripts,
      styles: options.styles,
      refreshTo: options.refreshTo,
      ...page,
    });
  };

  app.decorateReply('page', function (this: FastifyReply, title: string, body: SafeHtml, options: PageOptions = {}) {
    const request = this.request;
    const flash = readFlash(request.cookies[FLASH_COOKIE], (v) => request.unsignCookie(v));
    if (request.cookies[FLASH_COOKIE] !== undefined) this.clearCookie(FLASH_COOKIE, cookieOptions);
    const markup = layoutOf(this, { title, body, csrfToken: this.csrfToken(), flash }, options);
    return sendPage(this, markup.value, options);
  });

  app.decorateReply('sharedPage', function (this: FastifyReply, render: SharedPageRender) {
    const request = this.request;
    const route = request.routeOptions.url;
    // A query (`next`, `fresh`) changes the page, and so do a signed-in user and a flash message; a route with
    // parameters is not one page.
    const shared =
      request.method === 'GET' && route !== undefined && request.url === route && !/[:*]/.test(route) && !request.user && request.cookies[FLASH_COOKIE] === undefined;
    if (!shared) {
      const { title, body } = render(this.csrfToken());
      return this.page(title, body);
    }
    const key = `${request.t.common.locale} ${route}`;
    let parts = rendered.get(key);
    if (parts === undefined) {
      const { title, body } = render(TOKEN_MARK);
      // A page that made this visitor's token itself instead of using the one it was given would send that token
      // to all: refused loudly, before anything is kept.
      if (this.gatehouseCsrfToken !== null) throw new Error(`the shared page at ${route} made a CSRF token of its own`);
      parts = layoutOf(this, { title, body, csrfToken: TOKEN_MARK, flash: null }, {}).value.split(TOKEN_MARK);
      rendered.set(key, parts);
    }
    return sendPage(this, parts.join(this.csrfToken()), {});
  });
});
