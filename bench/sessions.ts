/**
 * Signed-in people, over HTTP to a spawned server: a cookie jar (the Set-Cookie and CSRF reading is the tests' own,
 * test/support/cookies.ts), form posts, sign-ins with fetch before a run, signed-in page runs, the sign-in storm
 * (GET + POST /login under autocannon) and the raw argon2id rate it is compared with.
 */
import { hash, verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { ARGON2_OPTIONS, HASH_QUEUE_MAX_WAIT_MS } from '../src/auth/password.js';
import { SEED_PASSWORD } from '../scripts/seed.js';
import { cookieHeaderOf, findCsrfToken, parseSetCookie } from '../test/support/cookies.js';
import { addCpu, cannon, fromResult, percentile, withCpuSplit, type CpuSplit, type Measured, type Site } from './load.js';
import { CONNECTIONS, DURATION_S, sleep, WARMUP_S } from './settings.js';

/** Each benchmark user comes from an address of its own (TRUST_PROXY=127.0.0.1 makes the server believe it). */
export function addressOf(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Keeps a response's Set-Cookie headers (autocannon gives a string or an array) in `jar`, as a browser does. */
export function cookiesFrom(setCookie: unknown, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const raw of [setCookie ?? []].flat() as string[]) {
    const { name, value, expired } = parseSetCookie(raw);
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
  return jar;
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const FORM = 'application/x-www-form-urlencoded';

/** A browser-like sign-in with fetch, outside the measured runs: returns the cookie jar and where it went. */
export async function signInWithFetch(site: Site, login: string, address: string): Promise<{ jar: Map<string, string>; location: string | null }> {
  const jar = new Map<string, string>();
  const page = await fetch(`${site.url}/login`, { headers: { ...site.headers, 'x-forwarded-for': address } });
  cookiesFrom(page.headers.getSetCookie(), jar);
  const token = findCsrfToken(await page.text());
  if (!token) throw new Error('GET /login has no CSRF token');
  const res = await fetch(`${site.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...site.headers, cookie: cookieHeaderOf(jar), 'content-type': FORM, 'x-forwarded-for': address },
    body: form({ _csrf: token, login, password: SEED_PASSWORD }),
  });
  await res.arrayBuffer();
  cookiesFrom(res.headers.getSetCookie(), jar);
  if (res.status !== 302) throw new Error(`sign-in of ${login} answered ${res.status}`);
  return { jar, location: res.headers.get('location') };
}

/** Signed-in cookie headers for `count` users (each its own session), for the page runs. */
export async function signedInSessions(site: Site, logins: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < logins.length; i++) out.push(cookieHeaderOf((await signInWithFetch(site, logins[i]!, addressOf(100_000 + i))).jar));
  return out;
}

/** Signed-in GETs of `pathFor(i)`, each request with the next session's cookie (autocannon's `requests`). */
export function signedInRequests(sessions: string[], pathFor: (i: number) => string): autocannon.Request[] {
  let i = 0;
  return [
    {
      method: 'GET',
      setupRequest: (request) => {
        i++;
        return { ...request, path: pathFor(i), headers: { ...request.headers, cookie: sessions[i % sessions.length]! } };
      },
    },
  ];
}

/** Signed-in GETs of `pathFor(i)`, each request with the next session's cookie. */
export async function signedInPage(site: Site, sessions: string[], pathFor: (i: number) => string): Promise<Measured> {
  return fromResult(await cannon({ url: site.url, headers: { ...site.headers }, requests: signedInRequests(sessions, pathFor) }));
}

export interface SignInRun {
  measured: Measured;
  /** Completed sign-ins (302 to /) per second and their GET+POST time. */
  signInsPerS: number;
  signIns: number;
  p50: number;
  p99: number;
  outcomes: Record<string, number>;
  /** Where the machine's CPU went during the run and its settling (with a server pid); idle: during the run only. */
  cpu: CpuSplit | null;
}

/**
 * The full sign-in, as a browser does it: GET /login (CSRF cookie + token), then POST /login. Users are
 * taken in turn from `loginFor`, so no account has two attempts in flight. `browserOf(n)`: the browser cookie (as
 * its Set-Cookie) the n-th sign-in's browser already has, a browser the account signed in from before; without
 * it every sign-in comes from a new browser, and its owner is sent the new-browser notice.
 */
export function signInRequests(
  loginFor: (n: number) => string,
  stats: { times: number[]; outcomes: Record<string, number> },
  browserOf: (n: number) => string | undefined = () => undefined,
): autocannon.Request[] {
  let next = 0;
  type Ctx = { n?: number; started?: number; jar?: Map<string, string>; token?: string | null };
  return [
    {
      method: 'GET',
      path: '/login',
      setupRequest: (request, context) => {
        const ctx = context as Ctx;
        ctx.n = next++;
        ctx.started = performance.now();
        ctx.jar = new Map();
        const browser = browserOf(ctx.n);
        if (browser !== undefined) cookiesFrom(browser, ctx.jar);
        const cookie = ctx.jar.size > 0 ? { cookie: cookieHeaderOf(ctx.jar) } : {};
        return { ...request, headers: { ...request.headers, ...cookie, 'x-forwarded-for': addressOf(ctx.n) } };
      },
      onResponse: (_status, body, context, headers) => {
        const ctx = context as Ctx;
        cookiesFrom(headers?.['set-cookie'], ctx.jar);
        ctx.token = findCsrfToken(body);
      },
    },
    {
      method: 'POST',
      path: '/login',
      setupRequest: (request, context) => {
        const ctx = context as Ctx;
        return {
          ...request,
          headers: { ...request.headers, cookie: cookieHeaderOf(ctx.jar ?? new Map<string, string>()), 'content-type': FORM, 'x-forwarded-for': addressOf(ctx.n ?? 0) },
          body: form({ _csrf: ctx.token ?? '', login: loginFor(ctx.n ?? 0), password: SEED_PASSWORD }),
        };
      },
      onResponse: (status, _body, context) => {
        const ctx = context as Ctx;
        stats.outcomes[status] = (stats.outcomes[status] ?? 0) + 1;
        if (status === 302 && ctx.started !== undefined) stats.times.push(performance.now() - ctx.started);
      },
    },
  ];
}

/**
 * autocannon ends a run with sign-ins still in flight, and the server finishes them (a hash, or a 503 after
 * HASH_QUEUE_MAX_WAIT_MS in the queue) holding those accounts' attempt slots. Waiting this long after a sign-in run
 * lets them end before the next run, which would otherwise find an account's slot taken (a 401) or share the CPU
 * with them.
 */
export const SIGN_INS_SETTLE_MS = HASH_QUEUE_MAX_WAIT_MS + 2_000;

/** A sign-in run whose POSTs did not all complete (302) measured something else: what to say of it, if anything. */
export function signInOutcomeProblems(what: string, outcomes: Record<string, number>): string[] {
  if (Object.keys(outcomes).every((code) => code === '302')) return [];
  const busy = outcomes['503'] ? `; 503 is the app's "hashing busy" answer: hashes waited over ${HASH_QUEUE_MAX_WAIT_MS / 1000} s for a slot, the machine is overloaded` : '';
  return [`${what} POST /login outcomes ${JSON.stringify(outcomes)} (only 302 is a success${busy})`];
}
export const settleAfterSignIns = () => sleep(SIGN_INS_SETTLE_MS);

export interface SignInStormOptions {
  duration?: number;
  /** See signInRequests. */
  browserOf?: (n: number) => string | undefined;
  /** The server's pid: where the machine's CPU went during the run and the settling after it (`cpu`). */
  pid?: number;
}

export async function signInStorm(site: Site, loginFor: (n: number) => string, { duration = DURATION_S, browserOf, pid }: SignInStormOptions = {}): Promise<SignInRun> {
  const options = { url: site.url, headers: { ...site.headers }, connections: CONNECTIONS };
  if (WARMUP_S > 0) {
    await autocannon({ ...options, duration: WARMUP_S, requests: signInRequests(loginFor, { times: [], outcomes: {} }, browserOf) });
    await settleAfterSignIns();
  }
  const stats = { times: [] as number[], outcomes: {} as Record<string, number> };
  const { result, cpu: during } = await withCpuSplit(pid, () => autocannon({ ...options, duration, requests: signInRequests(loginFor, stats, browserOf) }));
  // The settling counts too (the last sign-ins end, their notices are mailed), but not its idle time.
  const { cpu: settling } = await withCpuSplit(pid, settleAfterSignIns);
  const cpu = during && settling ? addCpu(during, settling) : null;
  const sorted = stats.times.sort((a, b) => a - b);
  return {
    measured: fromResult(result),
    signInsPerS: sorted.length / result.duration,
    signIns: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    outcomes: stats.outcomes,
    cpu: pid === undefined ? null : cpu,
  };
}

export interface RawHashRun {
  perS: number;
  p50: number;
  p99: number;
  /** This process's CPU time per verify: the hash, and the little the loop around it costs. */
  cpuMsPerVerify: number;
}

/** argon2id verify of one stored hash, CONNECTIONS at a time, in this process (libuv's pool, like the server). */
export async function rawArgon2(durationS: number): Promise<RawHashRun> {
  const stored = await hash(SEED_PASSWORD, ARGON2_OPTIONS);
  const run = async (seconds: number) => {
    const times: number[] = [];
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          if (!(await verify(stored, SEED_PASSWORD))) throw new Error('argon2 verify failed');
          times.push(performance.now() - t);
        }
      }),
    );
    return { times: times.sort((a, b) => a - b), elapsedS: (performance.now() - started) / 1000 };
  };
  if (WARMUP_S > 0) await run(WARMUP_S);
  const cpuBefore = process.cpuUsage();
  const { times, elapsedS } = await run(durationS);
  const cpu = process.cpuUsage(cpuBefore);
  return { perS: times.length / elapsedS, p50: percentile(times, 50), p99: percentile(times, 99), cpuMsPerVerify: (cpu.user + cpu.system) / 1000 / times.length };
}
