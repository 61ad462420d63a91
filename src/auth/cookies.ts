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

/**
 * The value of the one cookie of this name in a Cookie header, or undefined when there is none — or more than one.
 * With COOKIE_DOMAIN, any host below the domain can plant a session cookie of the same name with a narrower Path
 * (`Path=/oidc`); browsers send it first, before Gatehouse's own, and a parser keeps the first. Two session cookies
 * therefore mean nobody is signed in: a planted session can at worst sign the person out, never sign them in as
 * someone else (decision 018).
 */
export function onlyCookie(header: string | undefined, name: string, parsed: string | undefined): string | undefined {
  if (header === undefined || parsed === undefined) return undefined;
  // The common case costs two searches: the name appears once.
  const key = `${name}=`;
  const first = header.indexOf(key);
  if (first === -1 || header.indexOf(key, first + key.length) === -1) return parsed;
  let count = 0;
  for (const part of header.split(';')) if (part.trimStart().startsWith(key)) count++;
  return count > 1 ? undefined : parsed;
}
