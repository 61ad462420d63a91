/**
 * Which request a reverse proxy asks about, read from its headers — and only from a proxy TRUST_PROXY names:
 * from anyone else, X-Forwarded-* and X-Original-* are a client's word, and a client choosing the URL it is
 * judged for could pass a denied request off as a public one. Also: the `rd` address a sign-in may return to.
 *
 * - Traefik's forwardAuth and Caddy's forward_auth send X-Forwarded-Method, -Proto, -Host and -Uri.
 * - nginx's auth_request (as configured in docs/deploy/nginx/) sends X-Original-Method and X-Original-URL.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';
import type { RequestFacts } from './rules.js';
import { rulesName, type AccessRules } from './rules.js';
import { FORWARD_AUTH_RETURN_PATH } from '../lib/paths.js';

/** Longest original URL (and `rd`) considered: proxies' own header limits are about 4–8 KiB. */
export const MAX_ORIGINAL_URL_LENGTH = 4096;

const HTTP_METHOD = /^[A-Z]{3,7}$/;
/** A Host value: a name or an IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/;
/** Characters no URL a proxy forwards may contain (browsers drop or rewrite them; upstreams disagree on them). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const FORBIDDEN = /[\u0000-\u0020\u007f\\]/;

/**
 * Paths upstreams read differently from the rules: an escaped `/`, `\` or NUL (`/public/..%2Fadmin`, which a router
 * that decodes before resolving dot segments serves as `/admin`), and a dot segment with a `;` parameter
 * (`/public/..;/admin`, which Tomcat and Jetty serve as `/admin`). No browser sends them for a real page: refused.
 */
const AMBIGUOUS_PATH = /%2f|%5c|%00|(?:^|\/)(?:\.|%2e){1,2};/i;

export interface ForwardedRequest {
  facts: RequestFacts;
  /** The original URL, normalised, without a fragment: where a sign-in returns to (`rd`). */
  url: string;
}

/** A percent-escaped unreserved character (RFC 3986 §2.3) means the character itself (§6.2.2.2). */
function decodeUnreserved(path: string): string {
  return path.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const char = String.fromCharCode(parseInt(escape.slice(1), 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : escape.toUpperCase();
  });
}

/**
 * The facts of `method` on `proto://host` + `uri`, or null when any part is not what a proxy sends. The path is
 * normalised as the WHATWG URL parser does (dot segments, `%2e`), after decoding escaped unreserved characters, so
 * `/public/../admin` and `/%61dmin` are judged as the `/admin` an upstream would serve.
 */
export function requestFactsOf(method: string, proto: string, host: string, uri: string): ForwardedRequest | null {
  if (!HTTP_METHOD.test(method) || (proto !== 'http' && proto !== 'https') || !HOST.test(host)) return null;
  if (!uri.startsWith('/') || uri.length > MAX_ORIGINAL_URL_LENGTH || FORBIDDEN.test(uri)) return null;
  const query = uri.indexOf('?');
  if (AMBIGUOUS_PATH.test(query === -1 ? uri : uri.slice(0, query))) return null;
  let url: URL;
  try {
    url = new URL(`${proto}://${host}${uri.includes('%') ? decodeUnreserved(uri) : uri}`);
  } catch {
    return null;
  }
  // The Host value must have been the whole authority (nothing smuggled in with `@` or a path).
  if (url.host !== host.toLowerCase().replace(proto === 'https' ? /:443$/ : /:80$/, '')) return null;
  if (uri.includes('#')) url.hash = '';
  const hostname = url.hostname.startsWith('[') ? url.hostname : url.hostname.replace(/\.$/, '');
  return { facts: { method, host: hostname, pathAndQuery: url.pathname + url.search }, url: url.href };
}

function single(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** Traefik's and Caddy's headers. Null when one is missing or malformed. */
export function fromForwardedHeaders(headers: IncomingHttpHeaders): ForwardedRequest | null {
  const proto = single(headers, 'x-forwarded-proto');
  const host = single(headers, 'x-forwarded-host');
  const uri = single(headers, 'x-forwarded-uri');
  if (proto === null || host === null || uri === null) return null;
  // Traefik and Caddy always send the method; an older proxy that does not is asking about a GET.
  return requestFactsOf((single(headers, 'x-forwarded-method') ?? 'GET').toUpperCase(), proto.toLowerCase(), host, uri);
}

/** nginx's headers (X-Original-URL, X-Original-Method). Null when one is missing or malformed. */
export function fromOriginalHeaders(headers: IncomingHttpHeaders): ForwardedRequest | null {
  const raw = single(headers, 'x-original-url');
  const method = single(headers, 'x-original-method');
  if (raw === null || method === null || raw.length > MAX_ORIGINAL_URL_LENGTH || FORBIDDEN.test(raw)) return null;
  const match = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(raw);
  if (!match) return null;
  return requestFactsOf(method.toUpperCase(), match[1]!.toLowerCase(), match[2]!, match[3] || '/');
}

/**
 * The `rd` a sign-in may return to: an absolute https URL (http too outside production) on a host the rules
 * name, without credentials in it; null otherwise. Anything else would make Gatehouse's sign-in an open
 * redirect: a link to it that lands on a look-alike site after a real sign-in.
 */
export function allowedReturnUrl(rules: AccessRules, raw: unknown, allowHttp: boolean): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_ORIGINAL_URL_LENGTH || FORBIDDEN.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return null;
  // `https://app.example.com@evil.example` has evil.example as its host; refuse any userinfo, not only that.
  if (url.username !== '' || url.password !== '') return null;
  // The scheme must have been followed by `//`: `https:evil.example` parses, but says something else to a reader.
  if (!/^https?:\/\//i.test(raw)) return null;
  if (!rulesName(rules, url.hostname)) return null;
  return url.href;
}

/**
 * The `next` of a sign-in asked for with `rd`: `/authz/return?rd=…` when forward-auth is on and `rd` is allowed
 * (and the whole fits a `next`, 2000 characters), else null — the sign-in then ends at the home page.
 */
export function returnPathFor(config: Pick<Config, 'accessRules' | 'isProduction'>, rd: unknown): string | null {
  if (config.accessRules === null) return null;
  const to = allowedReturnUrl(config.accessRules, rd, !config.isProduction);
  if (to === null) return null;
  const path = `${FORWARD_AUTH_RETURN_PATH}?rd=${encodeURIComponent(to)}`;
  return path.length <= MAX_NEXT_LENGTH ? path : null;
}

/** `next`'s limit (src/auth/redirects.ts, the login form's field). */
const MAX_NEXT_LENGTH = 2000;
