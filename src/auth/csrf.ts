/**
 * Cross-site request forgery defences that sit beside @fastify/csrf-protection's
 * token check (see docs/decisions/004-csrf-and-forms.md): the name of the
 * cookie that holds the token secret, and the Origin check.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { cookieName } from './cookies.js';

export function csrfCookieName(config: Config): string {
  return cookieName(config, 'csrf');
}

/**
 * A state-changing request whose browser says it comes from another site is
 * refused, token or not (OWASP ASVS 5.0 V3.5.2). Modern browsers send
 * `Sec-Fetch-Site` on every request and `Origin` on every POST; a same-origin
 * form has Origin equal to APP_URL or to the address the browser used.
 */
export function isCrossSiteRequest(request: FastifyRequest, config: Config): boolean {
  // Sec-Fetch-Site is set by the browser itself and cannot be forged by a page: when present, it decides.
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined) return fetchSite === 'cross-site' || fetchSite === 'same-site';
  const origin = request.headers.origin;
  // No Origin (non-browser clients) or "null" (pages under Referrer-Policy: no-referrer, which
  // blanks it even for same-origin posts): the token check below still applies.
  if (origin === undefined || origin === 'null') return false;
  const ownOrigin = `${request.protocol}://${request.host}`;
  return origin !== config.appUrl && origin !== ownOrigin;
}

/**
 * A new CSRF secret at every sign-in and sign-out, so a token an attacker
 * obtained before (login CSRF, a shared computer) is worthless afterwards.
 */
export function rotateCsrfSecret(reply: FastifyReply, config: Config): void {
  reply.clearCookie(csrfCookieName(config), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, signed: true });
}
