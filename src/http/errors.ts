/**
 * One error handler for the whole app. Errors a user can cause (a forged or
 * stale form, an unreadable body, an unknown page) get a 4xx page that says
 * what happened; anything else is a bug or an outage: logged in full with the
 * request id, shown to the user with only that id — a 503 "Service
 * unavailable, try again in a moment" page when the database cannot be
 * reached (`isDatabaseUnavailable`), a 500 page for everything else.
 *
 * A failed request changes no cookie: whatever a handler had set before it
 * failed (a session cookie for a session whose transaction then failed to
 * commit, a cleared cookie) is withheld, so an outage can neither sign anyone
 * in nor sign anyone out.
 */
import FindMyWay from 'find-my-way';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PasswordHashingBusyError } from '../auth/password.js';
import type { Config } from '../config.js';
import { isDatabaseUnavailable } from '../db/database.js';
import { busyPage, clientErrorPage, methodNotAllowedPage, notFoundPage, serverErrorPage } from '../views/error-pages.js';
import { negotiateLocale } from '../i18n/locales.js';
import { messagesFor, type Messages } from '../i18n/messages.js';
import { layout } from '../views/layout.js';

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
  app.addHook('onSend', async (_request, reply, payload) => {
    if (failedReplies.has(reply)) reply.removeHeader('set-cookie');
    return payload;
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
    // An outage is not a bug: its page carries no stack trace even in development.
    const detail = config.isProduction || status === 503 ? null : (error.stack ?? error.message);
    // Rendered without reply.page(): that would mint a CSRF secret and consume the flash cookie.
    const t = request.t;
    const body = layout({
      t,
      path: null,
      title: busy ? t.common.errors.busyTitle : status === 503 ? t.common.errors.unavailableTitle : t.common.errors.errorTitle,
      body: busy ? busyPage(t) : serverErrorPage(t, request.id, status, detail),
      user: null,
      csrfToken: '',
      flash: null,
      devOutbox: !config.isProduction,
    });
    if (status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body.value);
  };
}

/**
 * Errors Fastify raises before routing (an over-long or badly encoded URL):
 * no hook has run, so there are no cookies or session; answer with a plain
 * page in the layout.
 */
export function frameworkErrorHandler(config: Config) {
  return function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    request.log.info({ err: { code: error.code, message: error.message }, status }, 'request refused before routing');
    // Before routing the request has none of the app's decorations: its language comes from the header alone.
    const locale = negotiateLocale(request.headers['accept-language']);
    const t = messagesFor(locale);
    const body = layout({
      t,
      path: null,
      title: t.common.errors.badRequestTitle,
      body: clientErrorPage(t, status, clientMessage(t, status === 414 ? 414 : 400)),
      user: null,
      csrfToken: '',
      flash: null,
      devOutbox: !config.isProduction,
    });
    void reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body.value);
  };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Remembers every route as it is registered, so an unknown URL (404) can be
 * told apart from a known URL asked with the wrong method (405 + Allow).
 */
export function trackRoutesForMethodNotAllowed(app: FastifyInstance) {
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
    const allowed = METHODS.filter((m) => known.find(m, path) !== null);
    // A route that exists for this method but found nothing (a missing static file, say) is a plain 404.
    if (allowed.length > 0 && !allowed.includes(request.method as (typeof METHODS)[number])) {
      return reply.header('allow', allowed.join(', ')).page(request.t.common.errors.notAllowedTitle, methodNotAllowedPage(request.t, allowed), { status: 405 });
    }
    return reply.page(request.t.common.errors.notFoundTitle, notFoundPage(request.t), { status: 404 });
  };
}
