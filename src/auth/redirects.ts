/**
 * Where a `next` parameter may send a user: only a path on this site. This
 * stops open redirects (`//evil.com`, `/\evil.com`, `https://evil.com`,
 * `javascript:`), which the original app allowed.
 */
const PLACEHOLDER_ORIGIN = 'http://gatehouse.invalid';

export function safeNextPath(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return null;
  // Must be a rooted path; "//host" and "/\host" are protocol-relative URLs to browsers.
  if (!raw.startsWith('/') || raw.startsWith('//')) return null;
  // Browsers treat "\" as "/" and ignore tabs/newlines inside URLs; refuse both outright.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw, PLACEHOLDER_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return null;
  const path = url.pathname + url.search + url.hash;
  // Normalising dot segments can itself produce "//host" ("/.//evil", "/x/..//evil"): check the result too.
  if (path.startsWith('//') || path.includes('\\')) return null;
  return path;
}
