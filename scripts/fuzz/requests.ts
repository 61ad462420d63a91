/** One fuzz request: its method, path, query, headers, cookies and body, as one of the identities. */
import { cookieHeaderOf } from '../../test/support/cookies.js';
import type { Identity } from './identities.js';
import { encodeOddly, enc, FIELD_NAMES, fillPath, ODD_METHODS, ODD_PATHS, plausibleValue, queryString, randomToken, weirdValue } from './inputs.js';
import type { Rng } from './random.js';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  remoteAddress: string;
}

function makeBody(r: Rng, csrf: string | null, otherCsrf: string | null, password: string): { contentType: string | null; payload: string | Buffer } {
  const fields: [string, string][] = [];
  // CSRF: valid, missing, forged, another session's, or sent twice.
  const csrfChoice = r.int(6);
  if (csrfChoice <= 1 && csrf) fields.push(['_csrf', csrf]);
  else if (csrfChoice === 2) fields.push(['_csrf', randomToken(r, r.pick([10, 43, 60]))]);
  else if (csrfChoice === 3 && otherCsrf) fields.push(['_csrf', otherCsrf]);
  else if (csrfChoice === 4 && csrf) fields.push(['_csrf', csrf], ['_csrf', csrf]);
  for (let i = r.int(7); i > 0; i--) {
    const name = r.pick(FIELD_NAMES);
    const value = name.includes('password') && r.chance(0.3) ? password : weirdValue(r);
    fields.push([name, value]);
    if (r.chance(0.1)) fields.push([name, weirdValue(r)]); // duplicated field
    if (r.chance(0.05)) fields.push([`${name}[]`, weirdValue(r)], [`${name}[0]`, weirdValue(r)]);
  }

  const kind = r.int(12);
  if (kind <= 5) {
    const body = fields.map(([k, v]) => `${r.chance(0.05) ? encodeOddly(r, k) : enc(k)}=${r.chance(0.1) ? encodeOddly(r, v) : enc(v)}`).join('&');
    return { contentType: r.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8', 'Application/X-WWW-Form-Urlencoded', 'application/x-www-form-urlencoded; charset=iso-8859-1']), payload: body };
  }
  if (kind <= 7) {
    const object: Record<string, unknown> = {};
    for (const [k, v] of fields) object[k] = r.pick([v, v, [v, v], { $ne: v }, 1, true, null, [], {}]);
    const text = r.chance(0.1) ? JSON.stringify(object).slice(0, r.int(20)) : r.chance(0.05) ? `${'['.repeat(3000)}${']'.repeat(3000)}` : JSON.stringify(object);
    return { contentType: r.pick(['application/json', 'application/json; charset=utf-8', 'application/vnd.api+json', 'application/json; charset=utf-16']), payload: text };
  }
  if (kind === 8) {
    // Invalid UTF-8 bytes inside an otherwise plausible form.
    const prefix = csrf ? `_csrf=${enc(csrf)}&login=` : 'login=';
    return { contentType: 'application/x-www-form-urlencoded', payload: Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from('&password=x')]) };
  }
  if (kind === 9) {
    const boundary = randomToken(r, 16);
    const body = fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${boundary}--\r\n`;
    return { contentType: `multipart/form-data; boundary=${boundary}`, payload: body };
  }
  if (kind === 10) {
    return { contentType: r.pick(['text/plain', 'application/xml', 'text/html', 'application/octet-stream', ';;;', 'x/x/x', '*/*', 'application/x-www-form-urlencoded, application/json', '']), payload: fields.map(([k, v]) => `${k}=${v}`).join('&') };
  }
  return { contentType: null, payload: r.chance(0.5) ? '' : 'login=a&password=b' };
}

/** A form the app really shows, filled with plausible or weird values: most of these get past CSRF and shape checks. */
function makeFormRequest(r: Rng, forms: Map<string, Set<string>>, id: Identity, password: string): FuzzRequest {
  const [action, names] = r.pick([...forms]);
  const fields: [string, string][] = [];
  if (id.csrf && r.chance(0.85)) fields.push(['_csrf', id.csrf]);
  for (const name of names) {
    if (name === '_csrf' || r.chance(0.07)) continue; // sometimes a field is missing
    fields.push([name, r.chance(0.7) ? plausibleValue(r, name, password) : weirdValue(r)]);
    if (r.chance(0.05)) fields.push([name, weirdValue(r)]); // sent twice
  }
  if (r.chance(0.1)) fields.push([r.pick(FIELD_NAMES), weirdValue(r)]); // an unexpected extra
  const url = action.includes(':') ? fillPath(r, action) : r.chance(0.1) ? fillPath(r, action.replace(/\/[^/]*$/, '/:x')) : action.replace(/&amp;/g, '&');
  const payload = fields.map(([k, v]) => `${enc(k)}=${r.chance(0.05) ? encodeOddly(r, v) : enc(v)}`).join('&');
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const cookies = cookieHeaderOf(id.cookies);
  if (cookies) headers.cookie = cookies;
  return { method: 'POST', url, headers, payload, remoteAddress: id.remoteAddress };
}

export function makeRequest(r: Rng, routes: string[], identities: Identity[], forms: Map<string, Set<string>>, password: string): FuzzRequest {
  const id = r.pick(identities);
  if (forms.size > 0 && r.chance(0.4)) return makeFormRequest(r, forms, id, password);
  const other = r.pick(identities);
  const method = r.chance(0.85) ? r.pick(['GET', 'POST'] as const) : r.pick(ODD_METHODS);
  const path = r.chance(0.12) ? r.pick(ODD_PATHS) : fillPath(r, r.pick(routes));
  const headers: Record<string, string> = {};

  let cookies = cookieHeaderOf(id.cookies);
  switch (r.int(14)) {
    case 0: cookies = ''; break;
    case 1: cookies = `${cookies}; gatehouse_session=${randomToken(r, 43)}`; break;
    case 2: cookies = `gatehouse_session=${encodeOddly(r, weirdValue(r))}; gatehouse_csrf=${encodeOddly(r, weirdValue(r))}`; break;
    case 3: cookies = `${cookies}; gatehouse_flash=${encodeOddly(r, weirdValue(r))}`; break;
    case 4: cookies = `${cookies}; ${cookies}`; break;
    case 5: cookies = cookieHeaderOf(other.cookies); break;
    case 6: cookies = cookies.replace(/gatehouse_csrf=([^;.]*)\.[^;]*/, 'gatehouse_csrf=$1.forgedsignature'); break;
    default: break;
  }
  if (cookies) headers.cookie = cookies;
  if (r.chance(0.1)) headers.origin = r.pick(['https://evil.example', 'null', 'http://localhost:3000', 'http://127.0.0.1', '%', '']);
  if (r.chance(0.05)) headers.referer = r.pick(['https://evil.example/', '/', '%%']);
  if (r.chance(0.05)) headers.accept = r.pick(['application/json', '*/*', 'text/html;q=0', '']);
  if (r.chance(0.05)) headers['accept-language'] = r.pick(['de', '*', 'x'.repeat(2000)]);
  if (r.chance(0.03)) headers['x-forwarded-for'] = r.pick(['1.2.3.4', '127.0.0.1, 10.0.0.1', 'garbage']);
  if (r.chance(0.03)) headers.host = r.pick(['evil.example', '', 'localhost:99999', '[::1]']);

  let payload: string | Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD' && (method === 'POST' || r.chance(0.5))) {
    const body = makeBody(r, id.csrf, other.csrf, password);
    payload = body.payload;
    if (body.contentType !== null) headers['content-type'] = body.contentType;
  } else if (r.chance(0.03)) {
    payload = 'unexpected=body';
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  return { method, url: path + queryString(r), headers, payload, remoteAddress: id.remoteAddress };
}

export function describeRequest(req: FuzzRequest): string {
  const body = req.payload === undefined ? '' : ` body=${JSON.stringify(String(req.payload).slice(0, 300))}`;
  return `${req.method} ${req.url.slice(0, 300)} headers=${JSON.stringify(req.headers).slice(0, 400)}${body}`;
}
