/**
 * Cross-site request forgery defences (docs/decisions/004-csrf-and-forms.md,
 * 009-fast-path-for-pages.md):
 *
 * 1. Every form carries a token tied to a secret: the session's own (stored
 *    with it, made when it starts) once there is a session, and until then a
 *    secret in a signed, HttpOnly cookie, so anonymous pages store nothing on
 *    the server. The token is the secret XOR a fresh random pad, with the pad
 *    in front, so it differs on every page (no fixed secret for a compression
 *    side channel to recover) yet always unmasks to the secret. A token made
 *    for one secret never passes for the other.
 * 2. The browser's own word on where a request comes from (`Sec-Fetch-Site`,
 *    else `Origin`): a cross-site state-changing request is refused, token or not.
 * 3. A new secret at every sign-in and sign-out.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { pooledRandomBytes } from '../lib/random-pool.js';
import { baseCookieOptions, cookieName } from './cookies.js';

/** 192-bit secrets; tokens are pad ‖ (pad ⊕ secret), 64 base64url characters. */
const SECRET_BYTES = 24;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{64}$/;

declare module 'fastify' {
  interface FastifyReply {
    /**
     * The CSRF token for forms on this response: the same for every form on
     * the page. On a first visit the first call sets the secret cookie.
     */
    csrfToken(): string;
    /** @internal this response's token, once made. */
    gatehouseCsrfToken: string | null;
    /** @internal the secret was rotated: the request's cookie no longer counts. */
    gatehouseCsrfRotated: boolean;
    /** @internal the secret of the session this response started, if it started one. */
    gatehouseCsrfNewSessionSecret: string | null;
  }
}

export function csrfCookieName(config: Pick<Config, 'secureCookies'>): string {
  return cookieName(config, 'csrf');
}

function secretCookieOptions(config: Pick<Config, 'secureCookies'>) {
  return { ...baseCookieOptions(config), signed: true };
}

/** A new random secret for a session's forms (base64url). */
export function newCsrfSecret(): string {
  return pooledRandomBytes(SECRET_BYTES).toString('base64url');
}

function decodeSecret(value: string): Buffer | null {
  const secret = Buffer.from(value, 'base64url');
  return secret.length === SECRET_BYTES ? secret : null;
}

/** The session's own secret, when the request has a session made since migration 003. */
function sessionSecretOf(request: FastifyRequest): Buffer | null {
  const value = request.session?.csrf_secret;
  return value ? decodeSecret(value) : null;
}

/** The secret in this request's cookie, if the cookie is there, signed by us and well-formed. */
function cookieSecretOf(request: FastifyRequest, name: string): Buffer | null {
  const raw = request.cookies[name];
  if (!raw) return null;
  const { valid, value } = request.unsignCookie(raw);
  return valid && value ? decodeSecret(value) : null;
}

export function maskSecret(secret: Buffer): string {
  const token = Buffer.allocUnsafe(2 * SECRET_BYTES);
  pooledRandomBytes(SECRET_BYTES).copy(token, 0);
  for (let i = 0; i < SECRET_BYTES; i++) token[SECRET_BYTES + i] = token[i]! ^ secret[i]!;
  return token.toString('base64url');
}

export function unmaskToken(token: unknown): Buffer | null {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length !== 2 * SECRET_BYTES) return null;
  const secret = Buffer.allocUnsafe(SECRET_BYTES);
  for (let i = 0; i < SECRET_BYTES; i++) secret[i] = raw[i]! ^ raw[SECRET_BYTES + i]!;
  return secret;
}

/** The form's `_csrf` unmasks to the session's secret, or without a session to the signed cookie's. */
export function hasValidCsrfToken(request: FastifyRequest, config: Pick<Config, 'secureCookies'>): boolean {
  const secret = request.session?.csrf_secret ? sessionSecretOf(request) : cookieSecretOf(request, csrfCookieName(config));
  if (!secret) return false;
  const sent = unmaskToken((request.body as Record<string, unknown> | undefined)?._csrf);
  return sent !== null && timingSafeEqual(sent, secret);
}

/** Adds `reply.csrfToken()`. */
export const csrfTokensPlugin = fp(async function csrfTokens(app: FastifyInstance, { config }: { config: Config }) {
  const name = csrfCookieName(config);
  const options = secretCookieOptions(config);
  app.decorateReply('gatehouseCsrfToken', null);
  app.decorateReply('gatehouseCsrfRotated', false);
  app.decorateReply('gatehouseCsrfNewSessionSecret', null);
  app.decorateReply('csrfToken', function (this: FastifyReply) {
    if (this.gatehouseCsrfToken !== null) return this.gatehouseCsrfToken;
    // After a rotation (sign-in, sign-out) this response's forms belong to the new session's secret, or without
    // one to a new cookie secret.
    let secret = this.gatehouseCsrfRotated
      ? this.gatehouseCsrfNewSessionSecret === null
        ? null
        : decodeSecret(this.gatehouseCsrfNewSessionSecret)
      : (sessionSecretOf(this.request) ?? cookieSecretOf(this.request, name));
    if (!secret) {
      secret = pooledRandomBytes(SECRET_BYTES);
      this.setCookie(name, secret.toString('base64url'), options);
    }
    this.gatehouseCsrfToken = maskSecret(secret);
    return this.gatehouseCsrfToken;
  });
});

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
 * obtained before (login CSRF, a shared computer) is worthless afterwards:
 * the cookie secret is dropped (a new session brings its own). Forms on the
 * response that does this get a token for the new session's secret when it
 * started one, else for a new cookie secret.
 */
export function rotateCsrfSecret(reply: FastifyReply, config: Config, newSessionSecret: string | null = null): void {
  reply.clearCookie(csrfCookieName(config), secretCookieOptions(config));
  reply.gatehouseCsrfToken = null;
  reply.gatehouseCsrfRotated = true;
  reply.gatehouseCsrfNewSessionSecret = newSessionSecret;
}
