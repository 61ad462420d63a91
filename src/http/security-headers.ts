/**
 * The browser protections every response carries (OWASP ASVS 5.0 V3.4): a
 * strict Content-Security-Policy, no framing, no MIME sniffing, no Referer to
 * other sites, HSTS over HTTPS. The values are the ones @fastify/helmet would
 * send for this configuration, written out once at start: helmet rebuilt them
 * (and re-parsed the CSP) on every request, a measurable share of a page's cost
 * (docs/decisions/009-fast-path-for-pages.md). A route may override one header
 * for its own response (the dev outbox sandboxes itself; code and reset pages
 * send `Referrer-Policy: no-referrer`).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface SecurityHeadersOptions {
  /** HTTPS deployment: HSTS and `upgrade-insecure-requests`. */
  https: boolean;
  /**
   * Paths (exactly as requested, no query) whose routes send these headers themselves, on every answer but
   * the one a browser never sees: forward-auth's checks (src/forward-auth/routes.ts), whose 200 (an empty body
   * with Remote-*) only the proxy reads. A request spelled otherwise (a query, a trailing slash) gets them here.
   */
  sentByRoute?: readonly string[];
}

const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data: https://www.gravatar.com https://secure.gravatar.com"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['form-action', "'self'"],
  ['frame-ancestors', "'none'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
];

export function securityHeaders(options: SecurityHeadersOptions): Readonly<Record<string, string>> {
  const csp = CSP_DIRECTIVES.map(([name, value]) => `${name} ${value}`);
  if (options.https) csp.push('upgrade-insecure-requests');
  return Object.freeze({
    'content-security-policy': csp.join(';'),
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    // Addresses never leave the site; reset and 2FA pages send no Referer at all (PageOptions.noReferrer).
    'referrer-policy': 'same-origin',
    ...(options.https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    // The legacy XSS auditor is itself an information leak; 0 turns it off (as helmet does).
    'x-xss-protection': '0',
  });
}

export const securityHeadersPlugin = fp(async function securityHeadersPlugin(app: FastifyInstance, options: SecurityHeadersOptions) {
  const headers = securityHeaders(options);
  const sentByRoute = new Set(options.sentByRoute ?? []);
  app.addHook('onRequest', (request, reply, done) => {
    // A path of theirs that no route answers (an unusual method) is a 404 page: it gets them here.
    if (!sentByRoute.has(request.url) || request.is404) reply.headers(headers);
    done();
  });
});
