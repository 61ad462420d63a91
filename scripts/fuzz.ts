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
import { hashPassword } from '../src/auth/password.js';
import { hashToken, newToken } from '../src/auth/tokens.js';
import { replaceResetToken } from '../src/db/password-reset-tokens.js';
import { loadConfig } from '../src/config.js';
import { normalizeEmail, normalizeUsername } from '../src/db/users.js';
import { enc, encodeOddly, FIELD_NAMES, fillPath, ODD_METHODS, ODD_PATHS, plausibleValue, queryString, randomToken, weirdValue } from './fuzz/inputs.js';
import { prng, type Rng } from './fuzz/random.js';

export { prng } from './fuzz/random.js';

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

const FIXED_PATHS = [
  '/', '/login', '/login/two-factor', '/login/two-factor/resend', '/logout', '/register', '/reset-password', '/reset-password/:token',
  '/user/:username', '/profile/edit', '/two-factor/sms/enable', '/two-factor/sms/confirm', '/two-factor/sms/resend', '/two-factor/disable',
  '/dev/outbox', '/static/css/app.css', '/static/:file', '/vendor/intl-tel-input/:file',
  // The OpenID Connect provider's endpoints: answered by its Koa app, so not in Fastify's route list.
  '/oidc/.well-known/openid-configuration', '/oidc/jwks', '/oidc/auth', '/oidc/auth/:uid', '/oidc/token', '/oidc/me',
  '/oidc/token/introspection', '/oidc/token/revocation', '/oidc/session/end/confirm',
];

const STATEFUL_FORMS: [string, string[]][] = [
  ['/two-factor/sms/confirm', ['_csrf', 'code']],
  ['/two-factor/sms/resend', ['_csrf', 'channel']],
  ['/login/two-factor/resend', ['_csrf', 'channel']],
  ['/confirm-email/:token', ['_csrf']],
  ['/reset-password/:token', ['_csrf', 'password', 'confirm_password']],
];

// ---------------------------------------------------------------------------
// Who is asking

interface Identity {
  name: 'visitor' | 'visitor-with-csrf' | 'signed-in' | 'pending-2fa' | 'signed-in-with-2fa';
  cookies: Map<string, string>;
  /** A CSRF token that matches the identity's CSRF cookie, when it has one. */
  csrf: string | null;
  remoteAddress: string;
}

function cookieHeader(cookies: Map<string, string>): string {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

function storeCookies(cookies: Map<string, string>, setCookie: string | string[] | undefined): void {
  for (const raw of [setCookie ?? []].flat()) {
    const [pair] = raw.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    if (value === '' || /max-age=0/i.test(raw)) cookies.delete(name);
    else cookies.set(name, value);
  }
}

const csrfIn = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? null;

class Identities {
  private counter = 0;
  private passwordHash = '';
  readonly password = 'fuzz-password-long-enough-2024 ✓';
  all: Identity[] = [];

  constructor(private readonly app: GatehouseApp) {}

  /** Forms seen on the app's pages: action → field names (with the CSRF token's `_csrf`). */
  readonly forms = new Map<string, Set<string>>();

  async refresh(): Promise<void> {
    this.passwordHash ||= await hashPassword(this.password);
    this.all = [await this.visitor(false), await this.visitor(true), await this.signedIn('signed-in'), await this.signedIn('pending-2fa'), await this.signedIn('signed-in-with-2fa')];
  }

  /** A live reset link for a fresh account, as if its mail had been opened. */
  async resetLink(): Promise<string> {
    const user = await this.insertUser(false);
    const token = newToken();
    const now = Date.now();
    await replaceResetToken(this.app.ctx.db, user.id, hashToken(token), now, now + 30 * 60_000);
    return `/reset-password/${token}`;
  }

  /** Reads every page each identity can reach and notes its forms, so fuzzing reaches past validation into handlers. */
  async discoverForms(routes: string[]): Promise<void> {
    const urls = [...routes.map((route) => route.replace(/:[a-zA-Z]+/g, '1').replace('*', 'x')), await this.resetLink()];
    // Forms a page shows only in a state the crawl does not reach (an enrolment waiting for its code, a mailed link).
    for (const [action, fields] of STATEFUL_FORMS) if (routes.includes(action)) this.forms.set(action, new Set(fields));
    for (const id of this.all) {
      for (const url of urls) {
        let res = await this.send(id, 'GET', url);
        if (res.headers.location && res.statusCode < 400) res = await this.send(id, 'GET', String(res.headers.location));
        for (const form of res.body.matchAll(/<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
          const fields = this.forms.get(form[1]!) ?? new Set<string>();
          for (const input of form[2]!.matchAll(/<(?:input|select|textarea)[^>]*name="([^"]+)"/g)) fields.add(input[1]!);
          this.forms.set(form[1]!, fields);
        }
      }
    }
  }

  private async visitor(withCsrf: boolean): Promise<Identity> {
    const id: Identity = { name: withCsrf ? 'visitor-with-csrf' : 'visitor', cookies: new Map(), csrf: null, remoteAddress: this.address() };
    if (withCsrf) id.csrf = await this.page(id, '/login');
    return id;
  }

  /** A fresh account (the last one may have had its password changed or 2FA turned off by a fuzz request), signed in. */
  private async signedIn(name: 'signed-in' | 'pending-2fa' | 'signed-in-with-2fa'): Promise<Identity> {
    const user = await this.insertUser(name !== 'signed-in');
    const id: Identity = { name, cookies: new Map(), csrf: null, remoteAddress: this.address() };
    const token = await this.page(id, '/login');
    await this.send(id, 'POST', '/login', new URLSearchParams({ _csrf: token ?? '', login: user.username, password: this.password }).toString());
    if (name === 'signed-in-with-2fa') {
      // The development Verify adapter put the code in the dev outbox, as a phone would receive it.
      const sms = await this.app.ctx.db.selectFrom('dev_outbox').select('text_body').where('recipient', '=', user.phone!).orderBy('id', 'desc').executeTakeFirst();
      const code = /\b(\d{6})\b/.exec(sms?.text_body ?? '')?.[1] ?? '000000';
      const codeToken = await this.page(id, '/login/two-factor');
      await this.send(id, 'POST', '/login/two-factor', new URLSearchParams({ _csrf: codeToken ?? '', code }).toString());
    }
    id.csrf = await this.page(id, name === 'pending-2fa' ? '/login/two-factor' : '/profile/edit');
    return id;
  }

  private async insertUser(withPhone: boolean): Promise<{ id: number; username: string; phone: string | null }> {
    const n = ++this.counter;
    const username = `fuzz${n}`;
    const phone = withPhone ? `+1201555${String(1000 + (n % 9000)).padStart(4, '0')}` : null;
    const now = Date.now();
    const row = await this.app.ctx.db
      .insertInto('users')
      .values({
        username,
        username_normalized: normalizeUsername(username),
        email: `${username}@example.com`,
        email_normalized: normalizeEmail(`${username}@example.com`),
        first_name: 'Fuzz',
        last_name: 'User',
        password_hash: this.passwordHash,
        about_me: '',
        phone,
        two_factor_enabled: withPhone ? 1 : 0,
        created_at: now,
        last_seen_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, username, phone };
  }

  /** Each identity has its own address, so per-IP throttling of one does not starve the rest. */
  private address(): string {
    return `10.${(this.counter >> 8) & 255}.${this.counter & 255}.${1 + (this.all.length % 250)}`;
  }

  private async page(id: Identity, url: string): Promise<string | null> {
    const res = await this.send(id, 'GET', url);
    return csrfIn(res.body);
  }

  private async send(id: Identity, method: 'GET' | 'POST', url: string, payload?: string) {
    const res = await this.app.inject({
      method,
      url,
      payload,
      remoteAddress: id.remoteAddress,
      headers: { cookie: cookieHeader(id.cookies), ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    storeCookies(id.cookies, res.headers['set-cookie']);
    return res;
  }
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
  const cookies = cookieHeader(id.cookies);
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

  let cookies = cookieHeader(id.cookies);
  switch (r.int(14)) {
    case 0: cookies = ''; break;
    case 1: cookies = `${cookies}; gatehouse_session=${randomToken(r, 43)}`; break;
    case 2: cookies = `gatehouse_session=${encodeOddly(r, weirdValue(r))}; gatehouse_csrf=${encodeOddly(r, weirdValue(r))}`; break;
    case 3: cookies = `${cookies}; gatehouse_flash=${encodeOddly(r, weirdValue(r))}`; break;
    case 4: cookies = `${cookies}; ${cookies}`; break;
    case 5: cookies = cookieHeader(other.cookies); break;
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

/** Route patterns as the app's router lists them (the tree printed by `printRoutes`). */
export function routePatterns(app: GatehouseApp): string[] {
  const found = new Set<string>(FIXED_PATHS);
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│]*)[└├]── (\S+)/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const segment = match[2]!;
    const parent = depth === 0 ? '' : stack[depth - 1]!;
    const path = depth === 0 ? segment : `${parent.endsWith('/') || segment.startsWith('/') ? parent : `${parent}/`}${segment}`;
    stack[depth] = path;
    stack.length = depth + 1;
    found.add(path);
  }
  return [...found].sort();
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
