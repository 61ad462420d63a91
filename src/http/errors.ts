/**
 * One error handler for the whole app. Errors a user can cause (a forged or
 * stale form, an unreadable body, an unknown page) get a 4xx page that says
 * what happened; anything else is a bug or an outage: logged in full with the
 * request id, shown to the user as a 500 page with only that id.
 */
import FindMyWay from 'find-my-way';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { clientErrorPage, methodNotAllowedPage, notFoundPage, serverErrorPage } from '../views/error-pages.js';
import { layout } from '../views/layout.js';

const CLIENT_MESSAGES: Record<number, string> = {
  400: 'We could not read what your browser sent. Go back, reload the page and try again.',
  403: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
  413: 'What you sent is too large.',
  415: 'This address only accepts forms sent from its own pages.',
};

function isCsrfError(error: FastifyError): boolean {
  return typeof error.code === 'string' && error.code.startsWith('FST_CSRF_');
}

export function errorHandler(config: Config) {
  return function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const status = isCsrfError(error) ? 403 : (error.statusCode ?? 500);
    if (status >= 400 && status < 500) {
      request.log.info({ err: { code: error.code, message: error.message }, status }, 'request refused');
      return reply.page(status === 403 ? 'Request refused' : 'Bad request', clientErrorPage(status, CLIENT_MESSAGES[status] ?? 'That request could not be handled.'), { status });
    }
    request.log.error({ err: error }, 'request failed');
    const detail = config.isProduction ? null : (error.stack ?? error.message);
    return reply.page('Error', serverErrorPage(request.id, status >= 500 ? status : 500, detail), { status: status >= 500 ? status : 500 });
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
    const body = layout({
      title: 'Bad request',
      body: clientErrorPage(status, status === 414 ? 'That address is too long.' : CLIENT_MESSAGES[400]!),
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
      return reply.header('allow', allowed.join(', ')).page('Not allowed', methodNotAllowedPage(allowed), { status: 405 });
    }
    return reply.page('Not found', notFoundPage(), { status: 404 });
  };
}
