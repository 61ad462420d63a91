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

/**
 * The session cookie's name and Domain. Host-only and `__Host-` like every other cookie, unless COOKIE_DOMAIN
 * is set: then it carries `Domain=<COOKIE_DOMAIN>`, so the browser sends it to the apps behind forward-auth
 * too, and `__Host-` (which forbids a Domain) gives way to `__Secure-` (which still demands Secure and https).
 * The trade-off — every host below the domain receives the session, and any of them could plant one — is in
 * decision record 018. Only the session cookie is shared: CSRF, language, device and flash cookies stay
 * host-only.
 */
export function sessionCookieOf(config: Pick<Config, 'secureCookies' | 'cookieDomain'>): { name: string; domain: string | undefined } {
  if (config.cookieDomain === null) return { name: cookieName(config, 'session'), domain: undefined };
  return { name: `${config.secureCookies ? '__Secure-' : ''}gatehouse_session`, domain: config.cookieDomain };
}
