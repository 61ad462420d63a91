/** Names and options shared by every cookie Gatehouse sets. */
import type { Config } from '../config.js';

/**
 * `gatehouse_<purpose>`, with the `__Host-` prefix whenever APP_URL is https:
 * browsers then refuse the cookie unless it is Secure, Path=/ and host-only,
 * so a subdomain or a plain-http page cannot plant or overwrite it.
 */
export function cookieName(config: Pick<Config, 'secureCookies'>, purpose: string): string {
  return `${config.secureCookies ? '__Host-' : ''}gatehouse_${purpose}`;
}

/** HttpOnly, SameSite=Lax, Path=/, and Secure on https. */
export function baseCookieOptions(config: Pick<Config, 'secureCookies'>) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies };
}
