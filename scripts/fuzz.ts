/**
 * Fuzzes the whole app through `app.inject()`: random and malformed requests —
 * wrong types, arrays, duplicated fields, huge fields, bad percent-encodings,
 * invalid UTF-8, missing and forged CSRF tokens, odd methods, odd paths (every
 * route, with random params), odd content types, JSON bodies — as a visitor, a
 * signed-in user and a sign-in still waiting for its second factor. Every
 * answer must be below 500, and the app must still serve /login at the end.
 *
 *     npm run fuzz                         # seed 1, 10,000 requests
 *     npm run fuzz -- --seed 7 --count 50000
 *
 * The same seed sends the same requests (a seeded PRNG; the app's own random
 * tokens differ), so a failure can be replayed. `runFuzz` is what
 * test/fuzz/fuzz.test.ts runs in-process with a fixed seed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildApp, type GatehouseApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { cookieHeaderOf } from '../test/support/cookies.js';
import { Identities, type Identity } from './fuzz/identities.js';
import { enc, encodeOddly, FIELD_NAMES, fillPath, ODD_METHODS, ODD_PATHS, plausibleValue, queryString, randomToken, weirdValue } from './fuzz/inputs.js';
import { prng, type Rng } from './fuzz/random.js';
import { routePatterns } from './fuzz/routes.js';

export { prng } from './fuzz/random.js';
export { routePatterns } from './fuzz/routes.js';

export interface FuzzOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Requests to send. Default 10,000. */
  count?: number;
  /** Called every 1,000 requests (progress). */
  onProgress?: (done: number, count: number) => void;
  /** Called with the built app before it is ready (tests add a deliberately broken route to see the fuzzer catch it). */
  prepare?: (app: GatehouseApp) => void;
}

export interface FuzzFailure {
  index: number;
  status: number | 'threw';
  request: string;
  /** The logged error (message and top of the stack), when the app logged one. */
  error: string | null;
}

export interface FuzzReport {
  seed: number;
  count: number;
  durationMs: number;
  /** How many answers had each status. */
  statuses: Record<string, number>;
  /** Every answer of 500 or above (and every request the app failed to answer). */
  failures: FuzzFailure[];
  /** Status of GET /login after the run (200 when the app is still up). */
  loginAfter: number;
  /** The route patterns fuzzed (from the app's router). */
  routes: string[];
  /** The form actions found on pages as a visitor, a signed-in user and a pending sign-in, and fuzzed with their own fields. */
  forms: string[];
}

// ---------------------------------------------------------------------------
// One fuzz request

interface FuzzRequest {
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

function makeRequest(r: Rng, routes: string[], identities: Identity[], forms: Map<string, Set<string>>, password: string): FuzzRequest {
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

function describeRequest(req: FuzzRequest): string {
  const body = req.payload === undefined ? '' : ` body=${JSON.stringify(String(req.payload).slice(0, 300))}`;
  return `${req.method} ${req.url.slice(0, 300)} headers=${JSON.stringify(req.headers).slice(0, 400)}${body}`;
}

// ---------------------------------------------------------------------------

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = options.seed ?? 1;
  const count = options.count ?? 10_000;
  const r = prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fuzz-'));
  // Error lines of the app's log, by request id, to show what failed behind a 5xx.
  const errors = new Map<string, string>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as { reqId?: string; level?: number; err?: { message?: string; stack?: string }; msg?: string };
          if (entry.reqId && (entry.level ?? 0) >= 50) errors.set(entry.reqId, (entry.err?.stack ?? entry.err?.message ?? entry.msg ?? '').split('\n').slice(0, 4).join(' | '));
        } catch {
          // not JSON: ignore
        }
      }
      done();
    },
  });
  const config = loadConfig(
    { NODE_ENV: 'test', SECRET_KEY: 'fuzz-secret-key-that-is-at-least-32-bytes-long', DATABASE_URL: `sqlite:${join(dir, 'fuzz.db')}`, LOG_LEVEL: 'error' },
    { envFile: null, dataDir: dir },
  );
  const app = await buildApp(config, { logger: { level: 'error', stream }, outbox: { pollIntervalMs: 3_600_000 } });
  const began = performance.now();
  try {
    options.prepare?.(app);
    await app.ready();
    const routes = routePatterns(app);
    const identities = new Identities(app);
    await identities.refresh();
    await identities.discoverForms(routes);
    const statuses: Record<string, number> = {};
    const failures: FuzzFailure[] = [];

    for (let index = 0; index < count; index++) {
      // Fuzz requests sign people out, change passwords and turn 2FA off: start over with fresh sessions now and then.
      if (index > 0 && index % 250 === 0) await identities.refresh();
      if (index > 0 && index % 1000 === 0) options.onProgress?.(index, count);
      const req = makeRequest(r, routes, identities.all, identities.forms, identities.password);
      let status: number | 'threw';
      let body = '';
      try {
        const res = await app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload, remoteAddress: req.remoteAddress });
        status = res.statusCode;
        body = res.body;
      } catch (error) {
        // light-my-request refuses some requests before the app sees them (an impossible header, say): not the app's answer.
        if (error instanceof Error && /invalid|header|character|method/i.test(error.message)) {
          statuses.refused_by_client = (statuses.refused_by_client ?? 0) + 1;
          continue;
        }
        status = 'threw';
        body = String(error);
      }
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      if (status === 'threw' || status >= 500) {
        const requestId = /<code class="request-id">([0-9a-f]+)<\/code>/.exec(body)?.[1];
        failures.push({ index, status, request: describeRequest(req), error: (requestId && errors.get(requestId)) ?? (status === 'threw' ? body : null) });
      }
    }
    const loginAfter = (await app.inject({ method: 'GET', url: '/login' })).statusCode;
    return { seed, count, durationMs: Math.round(performance.now() - began), statuses, failures, loginAfter, routes, forms: [...identities.forms.keys()].sort() };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

async function main(): Promise<void> {
  const seed = argument('seed', 1);
  const count = argument('count', 10_000);
  console.log(`fuzzing ${count} requests with seed ${seed}…`);
  const report = await runFuzz({ seed, count, onProgress: (done, total) => console.log(`  ${done}/${total}`) });
  console.log(`routes: ${report.routes.join(' ')}\nforms: ${report.forms.join(' ')}`);
  console.log(`done in ${(report.durationMs / 1000).toFixed(1)} s; statuses: ${JSON.stringify(report.statuses)}; GET /login afterwards: ${report.loginAfter}`);
  for (const f of report.failures.slice(0, 50)) console.log(`\n#${f.index} → ${f.status}\n  ${f.request}\n  ${f.error ?? ''}`);
  if (report.failures.length > 50) console.log(`\n… and ${report.failures.length - 50} more`);
  const ok = report.failures.length === 0 && report.loginAfter === 200;
  console.log(ok ? '\nno 5xx: pass' : `\n${report.failures.length} request(s) got a 5xx: FAIL`);
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
