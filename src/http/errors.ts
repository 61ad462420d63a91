/**
 * One error page for every error the server itself answers. Errors a user can
 * cause (a forged or stale form, an unreadable body, an unknown page, an
 * address too long) get a 4xx page that says what happened; anything else is
 * a bug or an outage: logged in full with the request id, shown to the user
 * with only that id, never a stack trace — a 503 "Service unavailable, try
 * again in a moment" page when the database cannot be reached
 * (`isDatabaseUnavailable`) or the server is shutting down, a 500 page for
 * everything else. Answers given before Fastify's hooks run get the same page
 * from `frameworkErrorHandler`, and what Node's HTTP parser refuses (headers
 * too large, a malformed request line) a short plain-text answer from
 * `clientErrorHandler`; every one of them carries the security headers and
 * `X-Request-Id`.
 *
 * A failed request changes no cookie: whatever a handler had set before it
 * failed (a session cookie for a session whose transaction then failed to
 * commit, a cleared cookie) is withheld, so an outage can neither sign anyone
 * in nor sign anyone out.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import FindMyWay from 'find-my-way';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PasswordHashingBusyError } from '../auth/password.js';
import type { Config } from '../config.js';
import { isDatabaseUnavailable } from '../db/database.js';
import { busyPage, clientErrorPage, methodNotAllowedPage, notFoundPage, serverErrorPage } from '../views/error-pages.js';
import { DEFAULT_LOCALE, negotiateLocale } from '../i18n/locales.js';
import { messagesFor, type Messages } from '../i18n/messages.js';
import type { SafeHtml } from '../views/html.js';
import { layout } from '../views/layout.js';
import { newRequestId, REQUEST_ID_HEADER, REQUEST_ID_LOG_LABEL } from './request-id.js';
import { securityHeaders } from './security-headers.js';

/** What a 4xx page says: the catalogue's words for the status, or its general one. */
function clientMessage(t: Messages, status: number): string {
  const messages = t.common.errors.client;
  return status in messages ? messages[status as keyof typeof messages] : messages.other;
}

function isCsrfError(error: FastifyError): boolean {
  return typeof error.code === 'string' && error.code.startsWith('FST_CSRF_');
}

/** Seconds a client is asked to wait after a 503 before trying again. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Request heads (request line and headers) larger than this are refused by Node's HTTP parser with 431: Node's
 * own default, written out so the limit is ours. Gatehouse's cookies take well under 1 KiB.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Longer addresses are refused with 414: no page of ours has one over a few hundred characters. */
export const MAX_URL_LENGTH = 8 * 1024;

/**
 * A page in the layout without what `reply.page()` adds: no user, no CSRF token (minting one would set a cookie
 * on a failed request) and no flash (showing it would consume its cookie). For answers that must change nothing.
 */
function barePage(config: Config, t: Messages, title: string, body: SafeHtml): string {
  return layout({ t, path: null, title, body, user: null, csrfToken: '', flash: null, devOutbox: !config.isProduction }).value;
}

/** The 503 page (database unavailable, shutting down), its headers and status. */
function sendUnavailable(config: Config, request: FastifyRequest, reply: FastifyReply) {
  const t = request.t;
  return reply
    .status(503)
    .header('retry-after', String(RETRY_AFTER_SECONDS))
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(barePage(config, t, t.common.errors.unavailableTitle, serverErrorPage(t, request.id, 503)));
}

/** The status a server-side failure is shown with: 503 for a database outage, else the error's own 5xx, else 500. */
export function serverErrorStatus(error: unknown): number {
  if (isDatabaseUnavailable(error)) return 503;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 500 && status <= 599 ? status : 500;
}

/** Replies the error handler answered with a 5xx: their cookies are withheld (see `withholdCookiesOnServerErrors`). */
const failedReplies = new WeakSet<FastifyReply>();

/**
 * Drops every Set-Cookie of a reply the error handler answered with a 5xx.
 * Register it after @fastify/cookie, whose own onSend hook turns
 * `reply.setCookie()` calls into the header this one removes.
 */
export function withholdCookiesOnServerErrors(app: FastifyInstance): void {
  // A callback, not an async function: it runs on every answer, and a promise per answer is measurable there.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (failedReplies.has(reply)) reply.removeHeader('set-cookie');
    done(null, payload);
  });
}

export function errorHandler(config: Config) {
  return function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const clientStatus = isCsrfError(error) ? 403 : error.statusCode;
    if (clientStatus !== undefined && clientStatus >= 400 && clientStatus < 500) {
      request.log.info({ err: { code: error.code, message: error.message }, status: clientStatus }, 'request refused');
      const t = request.t;
      return reply.page(
        clientStatus === 403 ? t.common.errors.refusedTitle : t.common.errors.badRequestTitle,
        clientErrorPage(t, clientStatus, clientMessage(t, clientStatus)),
        { status: clientStatus },
      );
    }
    const status = serverErrorStatus(error);
    // Too many hashes at once is overload, not a bug: a warning, and a page that says "busy, try again" (503).
    const busy = error instanceof PasswordHashingBusyError;
    if (busy) request.log.warn({ err: { code: error.code, message: error.message }, status }, 'request refused: password hashing busy');
    else request.log.error({ err: error, status }, status === 503 ? 'request failed: database unavailable' : 'request failed');
    failedReplies.add(reply);
    // A bug's stack trace and an outage's driver error are for the log (under the request id), never the page.
    if (status === 503 && !busy) return sendUnavailable(config, request, reply);
    const t = request.t;
    const body = busy
      ? barePage(config, t, t.common.errors.busyTitle, busyPage(t))
      : barePage(config, t, t.common.errors.errorTitle, serverErrorPage(t, request.id, status));
    if (status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  };
}

/**
 * Refusals decided before any route runs, as hooks on the root instance; register after the cookie plugin
 * (the 4xx pages read cookies):
 * - while the server shuts down, every new request gets the 503 page (`Connection: close`), where Fastify's
 *   own answer would be JSON (`return503OnClosing: false` hands it to us);
 * - an HTTP/1.1 request without a Host header gets the 400 page (RFC 9112 §3.2), where Node's would be an
 *   empty body without our headers (`requireHostHeader: false` hands it to us);
 * - an address longer than MAX_URL_LENGTH gets the 414 page.
 */
export function refuseBeforeRouting(app: FastifyInstance, config: Config): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) {
      request.log.info('request refused: shutting down');
      return void sendUnavailable(config, request, reply);
    }
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      return done(Object.assign(new Error('Host header missing'), { statusCode: 400, code: 'GH_HOST_MISSING' }));
    }
    if (request.url.length > MAX_URL_LENGTH) {
      return done(Object.assign(new Error('URI too long'), { statusCode: 414, code: 'GH_URI_TOO_LONG' }));
    }
    done();
  });
}

/**
 * Errors Fastify raises before routing (a badly encoded URL, a parameter
 * over `maxParamLength`): no hook has run, so there are no cookies or
 * session and none of the headers hooks add; answer with the page in the
 * layout and add them here.
 */
export function frameworkErrorHandler(config: Config) {
  const headers = securityHeaders({ https: config.secureCookies });
  return function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    request.log.info({ err: { code: error.code, message: error.message }, status }, 'request refused before routing');
    // Before routing the request has none of the app's decorations: its language comes from the header alone.
    const t = messagesFor(negotiateLocale(request.headers['accept-language']));
    const body = barePage(config, t, t.common.errors.badRequestTitle, clientErrorPage(t, status, clientMessage(t, status === 414 ? 414 : 400)));
    void reply
      .headers(headers)
      .header(REQUEST_ID_HEADER, request.id)
      .header('content-language', t.common.locale)
      .header('cache-control', 'no-store')
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .send(body);
  };
}

/** The status of each HTTP parser error Node itself would answer differently from 400 (as Node does). */
const PARSER_ERROR_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses (headers over MAX_HEADER_BYTES: 431; a
 * malformed request line or header: 400; too slow: 408) never reach Fastify, so there is no request, no
 * language and no layout, only the socket. The answer is written raw: a short plain-text body in the default
 * language with a fresh request id, which is logged, and the security headers. Nothing is written into a
 * response already under way on the connection (it would corrupt it), as Node's own handler does.
 */
export function clientErrorHandler(config: Config) {
  const headerLines = Object.entries(securityHeaders({ https: config.secureCookies })).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const t = messagesFor(DEFAULT_LOCALE);
  return function handleClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
    // A connection reset: nobody is there to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status = PARSER_ERROR_STATUS[error.code ?? ''] ?? 400;
    const id = newRequestId();
    this.log.info({ [REQUEST_ID_LOG_LABEL]: id, err: { code: error.code, message: error.message }, status }, 'request refused by the HTTP parser');
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = `${clientMessage(t, status)}\n${t.common.errors.reference} ${id}\n`;
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          'content-type: text/plain; charset=utf-8\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          'cache-control: no-store\r\n' +
          `${REQUEST_ID_HEADER}: ${id}\r\n` +
          headerLines +
          'connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(error);
  };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Remembers every route as it is registered, so an unknown URL (404) can be
 * told apart from a known URL asked with the wrong method (405 + Allow) —
 * except where `hidden` says the asker must not learn the URL exists.
 */
export function trackRoutesForMethodNotAllowed(app: FastifyInstance, options: { hidden?: (request: FastifyRequest) => boolean } = {}) {
  const known = FindMyWay();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (METHODS.includes(method as (typeof METHODS)[number]) && !known.hasRoute(method as 'GET', route.url)) {
        known.on(method as 'GET', route.url, () => undefined);
      }
    }
  });
  return function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split('?')[0] ?? '/';
    // A hidden address (the console, to anyone but an admin) is unknown, whatever the method.
    const allowed = options.hidden?.(request) ? [] : METHODS.filter((m) => known.find(m, path) !== null);
    // A route that exists for this method but found nothing (a missing static file, say) is a plain 404.
    if (allowed.length > 0 && !allowed.includes(request.method as (typeof METHODS)[number])) {
      return reply.header('allow', allowed.join(', ')).page(request.t.common.errors.notAllowedTitle, methodNotAllowedPage(request.t, allowed), { status: 405 });
    }
    return reply.page(request.t.common.errors.notFoundTitle, notFoundPage(request.t), { status: 404 });
  };
}
