/**
 * What a browser does with cookies and forms, in the few lines both the tests' TestClient (over `app.inject()`) and
 * the bench's signed-in sessions (over HTTP to a spawned server) need: reading a Set-Cookie header, writing the
 * Cookie header back, and finding a page's CSRF token.
 */

/** One Set-Cookie header: the cookie's name and value, and whether it deletes the cookie (empty, `Max-Age=0` or expired in 1970). */
export function parseSetCookie(raw: string): { name: string; value: string; expired: boolean } {
  const [pair, ...attrs] = raw.split(';');
  const eq = pair!.indexOf('=');
  const name = pair!.slice(0, eq).trim();
  const value = pair!.slice(eq + 1).trim();
  const expired = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
  return { name, value, expired };
}

/** The Cookie header for `name → value` pairs: `a=1; b=2`. */
export function cookieHeaderOf(cookies: Iterable<readonly [string, string]>): string {
  return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The CSRF token of a page's form (`<input name="_csrf" value="…">`), or null when the page has none. */
export function findCsrfToken(body: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? null;
}
