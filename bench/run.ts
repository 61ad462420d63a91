/**
 * `npm run bench`: where a request's time goes, measured in one run on this machine.
 *
 * Starts the real server (`node dist/server.js` with npm start's flags, compiled into a temp folder) as a child process on a
 * fresh SQLite database with seeded users, points its Twilio adapter at the Twilio Verify stand-in
 * (test/support/twilio-stand-in.ts), and drives it with autocannon from this process: 32 connections,
 * BENCH_DURATION seconds (default 10) after a short warm-up. It measures a bare Fastify hello-world
 * (the ceiling, its own process too), GET /login, signed-in GET /user/<name> and GET /, the full
 * sign-in (GET + POST /login) against the raw argon2id verify rate of this machine (same parameters,
 * same concurrency), the 2FA code check, and GET /login latency at a steady 100 req/s alone and while
 * a sign-in storm runs; the OpenID Connect provider's discovery and JWKS documents, code → token exchanges of a
 * signed-in person and refresh-token grants; plus the server's RSS idle and under load and its time from start
 * to first response; and forward-auth checks (`GET /api/authz/forward-auth` for a signed-in, allowed session, as a
 * reverse proxy asks them) on a server started with ACCESS_RULES_FILE. The table goes to stdout and to
 * bench/results/latest.md.
 *
 *     npm run bench                       # a few minutes
 *     BENCH_DURATION=1 npm run bench      # a smoke run
 *     npm run bench -- --large            # 1,000 vs 1,000,000 users (SQLite; PostgreSQL too with DATABASE_URL)
 *     npm run bench -- --forward-auth     # the ceiling and forward-auth only (bench/results/forward-auth.md)
 *     npm run bench -- --console-search   # the console's people search over a million accounts (bench/results/console-search.md)
 *     BENCH_CPU_PROF=/tmp/prof npm run bench -- --forward-auth   # and a CPU profile of the forward-auth server
 *
 * Rate limits: the server trusts X-Forwarded-For from 127.0.0.1 (TRUST_PROXY) and every benchmark user
 * signs in from an address of its own, as real users do, so the per-IP limits (code sends: 20 an hour
 * per IP) count each user separately; SMS_HOURLY_BUDGET is raised to its maximum. No limit is switched
 * off or changed in the app: successful sign-ins refund their per-IP point anyway, and two attempts on
 * one account are never in flight together (the per-account slot would refuse the second).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verify, hash } from '@node-rs/argon2';
import autocannon from 'autocannon';
import pg from 'pg';
import { pwnedPasswordsOff } from '../src/adapters/pwned-passwords/off.js';
import { addApp } from '../src/admin/app-commands.js';
import { ARGON2_OPTIONS } from '../src/auth/password.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { systemClock } from '../src/lib/duration.js';
import { SEED_PASSWORD, seedPhone, seedTwoFactorUsername, seedUsername, seedUsers } from '../scripts/seed.js';
import { TwilioStandIn } from '../test/support/twilio-stand-in.js';
import { SEARCH_P99_TARGET_MS, searchBench, searchMarkdown, sqliteSearchBench } from './console-search.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---- Fixed settings (the issue's): 32 connections, 10 s after a warm-up ----
const CONNECTIONS = 32;
const DURATION_S = positive(process.env.BENCH_DURATION, 10);
/** Node's flags from `npm start` (package.json), so the bench runs the server exactly as it is started. */
const START_FLAGS = startFlags();
const START_COMMAND = ['node', ...START_FLAGS, 'dist/server.js'].join(' ');
const WARMUP_S = positive(process.env.BENCH_WARMUP, Math.min(2, DURATION_S));
/** Seeded ordinary users (the default bench); sign-ins and profile views spread over them. */
const USERS = 1_000;
/** Pending 2FA sign-ins prepared for the code check (each check consumes one), per 10 s of DURATION. */
const TWO_FACTOR_CHECKS_PER_10S = 2_000;
/** The steady visitor traffic whose latency is watched alone and during the sign-in storm. */
const PROBE_RATE = 100;
const PROBE_CONNECTIONS = 4;
/** Browsers signed in to the bench's app (twice the connections: one is always free to check out). */
const OIDC_BROWSERS = CONNECTIONS * 2;

// ---- The issue's targets ----
const TARGETS = {
  loginOfCeiling: 0.4,
  profileOfCeiling: 0.25,
  signInOfRawHash: 0.9,
  loginP99DuringStormMs: 50,
  idleRssMb: 80,
  startMs: 1000,
  largeOverSmall: 1.2,
  forwardAuthOfCeiling: 0.3,
  forwardAuthP99Ms: 5,
};

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

const log = (message: string) => console.log(`[bench] ${message}`);

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface Child {
  process: ChildProcess;
  url: string;
  /** From spawn() to the first HTTP answer. */
  startMs: number;
  output: () => string;
  stop(): Promise<void>;
}

/** Spawns `node args…` and waits until GET `readyPath` answers; times that. */
async function spawnServer(args: string[], env: Record<string, string>, cwd: string, readyPath: string): Promise<Child> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the server exited before answering:\n${output}`);
    try {
      const res = await fetch(url + readyPath, { redirect: 'manual' });
      await res.arrayBuffer();
      break;
    } catch {
      if (performance.now() - started > 30_000) throw new Error(`the server did not answer within 30 s:\n${output}`);
      await sleep(5);
    }
  }
  const startMs = performance.now() - started;
  return {
    process: child,
    url,
    startMs,
    output: () => output,
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

function startFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/server\.js$/.exec(start);
  if (!match) throw new Error(`package.json's start script is not "node [--flags] dist/server.js": ${start}`);
  return match[1]!.trim().split(' ').filter(Boolean);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Resident set size of a process, from /proc (Linux); null elsewhere. */
function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Busy CPU time of the whole machine, and of this process and `pids`, in clock ticks (/proc, Linux). */
function cpuTicks(pids: Array<number | undefined>): { machine: number; ours: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy (steal = the host's other guests).
    const machine = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    let ours = 0;
    for (const pid of [process.pid, ...pids]) {
      if (pid === undefined) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ours += Number(after[11]) + Number(after[12]); // utime, stime
    }
    return { machine, ours };
  } catch {
    return null;
  }
}

/** Ticks per second of /proc's counters (USER_HZ; 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU time one process has used (user + system), in ms; null where /proc is not there. */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(after[11]) + Number(after[12])) * 1000) / TICKS_PER_S;
  } catch {
    return null;
  }
}

/**
 * A run (after its warm-up) with the CPU time the server spent per answered request: unlike req/s, it hardly
 * moves when other work shares the machine, so the ratio of two servers' figures says what their rates would be
 * on an idle one.
 */
async function cannonWithCpu(options: autocannon.Options, pid: number | undefined): Promise<{ result: autocannon.Result; cpuUsPerRequest: number | null }> {
  if (WARMUP_S > 0) await autocannon({ connections: CONNECTIONS, ...options, duration: WARMUP_S });
  const before = processCpuMs(pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  const after = processCpuMs(pid);
  const cpuUsPerRequest = before === null || after === null || result.requests.total === 0 ? null : ((after - before) * 1000) / result.requests.total;
  return { result, cpuUsPerRequest };
}

/**
 * Runs `work` and tells what share of the machine's CPU capacity went to other processes meanwhile
 * (other engineers' tests, the host's other guests): the bench's figures are only comparable when it is small.
 */
async function withOthersCpu<T>(pids: Array<number | undefined>, work: () => Promise<T>): Promise<{ result: T; othersShare: number | null }> {
  const before = cpuTicks(pids);
  const started = performance.now();
  const result = await work();
  const after = cpuTicks(pids);
  const seconds = (performance.now() - started) / 1000;
  if (!before || !after) return { result, othersShare: null };
  const others = after.machine - before.machine - (after.ours - before.ours);
  return { result, othersShare: Math.max(0, others) / (seconds * TICKS_PER_S * os.cpus().length) };
}

/** Samples a process's RSS every 100 ms while `work` runs; returns the work's result and the peak. */
async function withPeakRss<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; peakMb: number | null }> {
  let peak: number | null = rssMb(pid);
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, 100);
  try {
    return { result: await work(), peakMb: peak };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Compiles the app as `npm run build` does, into a temp folder beside links to public/, src/ (the
 * password blocklist) and node_modules/, so the server runs as `npm start` runs it without touching dist/.
 */
function buildServer(dir: string): string {
  const out = join(dir, 'build');
  mkdirSync(out, { recursive: true });
  for (const name of ['public', 'src', 'node_modules']) symlinkSync(join(ROOT, name), join(out, name));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(out, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const server = join(out, 'dist', 'server.js');
  if (!existsSync(server)) throw new Error(`compiling the app failed:\n${tsc.stdout}${tsc.stderr}`);
  if (tsc.status !== 0) log(`warning: tsc reported errors (the app was still emitted):\n${tsc.stdout.slice(0, 2000)}`);
  return server;
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** e.g. "62% of ceiling". */
  ratio: string;
  target: string;
  met: boolean | null;
  note?: string;
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function statusesOf(result: autocannon.Result): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) out[code] = stat.count ?? 0;
  return out;
}

/** One autocannon run: warm-up (discarded) then the measured run. */
async function cannon(options: autocannon.Options, warmup = true): Promise<autocannon.Result> {
  if (warmup && WARMUP_S > 0) await autocannon({ connections: CONNECTIONS, ...options, duration: WARMUP_S });
  return autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
}

function fromResult(result: autocannon.Result): Measured {
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses: statusesOf(result),
    errors: result.errors + result.timeouts,
  };
}

/** Each benchmark user comes from an address of its own (TRUST_PROXY=127.0.0.1 makes the server believe it). */
function addressOf(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** `name=value; …` from Set-Cookie headers (autocannon gives a string or an array). */
function cookiesFrom(setCookie: unknown, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const raw of [setCookie ?? []].flat() as string[]) {
    const pair = raw.split(';')[0]!;
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(raw)) jar.delete(name);
    else jar.set(name, value);
  }
  return jar;
}

const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

function csrfTokenIn(body: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? null;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

/** A browser-like sign-in with fetch, outside the measured runs: returns the cookie jar and where it went. */
async function signInWithFetch(url: string, login: string, address: string): Promise<{ jar: Map<string, string>; location: string | null }> {
  const jar = new Map<string, string>();
  const page = await fetch(`${url}/login`, { headers: { 'x-forwarded-for': address } });
  cookiesFrom(page.headers.getSetCookie(), jar);
  const token = csrfTokenIn(await page.text());
  if (!token) throw new Error('GET /login has no CSRF token');
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar), 'content-type': FORM, 'x-forwarded-for': address },
    body: form({ _csrf: token, login, password: SEED_PASSWORD }),
  });
  await res.arrayBuffer();
  cookiesFrom(res.headers.getSetCookie(), jar);
  if (res.status !== 302) throw new Error(`sign-in of ${login} answered ${res.status}`);
  return { jar, location: res.headers.get('location') };
}

/** Signed-in cookie headers for `count` users (each its own session), for the page runs. */
async function signedInSessions(url: string, logins: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < logins.length; i++) out.push(cookieHeader((await signInWithFetch(url, logins[i]!, addressOf(100_000 + i))).jar));
  return out;
}

/** Signed-in GETs of `pathFor(i)`, each request with the next session's cookie. */
async function signedInPage(url: string, sessions: string[], pathFor: (i: number) => string): Promise<Measured> {
  let i = 0;
  const result = await cannon({
    url,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          i++;
          return { ...request, path: pathFor(i), headers: { ...request.headers, cookie: sessions[i % sessions.length]! } };
        },
      },
    ],
  });
  return fromResult(result);
}


/** The rules the forward-auth server runs with: one app, one factor. */
const FORWARD_AUTH_RULES = 'default_policy: deny\nrules:\n  - domain: app.bench.test\n    policy: one_factor\n';
const FORWARD_AUTH_HEADERS = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.bench.test', 'x-forwarded-uri': '/notes?page=2' };

/**
 * Forward-auth checks per second: a server of its own (the same build and database, plus ACCESS_RULES_FILE,
 * COOKIE_DOMAIN and an APP_URL under it), 32 signed-in sessions, and `GET /api/authz/forward-auth` with the
 * headers Traefik or Caddy send, each request with the next session's cookie. Every answer must be a 200.
 */
async function forwardAuthChecks(
  serverJs: string,
  serverDir: string,
  env: Record<string, string>,
  dir: string,
): Promise<{ measured: Measured; othersShare: number | null; cpuUsPerRequest: number | null }> {
  const rulesFile = join(dir, 'access-rules.yml');
  writeFileSync(rulesFile, FORWARD_AUTH_RULES);
  // BENCH_CPU_PROF=<folder>: a V8 CPU profile of the forward-auth server, written when it stops (open it in Chrome's
  // DevTools or speedscope). Sampling costs CPU too: the run's figures are then not comparable with others.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const server = await spawnServer(
    [...START_FLAGS, ...profile, serverJs],
    { ...env, APP_URL: 'http://auth.bench.test', COOKIE_DOMAIN: 'bench.test', ACCESS_RULES_FILE: rulesFile },
    serverDir,
    '/login',
  );
  try {
    const sessions = await signedInSessions(server.url, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(i + 1)));
    let i = 0;
    const { result, othersShare } = await withOthersCpu([server.process.pid], () =>
      cannonWithCpu(
        {
          url: `${server.url}/api/authz/forward-auth`,
          requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...FORWARD_AUTH_HEADERS, cookie: sessions[i++ % sessions.length]! } }) }],
        },
        server.process.pid,
      ),
    );
    return { measured: fromResult(result.result), othersShare, cpuUsPerRequest: result.cpuUsPerRequest };
  } finally {
    await server.stop();
  }
}

function forwardAuthRow(fwd: Measured, ceiling: Measured): Row {
  const share = fwd.rps / ceiling.rps;
  return {
    name: 'forward-auth check (`GET /api/authz/forward-auth`, signed in, allowed)',
    rps: fwd.rps,
    p50: fwd.p50,
    p99: fwd.p99,
    ratio: `${pct(share)} of ceiling`,
    target: `≥ ${pct(TARGETS.forwardAuthOfCeiling)}, p99 ≤ ${TARGETS.forwardAuthP99Ms} ms`,
    met: share >= TARGETS.forwardAuthOfCeiling && fwd.p99 <= TARGETS.forwardAuthP99Ms,
  };
}

function forwardAuthProblems(fwd: Measured): string[] {
  const bad = Object.entries(fwd.statuses).filter(([code]) => code !== '200');
  return [
    ...(bad.length > 0 ? [`forward-auth checks answered ${bad.map(([c, n]) => `${n}× ${c}`).join(', ')} (expected only 200)`] : []),
    ...(fwd.errors > 0 ? [`forward-auth checks: ${fwd.errors} connection errors`] : []),
  ];
}

const FORWARD_AUTH_HOW =
  '- Forward-auth: a second server process (same build and database) with `ACCESS_RULES_FILE` (one `one_factor` rule), `COOKIE_DOMAIN` and `TRUST_PROXY=127.0.0.1`; 32 signed-in sessions; each `GET /api/authz/forward-auth` carries the `X-Forwarded-*` headers Traefik or Caddy send and the next session\'s cookie; every answer a 200 with the `Remote-*` headers, no write. On SQLite a check reads the session, account and groups with one query and keeps what it found until the database changes (any write, from any process: decision 018), so in this run each session is read once and later checks cost a pragma instead; on PostgreSQL, and after any write, a check runs the query (on this machine about 41 µs of CPU per check instead of 23, 24% of the ceiling).';

interface SignInRun {
  measured: Measured;
  /** Completed sign-ins (302 to /) per second and their GET+POST time. */
  signInsPerS: number;
  p50: number;
  p99: number;
  outcomes: Record<string, number>;
}

/**
 * The full sign-in, as a browser does it: GET /login (CSRF cookie + token), then POST /login. Users are
 * taken in turn from `loginFor`, so no account has two attempts in flight.
 */
function signInRequests(loginFor: (n: number) => string, stats: { times: number[]; outcomes: Record<string, number> }): autocannon.Request[] {
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
        return { ...request, headers: { ...request.headers, 'x-forwarded-for': addressOf(ctx.n) } };
      },
      onResponse: (_status, body, context, headers) => {
        const ctx = context as Ctx;
        ctx.jar = cookiesFrom(headers?.['set-cookie']);
        ctx.token = csrfTokenIn(body);
      },
    },
    {
      method: 'POST',
      path: '/login',
      setupRequest: (request, context) => {
        const ctx = context as Ctx;
        return {
          ...request,
          headers: { ...request.headers, cookie: cookieHeader(ctx.jar ?? new Map<string, string>()), 'content-type': FORM, 'x-forwarded-for': addressOf(ctx.n ?? 0) },
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

async function signInStorm(url: string, loginFor: (n: number) => string, duration = DURATION_S): Promise<SignInRun> {
  if (WARMUP_S > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: signInRequests(loginFor, { times: [], outcomes: {} }) });
  const stats = { times: [] as number[], outcomes: {} as Record<string, number> };
  const result = await autocannon({ url, connections: CONNECTIONS, duration, requests: signInRequests(loginFor, stats) });
  const sorted = stats.times.sort((a, b) => a - b);
  return {
    measured: fromResult(result),
    signInsPerS: sorted.length / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    outcomes: stats.outcomes,
  };
}

/** argon2id verify of one stored hash, CONNECTIONS at a time, in this process (libuv's pool, like the server). */
async function rawArgon2(durationS: number): Promise<{ perS: number; p50: number; p99: number }> {
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
  const { times, elapsedS } = await run(durationS);
  return { perS: times.length / elapsedS, p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** GET /login at a steady PROBE_RATE req/s: what a visitor waits. */
function probeLogin(url: string, duration = DURATION_S): Promise<autocannon.Result> {
  return autocannon({ url: `${url}/login`, connections: PROBE_CONNECTIONS, overallRate: PROBE_RATE, duration });
}

interface PendingSignIn {
  cookie: string;
  token: string;
  code: string;
  address: string;
}

/** Signs `count` two-factor users in up to the code page (each costs a hash and a code send). */
async function preparePendingSignIns(url: string, standIn: TwilioStandIn, count: number): Promise<PendingSignIn[]> {
  const out: PendingSignIn[] = [];
  let next = 1;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next <= count) {
        const i = next++;
        const address = addressOf(200_000 + i);
        const { jar, location } = await signInWithFetch(url, seedTwoFactorUsername(i), address);
        if (location !== '/login/two-factor') throw new Error(`tfa${i} went to ${location} instead of the code page`);
        const page = await fetch(`${url}/login/two-factor`, { headers: { cookie: cookieHeader(jar), 'x-forwarded-for': address } });
        cookiesFrom(page.headers.getSetCookie(), jar);
        const token = csrfTokenIn(await page.text());
        if (!token) throw new Error('the code page has no CSRF token');
        out.push({ cookie: cookieHeader(jar), token, code: standIn.codeFor(seedPhone(i)), address });
      }
    }),
  );
  return out;
}

/** POST /login/two-factor with the right code, each request consuming one prepared pending sign-in. */
async function codeChecks(url: string, pending: PendingSignIn[]): Promise<Measured> {
  const queue = [...pending];
  const outcomes: Record<string, number> = {};
  const requests = (): autocannon.Request[] => [
    {
      method: 'POST',
      path: '/login/two-factor',
      setupRequest: (request) => {
        const p = queue.pop();
        if (!p) return { ...request, method: 'GET', path: '/login', body: '' }; // never reached: `amount` stops first
        return { ...request, headers: { ...request.headers, cookie: p.cookie, 'content-type': FORM, 'x-forwarded-for': p.address }, body: form({ _csrf: p.token, code: p.code }) };
      },
      onResponse: (status) => {
        outcomes[status] = (outcomes[status] ?? 0) + 1;
      },
    },
  ];
  // The first tenth warms up (autocannon wants at least one request per connection).
  const warm = Math.max(CONNECTIONS, Math.floor(pending.length / 10));
  if (pending.length >= warm + CONNECTIONS) await autocannon({ url, connections: CONNECTIONS, amount: warm, requests: requests() });
  for (const k of Object.keys(outcomes)) delete outcomes[k];
  const result = await autocannon({ url, connections: CONNECTIONS, amount: queue.length, requests: requests() });
  return { ...fromResult(result), statuses: outcomes };
}

// ---------------------------------------------------------------------------------------------
// The OpenID Connect provider (issue #13)
// ---------------------------------------------------------------------------------------------

/** The bench's app: first-party (no consent page), confidential, redirect URI on the loopback address. */
const OIDC_REDIRECT_URI = 'http://127.0.0.1/callback';
/**
 * One PKCE pair for every request: the server hashes the verifier each time all the same; fresh randomness per
 * request would only cost the load generator.
 */
const PKCE_VERIFIER = 'bench-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
const PKCE_CHALLENGE = createHash('sha256').update(PKCE_VERIFIER).digest('base64url');

interface OidcBenchApp {
  clientId: string;
  /** `Basic …` for the token endpoint. */
  authorization: string;
}

/** Registers the app with the admin CLI's own command, in this process, on the seeded database. */
async function registerOidcApp(databaseUrl: string, dataDir: string): Promise<OidcBenchApp> {
  const handle = openDatabase(databaseUrl);
  try {
    const config = loadConfig(serverEnv(databaseUrl, null), { envFile: null, dataDir });
    const lines: string[] = [];
    const ctx = { db: handle.db, config, clock: systemClock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line: string) => lines.push(line) } };
    const result = await addApp(ctx, {
      name: 'Bench',
      kind: 'web',
      redirectUris: [OIDC_REDIRECT_URI],
      postLogoutRedirectUris: [],
      backchannelLogoutUri: null,
      firstParty: true,
      requirement: 'none',
      idTokenAlg: 'ES256',
      json: true,
    });
    if (!result.ok) throw new Error(`apps add failed: ${result.problem}`);
    const { client_id: clientId, client_secret: secret } = JSON.parse(lines[0]!) as { client_id: string; client_secret: string };
    return { clientId, authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` };
  } finally {
    await handle.destroy();
  }
}

function authorizationPath(app: OidcBenchApp, scope: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: OIDC_REDIRECT_URI,
    scope,
    code_challenge: PKCE_CHALLENGE,
    code_challenge_method: 'S256',
    state: 'bench-state',
    nonce: 'bench-nonce',
    ...extra,
  });
  return `/oidc/auth?${params.toString()}`;
}

/** A response header from autocannon's headers object, whatever the case of its name. */
function headerOf(headers: Record<string, string | string[] | undefined> | undefined, name: string): string | string[] | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The code in a redirect to the app, or null (an error, or not yet at the app). */
function codeIn(location: string | undefined | null): string | null {
  if (!location?.startsWith(OIDC_REDIRECT_URI)) return null;
  return new URL(location).searchParams.get('code');
}

/** Follows the provider's redirects as a signed-in browser (the cookie jar), from the authorization request to the code. */
async function codeWithFetch(url: string, jar: Map<string, string>, app: OidcBenchApp, scope: string, extra: Record<string, string> = {}): Promise<{ code: string; hops: number }> {
  let path = authorizationPath(app, scope, extra);
  for (let hop = 1; hop <= 8; hop++) {
    const res = await fetch(url + path, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
    await res.arrayBuffer();
    cookiesFrom(res.headers.getSetCookie(), jar);
    const location = res.headers.get('location');
    if (!location) throw new Error(`${path} answered ${res.status} without a redirect`);
    if (location.startsWith(OIDC_REDIRECT_URI)) {
      const code = codeIn(location);
      if (!code) throw new Error(`the app was sent back without a code: ${location}`);
      return { code, hops: hop };
    }
    const next = new URL(location, url);
    path = next.pathname + next.search;
  }
  throw new Error('more than 8 redirects between the authorization request and the app');
}

async function redeemCode(url: string, app: OidcBenchApp, code: string): Promise<{ refresh_token?: string; id_token?: string }> {
  const res = await fetch(`${url}/oidc/token`, {
    method: 'POST',
    headers: { authorization: app.authorization, 'content-type': FORM },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: OIDC_REDIRECT_URI, code_verifier: PKCE_VERIFIER }),
  });
  const body = (await res.json()) as { refresh_token?: string; id_token?: string; error?: string };
  if (res.status !== 200 || !body.id_token) throw new Error(`the token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * Signed-in browsers that have been through one sign-in to the app already (the provider's session and the
 * grant exist): from then on an authorization request is answered at once with a redirect carrying the code.
 */
async function oidcBrowsers(url: string, app: OidcBenchApp, logins: string[]): Promise<Map<string, string>[]> {
  const jars: Map<string, string>[] = [];
  for (let i = 0; i < logins.length; i++) {
    const { jar } = await signInWithFetch(url, logins[i]!, addressOf(300_000 + i));
    await redeemCode(url, app, (await codeWithFetch(url, jar, app, 'openid')).code);
    const again = await codeWithFetch(url, jar, app, 'openid');
    if (again.hops !== 1) throw new Error(`a signed-in browser's second authorization request took ${again.hops} hops, not 1`);
    jars.push(jar);
  }
  return jars;
}

/** Refresh tokens, one chain per signed-in browser, each asked for with `offline_access` (and `prompt=consent`). */
async function refreshChains(url: string, app: OidcBenchApp, browsers: Map<string, string>[]): Promise<string[]> {
  const tokens: string[] = [];
  for (const jar of browsers) {
    const { code } = await codeWithFetch(url, jar, app, 'openid offline_access', { prompt: 'consent' });
    const { refresh_token: refreshToken } = await redeemCode(url, app, code);
    if (!refreshToken) throw new Error('no refresh token for offline_access');
    tokens.push(refreshToken);
  }
  return tokens;
}

interface ExchangeRun {
  measured: Measured;
  /** Completed exchanges (a 200 from the token endpoint with the code) per second, and their time. */
  perS: number;
  p50: number;
  p99: number;
  outcomes: Record<string, number>;
}

/**
 * The app's whole part of a sign-in, for a person already signed in: `GET /oidc/auth` (the provider checks the
 * Gatehouse session, finds the grant, stores a code; 303 to the app), then `POST /oidc/token` (client
 * authentication, the code consumed atomically, PKCE, an ES256 ID token signed, the access token stored).
 * Browsers are checked out of a pool for each pair, so one browser never has two requests in flight.
 */
async function codeExchanges(url: string, app: OidcBenchApp, browsers: Map<string, string>[]): Promise<ExchangeRun> {
  const free = [...browsers];
  const requests = (stats: { times: number[]; outcomes: Record<string, number> }): autocannon.Request[] => {
    type Ctx = { jar?: Map<string, string>; code?: string | null; started?: number };
    return [
      {
        method: 'GET',
        path: authorizationPath(app, 'openid'),
        setupRequest: (request, context) => {
          const ctx = context as Ctx;
          ctx.jar = free.pop() ?? browsers[0]!;
          ctx.started = performance.now();
          return { ...request, headers: { ...request.headers, cookie: cookieHeader(ctx.jar) } };
        },
        onResponse: (_status, _body, context, headers) => {
          const ctx = context as Ctx;
          // Koa writes `Location` and `Set-Cookie` as it names them; autocannon keeps the names as sent.
          cookiesFrom(headerOf(headers, 'set-cookie'), ctx.jar);
          const location = headerOf(headers, 'location');
          ctx.code = codeIn(typeof location === 'string' ? location : undefined);
        },
      },
      {
        method: 'POST',
        path: '/oidc/token',
        setupRequest: (request, context) => {
          const ctx = context as Ctx;
          return {
            ...request,
            headers: { ...request.headers, authorization: app.authorization, 'content-type': FORM },
            body: form({ grant_type: 'authorization_code', code: ctx.code ?? 'no-code', redirect_uri: OIDC_REDIRECT_URI, code_verifier: PKCE_VERIFIER }),
          };
        },
        onResponse: (status, _body, context) => {
          const ctx = context as Ctx;
          stats.outcomes[status] = (stats.outcomes[status] ?? 0) + 1;
          if (status === 200 && ctx.started !== undefined) stats.times.push(performance.now() - ctx.started);
          if (ctx.jar) free.push(ctx.jar);
        },
      },
    ];
  };
  if (WARMUP_S > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: requests({ times: [], outcomes: {} }) });
  const stats = { times: [] as number[], outcomes: {} as Record<string, number> };
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests: requests(stats) });
  const sorted = stats.times.sort((a, b) => a - b);
  return { measured: fromResult(result), perS: sorted.length / result.duration, p50: percentile(sorted, 50), p99: percentile(sorted, 99), outcomes: stats.outcomes };
}

/**
 * `POST /oidc/token` with `grant_type=refresh_token`: the token endpoint alone, as an app renewing its access
 * token does it. Each grant rotates the chain (the old refresh token consumed, a new one stored with a new access
 * token and an ES256 ID token); chains are checked out of a pool, so a refresh token is never sent twice.
 */
async function refreshGrants(url: string, app: OidcBenchApp, chains: string[]): Promise<Measured> {
  const free = [...chains];
  const outcomes: Record<string, number> = {};
  const requests = (): autocannon.Request[] => {
    type Ctx = { token?: string };
    return [
      {
        method: 'POST',
        path: '/oidc/token',
        setupRequest: (request, context) => {
          const ctx = context as Ctx;
          ctx.token = free.pop() ?? 'pool-empty';
          return { ...request, headers: { ...request.headers, authorization: app.authorization, 'content-type': FORM }, body: form({ grant_type: 'refresh_token', refresh_token: ctx.token }) };
        },
        onResponse: (status, body) => {
          outcomes[status] = (outcomes[status] ?? 0) + 1;
          if (status !== 200) return; // the chain is spent: the pool has twice as many as connections
          const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
          if (next) free.push(next);
        },
      },
    ];
  };
  if (WARMUP_S > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: requests() });
  for (const k of Object.keys(outcomes)) delete outcomes[k];
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests: requests() });
  return { ...fromResult(result), statuses: outcomes };
}

// ---------------------------------------------------------------------------------------------
// The default bench
// ---------------------------------------------------------------------------------------------

interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
  date: string;
  loadBefore: string;
  loadAfter?: string;
}

function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadBefore: os.loadavg().map((l) => l.toFixed(2)).join(', '),
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
/** Milliseconds: autocannon's are whole numbers, the bench's own timings get one decimal below 100. */
const ms = (n: number) => (Number.isInteger(n) || n >= 100 ? fmt(n) : fmt(n, 1));
const pct = (n: number) => `${Math.round(n * 100)}%`;
const mark = (met: boolean | null) => (met === null ? '' : met ? '✅ met' : '❌ not met');

function serverEnv(databaseUrl: string, standIn: TwilioStandIn | null): Record<string, string> {
  return {
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    SECRET_KEY: 'bench-secret-key-bench-secret-key-bench-secret-key',
    // Request logs off: at info pino writes two lines per request; the ceiling logs nothing either.
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    TRUST_PROXY: '127.0.0.1',
    SMS_HOURLY_BUDGET: '1000000',
    // To try another bound on parallel hashes: HASH_CONCURRENCY=4 npm run bench (default: the app's own).
    ...(process.env.HASH_CONCURRENCY ? { HASH_CONCURRENCY: process.env.HASH_CONCURRENCY } : {}),
    ...(standIn ? standIn.env() : {}),
  };
}

async function defaultBench(): Promise<void> {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore}`);
  log(`${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up`);
  const dir = mkdtempSync(join(os.tmpdir(), 'gatehouse-bench-'));
  const children: Child[] = [];
  let standIn: TwilioStandIn | null = null;
  try {
    log('compiling the server (tsc, as npm run build)…');
    const serverJs = buildServer(dir);

    const twoFactorCount = Math.max(CONNECTIONS * 4, Math.round((TWO_FACTOR_CHECKS_PER_10S * DURATION_S) / 10));
    const databaseUrl = `sqlite:${join(dir, 'bench.db')}`;
    log(`seeding ${USERS} users + ${twoFactorCount} with SMS two-factor (one precomputed hash)…`);
    const handle = openDatabase(databaseUrl);
    try {
      await seedUsers(handle, { users: USERS, twoFactorUsers: twoFactorCount });
    } finally {
      await handle.destroy();
    }

    const oidcApp = await registerOidcApp(databaseUrl, dir);

    standIn = await TwilioStandIn.start();
    const env = serverEnv(databaseUrl, standIn);
    const serverDir = join(dir, 'build');

    // Start to first response: three starts of the real server on the seeded database; the median counts.
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const child = await spawnServer([...START_FLAGS, serverJs], env, serverDir, '/login');
      starts.push(child.startMs);
      await child.stop();
    }
    const startMs = [...starts].sort((a, b) => a - b)[1]!;
    log(`start to first response: ${starts.map((s) => s.toFixed(0)).join(', ')} ms`);

    // The ceiling.
    log('hello-world (the ceiling)…');
    const others: Array<{ label: string; share: number | null }> = [];
    const runCeiling = async (label: string) => {
      const hello = await spawnServer(['--import', 'tsx', join(ROOT, 'bench', 'hello-world.ts')], { NODE_ENV: 'production' }, ROOT, '/');
      children.push(hello);
      const { result, othersShare } = await withOthersCpu([hello.process.pid], async () => fromResult(await cannon({ url: hello.url })));
      others.push({ label, share: othersShare });
      await hello.stop();
      log(`  ${fmt(result.rps)} req/s`);
      return result;
    };
    const ceilingFirst = await runCeiling('hello-world (first)');

    const server = await spawnServer([...START_FLAGS, serverJs], env, serverDir, '/login');
    children.push(server);
    const pid = server.process.pid;
    await sleep(1000);
    const idleRss = rssMb(pid);
    log(`server up; RSS idle ${fmt(idleRss ?? NaN, 1)} MB`);
    const peaks: Array<number | null> = [];
    const measure = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
      log(`${label}…`);
      const { result: inner, othersShare } = await withOthersCpu([pid], () => withPeakRss(pid, work));
      peaks.push(inner.peakMb);
      others.push({ label, share: othersShare });
      return inner.result;
    };

    const login = await measure('GET /login', async () => fromResult(await cannon({ url: `${server.url}/login` })));
    log(`  ${fmt(login.rps)} req/s`);

    const sessions = await signedInSessions(server.url, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(i + 1)));
    const profile = await measure('signed-in GET /user/<name>', () => signedInPage(server.url, sessions, (i) => `/user/${seedUsername(1 + ((i * 7919) % USERS))}`));
    log(`  ${fmt(profile.rps)} req/s`);
    const home = await measure('signed-in GET /', () => signedInPage(server.url, sessions, () => '/'));
    log(`  ${fmt(home.rps)} req/s`);

    log('raw argon2id verify in this process…');
    const rawRuns = [await measure('raw argon2id (first)', () => rawArgon2(DURATION_S))];
    log(`  ${fmt(rawRuns[0]!.perS, 1)} verifies/s`);

    const signIns = await measure('full sign-in (GET + POST /login)', () => signInStorm(server.url, (n) => seedUsername(1 + (n % USERS))));
    log(`  ${fmt(signIns.signInsPerS, 1)} sign-ins/s; POST outcomes ${JSON.stringify(signIns.outcomes)}`);
    log("raw argon2id verify again (the machine's speed may drift)…");
    rawRuns.push(await measure('raw argon2id (second)', () => rawArgon2(DURATION_S)));
    log(`  ${fmt(rawRuns[1]!.perS, 1)} verifies/s`);
    const raw = { perS: (rawRuns[0]!.perS + rawRuns[1]!.perS) / 2, p50: (rawRuns[0]!.p50 + rawRuns[1]!.p50) / 2, p99: (rawRuns[0]!.p99 + rawRuns[1]!.p99) / 2 };

    const probeAlone = await measure(`GET /login at ${PROBE_RATE} req/s, alone`, async () => fromResult(await probeLogin(server.url)));
    const storm = await measure(`GET /login at ${PROBE_RATE} req/s during a sign-in storm`, async () => {
      const stats = { times: [] as number[], outcomes: {} as Record<string, number> };
      const [probe, stormRun] = await Promise.all([
        probeLogin(server.url),
        autocannon({ url: server.url, connections: CONNECTIONS, duration: DURATION_S, requests: signInRequests((n) => seedUsername(1 + ((n + 500) % USERS)), stats) }),
      ]);
      return { probe: fromResult(probe), signInsPerS: (stats.outcomes['302'] ?? 0) / stormRun.duration };
    });
    log(`  p99 ${storm.probe.p99} ms (alone: ${probeAlone.p99} ms)`);

    // The identity provider: its two public documents, then the token endpoint two ways.
    const discovery = await measure('GET /oidc/.well-known/openid-configuration', async () => fromResult(await cannon({ url: `${server.url}/oidc/.well-known/openid-configuration` })));
    log(`  ${fmt(discovery.rps)} req/s`);
    const jwks = await measure('GET /oidc/jwks', async () => fromResult(await cannon({ url: `${server.url}/oidc/jwks` })));
    log(`  ${fmt(jwks.rps)} req/s`);
    log(`signing ${OIDC_BROWSERS} browsers in to the bench app…`);
    const browsers = await oidcBrowsers(server.url, oidcApp, Array.from({ length: OIDC_BROWSERS }, (_, i) => seedUsername(101 + i)));
    const exchanges = await measure('code → token exchange (GET /oidc/auth + POST /oidc/token)', () => codeExchanges(server.url, oidcApp, browsers));
    log(`  ${fmt(exchanges.perS, 1)} exchanges/s; token outcomes ${JSON.stringify(exchanges.outcomes)}`);
    const chains = await refreshChains(server.url, oidcApp, browsers);
    const refreshes = await measure('refresh-token grant (POST /oidc/token)', () => refreshGrants(server.url, oidcApp, chains));
    log(`  ${fmt(refreshes.rps)} req/s; outcomes ${JSON.stringify(refreshes.statuses)}`);

    log(`preparing ${twoFactorCount} pending two-factor sign-ins…`);
    const pending = await preparePendingSignIns(server.url, standIn, twoFactorCount);
    const codes = await measure('2FA code check (POST /login/two-factor)', () => codeChecks(server.url, pending));
    log(`  ${fmt(codes.rps)} req/s; outcomes ${JSON.stringify(codes.statuses)}`);

    const peakRss = Math.max(...peaks.map((p) => p ?? 0));
    await server.stop();
    log('forward-auth checks (a server with ACCESS_RULES_FILE)…');
    const fwd = await forwardAuthChecks(serverJs, serverDir, env, dir);
    others.push({ label: 'forward-auth checks', share: fwd.othersShare });
    log(`  ${fmt(fwd.measured.rps)} req/s, p99 ${fwd.measured.p99} ms`);
    log("hello-world again (the machine's speed may drift)…");
    const ceilingLast = await runCeiling('hello-world (second)');
    const ceiling: Measured = { ...ceilingFirst, rps: (ceilingFirst.rps + ceilingLast.rps) / 2, p50: Math.max(ceilingFirst.p50, ceilingLast.p50), p99: Math.max(ceilingFirst.p99, ceilingLast.p99) };
    m.loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(', ');

    const rows: Row[] = [
      { name: 'Fastify hello-world (the ceiling; mean of two runs)', rps: ceiling.rps, p50: ceiling.p50, p99: ceiling.p99, ratio: '100% of ceiling', target: '', met: null },
      {
        name: '`GET /login`',
        rps: login.rps,
        p50: login.p50,
        p99: login.p99,
        ratio: `${pct(login.rps / ceiling.rps)} of ceiling`,
        target: `≥ ${pct(TARGETS.loginOfCeiling)}`,
        met: login.rps / ceiling.rps >= TARGETS.loginOfCeiling,
      },
      {
        name: 'signed-in `GET /user/<name>`',
        rps: profile.rps,
        p50: profile.p50,
        p99: profile.p99,
        ratio: `${pct(profile.rps / ceiling.rps)} of ceiling`,
        target: `≥ ${pct(TARGETS.profileOfCeiling)}`,
        met: profile.rps / ceiling.rps >= TARGETS.profileOfCeiling,
      },
      { name: 'signed-in `GET /`', rps: home.rps, p50: home.p50, p99: home.p99, ratio: `${pct(home.rps / ceiling.rps)} of ceiling`, target: '', met: null },
      { name: `raw argon2id verify (m=19 MiB, t=2, p=1; ${CONNECTIONS} at a time; mean of two runs)`, rps: raw.perS, p50: raw.p50, p99: raw.p99, ratio: '100% of hash rate', target: '', met: null },
      {
        name: 'full sign-in (`GET` + `POST /login`), per sign-in',
        rps: signIns.signInsPerS,
        p50: signIns.p50,
        p99: signIns.p99,
        ratio: `${pct(signIns.signInsPerS / raw.perS)} of hash rate`,
        target: `≥ ${pct(TARGETS.signInOfRawHash)}`,
        met: signIns.signInsPerS / raw.perS >= TARGETS.signInOfRawHash,
      },
      {
        name: '2FA code check (`POST /login/two-factor`, Twilio stand-in)',
        rps: codes.rps,
        p50: codes.p50,
        p99: codes.p99,
        ratio: `${pct(codes.rps / ceiling.rps)} of ceiling`,
        target: '',
        met: null,
      },
      { name: '`GET /oidc/.well-known/openid-configuration` (discovery)', rps: discovery.rps, p50: discovery.p50, p99: discovery.p99, ratio: `${pct(discovery.rps / ceiling.rps)} of ceiling`, target: '', met: null },
      { name: '`GET /oidc/jwks`', rps: jwks.rps, p50: jwks.p50, p99: jwks.p99, ratio: `${pct(jwks.rps / ceiling.rps)} of ceiling`, target: '', met: null },
      {
        name: 'code → token exchange, signed-in person (`GET /oidc/auth` + `POST /oidc/token`), per exchange',
        rps: exchanges.perS,
        p50: exchanges.p50,
        p99: exchanges.p99,
        ratio: `${pct((exchanges.perS * 2) / ceiling.rps)} of ceiling (2 requests each)`,
        target: '',
        met: null,
      },
      { name: 'refresh-token grant (`POST /oidc/token`, rotated, ES256 ID token)', rps: refreshes.rps, p50: refreshes.p50, p99: refreshes.p99, ratio: `${pct(refreshes.rps / ceiling.rps)} of ceiling`, target: '', met: null },
      forwardAuthRow(fwd.measured, ceiling),
      { name: `\`GET /login\` at ${PROBE_RATE} req/s, alone`, rps: probeAlone.rps, p50: probeAlone.p50, p99: probeAlone.p99, ratio: '', target: '', met: null },
      {
        name: `\`GET /login\` at ${PROBE_RATE} req/s during a sign-in storm (${fmt(storm.signInsPerS, 0)} sign-ins/s)`,
        rps: storm.probe.rps,
        p50: storm.probe.p50,
        p99: storm.probe.p99,
        ratio: '',
        target: `p99 ≤ ${TARGETS.loginP99DuringStormMs} ms`,
        met: storm.probe.p99 <= TARGETS.loginP99DuringStormMs,
      },
    ];
    const extras: Row[] = [
      { name: 'RSS idle (server up 1 s, no traffic)', rps: NaN, p50: NaN, p99: NaN, ratio: `${fmt(idleRss ?? NaN, 1)} MB`, target: `≤ ${TARGETS.idleRssMb} MB`, met: idleRss === null ? null : idleRss <= TARGETS.idleRssMb },
      { name: 'RSS peak under load (all runs above)', rps: NaN, p50: NaN, p99: NaN, ratio: `${fmt(peakRss, 1)} MB`, target: '', met: null },
      {
        name: `start to first response (\`${START_COMMAND}\`, median of 3)`,
        rps: NaN,
        p50: NaN,
        p99: NaN,
        ratio: `${fmt(startMs)} ms`,
        target: `≤ ${fmt(TARGETS.startMs)} ms`,
        met: startMs <= TARGETS.startMs,
      },
    ];
    const problems = [...checkOutcomes({ login, profile, home, signIns, codes, storm: storm.probe, probeAlone, discovery, jwks, exchanges, refreshes }), ...forwardAuthProblems(fwd.measured)];
    const markdown = renderDefault(m, rows, extras, problems, { starts, ceilings: [ceilingFirst.rps, ceilingLast.rps], raws: rawRuns.map((r) => r.perS), others });
    console.log('\n' + markdown);
    writeResult('latest.md', markdown);
    if (problems.length > 0) process.exitCode = 1;
  } catch (error) {
    for (const child of children) if (child.output()) log(`server output:\n${child.output().slice(-3000)}`);
    throw error;
  } finally {
    for (const child of children) await child.stop();
    await standIn?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A run that measured error pages or redirects measured the wrong thing: say so loudly. */
function checkOutcomes(runs: {
  login: Measured;
  profile: Measured;
  home: Measured;
  signIns: SignInRun;
  codes: Measured;
  storm: Measured;
  probeAlone: Measured;
  discovery: Measured;
  jwks: Measured;
  exchanges: ExchangeRun;
  refreshes: Measured;
}): string[] {
  const problems: string[] = [];
  const only2xx = (name: string, r: Measured) => {
    const bad = Object.entries(r.statuses).filter(([code]) => !code.startsWith('2'));
    if (bad.length > 0 || r.errors > 0) problems.push(`${name}: statuses ${JSON.stringify(r.statuses)}, ${r.errors} errors/timeouts`);
  };
  only2xx('GET /login', runs.login);
  only2xx('GET /user/<name>', runs.profile);
  only2xx('GET /', runs.home);
  only2xx('GET /login probe', runs.probeAlone);
  only2xx('GET /login probe during the storm', runs.storm);
  const failedSignIns = Object.entries(runs.signIns.outcomes).filter(([code]) => code !== '302');
  if (failedSignIns.length > 0) problems.push(`sign-in: POST /login outcomes ${JSON.stringify(runs.signIns.outcomes)} (only 302 is a success)`);
  const failedCodes = Object.entries(runs.codes.statuses).filter(([code]) => code !== '302');
  if (failedCodes.length > 0) problems.push(`2FA check: outcomes ${JSON.stringify(runs.codes.statuses)} (only 302 is a success)`);
  only2xx('GET /oidc/.well-known/openid-configuration', runs.discovery);
  only2xx('GET /oidc/jwks', runs.jwks);
  const failedExchanges = Object.entries(runs.exchanges.outcomes).filter(([code]) => code !== '200');
  if (failedExchanges.length > 0) problems.push(`code → token exchange: token endpoint outcomes ${JSON.stringify(runs.exchanges.outcomes)} (only 200 is a success)`);
  only2xx('refresh-token grant', runs.refreshes);
  return problems;
}

function machineLines(m: Machine): string {
  return [
    `- Machine: ${m.cpu}, ${m.cores} cores, ${fmt(m.memoryGb, 1)} GB RAM, ${m.os}`,
    `- Node ${m.node}; ${m.date}`,
    `- Load average (1, 5, 15 min) before: ${m.loadBefore}; after: ${m.loadAfter ?? '–'}. The machine is shared: other work running at the same time lowers every figure.`,
  ].join('\n');
}

interface Spread {
  starts: number[];
  ceilings: number[];
  raws: number[];
  others: Array<{ label: string; share: number | null }>;
}

function renderDefault(m: Machine, rows: Row[], extras: Row[], problems: string[], spread: Spread): string {
  const { starts } = spread;
  const shares = spread.others.filter((o) => o.share !== null) as Array<{ label: string; share: number }>;
  const busiest = shares.sort((a, b) => b.share - a.share)[0];
  const lines = [
    '# Gatehouse benchmark (`npm run bench`)',
    '',
    machineLines(m),
    `- autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; server and ceiling are separate processes from the load generator`,
    busiest
      ? `- Other processes (other work on this machine, the host's other guests) used at most ${pct(busiest.share)} of the CPU during a run (${busiest.label}); ` +
        `the ceiling was measured first and last (${spread.ceilings.map((c) => fmt(c)).join(' and ')} req/s, mean used) and the raw hash rate before and after the sign-ins (${spread.raws.map((r) => fmt(r, 1)).join(' and ')}/s, mean used).`
      : `- Ceiling measured first and last (${spread.ceilings.map((c) => fmt(c)).join(' and ')} req/s, mean used); raw hash rate before and after the sign-ins (${spread.raws.map((r) => fmt(r, 1)).join(' and ')}/s, mean used).`,
    '',
    '| measurement | req/s | p50 ms | p99 ms | ratio | target | |',
    '|---|---:|---:|---:|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.rps, r.rps < 1000 ? 1 : 0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.ratio} | ${r.target} | ${mark(r.met)} |`),
    ...extras.map((r) => `| ${r.name} | | | | ${r.ratio} | ${r.target} | ${mark(r.met)} |`),
    '',
    'How it was measured:',
    `- The server is the real one (\`${START_COMMAND}\`, as \`npm start\` runs it, compiled to a temp folder) on a fresh SQLite file with ${USERS.toLocaleString('en')} seeded users, all sharing one precomputed argon2id hash; \`LOG_LEVEL=warn\` (no per-request log lines, like the ceiling).`,
    '- Rate limits: `TRUST_PROXY=127.0.0.1` and each benchmark user signs in from its own `X-Forwarded-For` address, as real users do; `SMS_HOURLY_BUDGET=1000000`. No limit is disabled: a successful sign-in refunds its per-IP point, and no account ever has two attempts in flight (the per-account slot would refuse one).',
    '- Signed-in pages: 32 sessions, one per user; the profile visited changes with every request. autocannon reports whole milliseconds.',
    '- Sign-in rate = completed sign-ins (`GET /login` + `POST /login` → 302) per second; p50/p99 are of the pair. The raw rate is `@node-rs/argon2` `verify` with the same parameters, 32 at a time, in the load generator\'s process while the server idles (both use libuv\'s default pool of 4 threads).',
    `- 2FA check: users with SMS two-factor are signed in up to the code page first (the code sent to the Twilio stand-in, which runs in the load generator's process), then each \`POST /login/two-factor\` with the right code consumes one pending sign-in (${CONNECTIONS} connections, a fixed number of requests rather than a fixed time).`,
    `- OpenID Connect: an app registered with \`apps add --first-party\` (confidential, \`client_secret_basic\`, ES256 ID tokens). Discovery and JWKS are plain GETs. A code → token exchange is what the app's server and the browser of someone already signed in to Gatehouse (and to the app once before) do: \`GET /oidc/auth\` (session check, grant, a code stored; 303 to the app), then \`POST /oidc/token\` (client authentication, the code consumed atomically, PKCE, an ID token signed, the access token stored); ${OIDC_BROWSERS} browsers, each with one exchange in flight at most. The refresh-token grant is the token endpoint alone, as an app renewing its access token calls it: each grant consumes the refresh token and stores a new one, a new access token and a signed ID token; the measured code exchange includes the authorization request, so the refresh grant is the token endpoint's own rate.`,
    `- Storm: ${CONNECTIONS} connections signing in continuously while ${PROBE_CONNECTIONS} connections request \`GET /login\` at a steady ${PROBE_RATE} req/s; the p99 is the visitors'.`,
    `- Start: spawn to the first answer of \`GET /login\` on the seeded database (migrations already applied): ${starts.map((s) => `${s.toFixed(0)} ms`).join(', ')}.`,
    FORWARD_AUTH_HOW,
  ];
  if (problems.length > 0) lines.push('', '**Problems — these figures measured something else than intended:**', ...problems.map((p) => `- ${p}`));
  return lines.join('\n') + '\n';
}

function writeResult(file: string, markdown: string): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), markdown);
  log(`written to bench/results/${file}`);
}

// ---------------------------------------------------------------------------------------------
// --large: 1,000 vs 1,000,000 users
// ---------------------------------------------------------------------------------------------

const LARGE_USERS = 1_000_000;
const SMALL_USERS = 1_000;

interface SizeRun {
  database: string;
  users: number;
  seedS: number;
  signIn: SignInRun;
  profile: Measured;
  /** The largest share of the CPU other processes took during these runs. */
  othersShare: number | null;
}

/** A PostgreSQL database of its own for one size, dropped afterwards. */
async function withPostgresDatabase<T>(baseUrl: string, name: string, work: (url: string) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    try {
      return await work(url.toString());
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

async function measureSize(serverJs: string, serverDir: string, databaseUrl: string, label: string, users: number): Promise<SizeRun> {
  log(`${label}: seeding ${users.toLocaleString('en')} users…`);
  const handle = openDatabase(databaseUrl);
  let seedS: number;
  try {
    seedS = (await seedUsers(handle, { users })).durationMs / 1000;
  } finally {
    await handle.destroy();
  }
  log(`  seeded in ${seedS.toFixed(1)} s`);
  const server = await spawnServer([...START_FLAGS, serverJs], serverEnv(databaseUrl, null), serverDir, '/login');
  try {
    // Users spread over the whole table, so lookups touch cold pages of the index, not 1,000 hot rows.
    const spread = (n: number) => 1 + ((n * 7_919 + 13) % users);
    const sessions = await signedInSessions(server.url, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(spread(i * 104_729))));
    log(`  ${label}: signed-in GET /user/<name>…`);
    const pids = [server.process.pid];
    const profile = await withOthersCpu(pids, () => signedInPage(server.url, sessions, (i) => `/user/${seedUsername(spread(i))}`));
    log(`  ${label}: full sign-in…`);
    const signIn = await withOthersCpu(pids, () => signInStorm(server.url, (n) => seedUsername(spread(n + 1_000_003))));
    const shares = [profile.othersShare, signIn.othersShare].filter((x): x is number => x !== null);
    return { database: label, users, seedS, signIn: signIn.result, profile: profile.result, othersShare: shares.length ? Math.max(...shares) : null };
  } finally {
    await server.stop();
  }
}

async function largeBench(): Promise<void> {
  const m = machine();
  log(`--large: ${SMALL_USERS.toLocaleString('en')} vs ${LARGE_USERS.toLocaleString('en')} users; ${m.cpu}, ${m.cores} cores, Node ${m.node}; load ${m.loadBefore}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'gatehouse-bench-large-'));
  const runs: SizeRun[][] = [];
  try {
    const serverJs = buildServer(dir);
    const serverDir = join(dir, 'build');
    const pair: SizeRun[] = [];
    for (const users of [SMALL_USERS, LARGE_USERS]) {
      const file = join(dir, `users-${users}.db`);
      pair.push(await measureSize(serverJs, serverDir, `sqlite:${file}`, `SQLite, ${users.toLocaleString('en')} users`, users));
      rmSync(file, { force: true });
    }
    runs.push(pair);
    const pgUrl = process.env.DATABASE_URL;
    if (pgUrl && /^postgres(ql)?:\/\//.test(pgUrl)) {
      const pgPair: SizeRun[] = [];
      for (const users of [SMALL_USERS, LARGE_USERS]) {
        pgPair.push(
          await withPostgresDatabase(pgUrl, `gatehouse_bench_${process.pid}_${users}`, (url) =>
            measureSize(serverJs, serverDir, url, `PostgreSQL, ${users.toLocaleString('en')} users`, users),
          ),
        );
      }
      runs.push(pgPair);
    } else {
      log('DATABASE_URL is not a postgres:// URL: PostgreSQL skipped');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  m.loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const lines = [
    '# Gatehouse benchmark: 1,000 vs 1,000,000 users (`npm run bench -- --large`)',
    '',
    machineLines(m),
    `- autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; users spread over the whole table; target: 1M-user latency ≤ ${TARGETS.largeOverSmall}× the 1k-user latency`,
    '',
    '| database | users | seed s | sign-ins/s | sign-in p50 / p99 ms | profile req/s | profile p50 / p99 ms | 1M ÷ 1k (p50 sign-in, p50 profile) | | CPU used by other processes |',
    '|---|---:|---:|---:|---|---:|---|---|---|---:|',
  ];
  for (const [small, large] of runs) {
    for (const r of [small!, large!]) {
      const isLarge = r === large;
      const signInRatio = large!.signIn.p50 / small!.signIn.p50;
      const profileRatio = large!.profile.p50 / Math.max(small!.profile.p50, 1);
      const met = signInRatio <= TARGETS.largeOverSmall && profileRatio <= TARGETS.largeOverSmall;
      lines.push(
        `| ${r.database.split(',')[0]} | ${r.users.toLocaleString('en')} | ${r.seedS.toFixed(1)} | ${fmt(r.signIn.signInsPerS, 1)} | ${fmt(r.signIn.p50, 1)} / ${fmt(r.signIn.p99, 1)} | ` +
          `${fmt(r.profile.rps)} | ${fmt(r.profile.p50, 1)} / ${fmt(r.profile.p99, 1)} | ${isLarge ? `${signInRatio.toFixed(2)}×, ${profileRatio.toFixed(2)}×` : ''} | ${isLarge ? mark(met) : ''} | ${r.othersShare === null ? '–' : pct(r.othersShare)} |`,
      );
    }
  }
  lines.push(
    '',
    'Sign-in time is dominated by argon2id; profile time by the page render. Both look a user up by a unique index, so a larger table adds one B-tree level at most.',
    'The last column is the largest share of the CPU that processes other than the server and the load generator took during the two runs of that row; on PostgreSQL it includes the database server itself. Rows taken while other work ran are not comparable.',
  );
  const markdown = lines.join('\n') + '\n';
  console.log('\n' + markdown);
  writeResult('large.md', markdown);
}

// ---------------------------------------------------------------------------------------------
// --forward-auth: the ceiling and forward-auth checks only
// ---------------------------------------------------------------------------------------------

async function forwardAuthBench(): Promise<void> {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'gatehouse-bench-'));
  const children: Child[] = [];
  try {
    log('compiling the server (tsc, as npm run build)…');
    const serverJs = buildServer(dir);
    const databaseUrl = `sqlite:${join(dir, 'bench.db')}`;
    const handle = openDatabase(databaseUrl);
    try {
      await seedUsers(handle, { users: USERS });
    } finally {
      await handle.destroy();
    }
    const runCeiling = async () => {
      const hello = await spawnServer(['--import', 'tsx', join(ROOT, 'bench', 'hello-world.ts')], { NODE_ENV: 'production' }, ROOT, '/');
      children.push(hello);
      const run = await cannonWithCpu({ url: hello.url }, hello.process.pid);
      const result = { ...fromResult(run.result), cpuUsPerRequest: run.cpuUsPerRequest };
      await hello.stop();
      log(`  ceiling ${fmt(result.rps)} req/s, ${fmt(result.cpuUsPerRequest ?? NaN)} µs of CPU per request`);
      return result;
    };
    log('hello-world (the ceiling)…');
    const first = await runCeiling();
    log('forward-auth checks…');
    const fwd = await forwardAuthChecks(serverJs, join(dir, 'build'), serverEnv(databaseUrl, null), dir);
    log(`  ${fmt(fwd.measured.rps)} req/s, p99 ${fwd.measured.p99} ms, ${fmt(fwd.cpuUsPerRequest ?? NaN)} µs of CPU per request`);
    log('hello-world again…');
    const last = await runCeiling();
    const ceiling: Measured = { ...first, rps: (first.rps + last.rps) / 2, p50: Math.max(first.p50, last.p50), p99: Math.max(first.p99, last.p99) };
    m.loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(', ');
    const rows = [
      { name: 'Fastify hello-world (the ceiling; mean of two runs)', rps: ceiling.rps, p50: ceiling.p50, p99: ceiling.p99, ratio: '100% of ceiling', target: '', met: null },
      forwardAuthRow(fwd.measured, ceiling),
    ];
    const problems = forwardAuthProblems(fwd.measured);
    const ceilingCpu = first.cpuUsPerRequest !== null && last.cpuUsPerRequest !== null ? (first.cpuUsPerRequest + last.cpuUsPerRequest) / 2 : null;
    const cpuLine =
      ceilingCpu !== null && fwd.cpuUsPerRequest !== null
        ? `- CPU time the server process spent per request (steadier than req/s, but on a shared virtual machine it rises with other work too — compare versions side by side, not across runs): the ceiling ${fmt(ceilingCpu)} µs (mean of two runs), a forward-auth check ${fmt(fwd.cpuUsPerRequest)} µs — one core answers about ${fmt(1e6 / fwd.cpuUsPerRequest)} checks a second. (The req/s ratio is higher than the CPU ratio because the load generator shares the machine's ${os.cpus().length} cores and limits the ceiling's rate.)`
        : '- CPU time per request: not available (no /proc).';
    const lines = [
      '# Gatehouse benchmark: forward-auth (`npm run bench -- --forward-auth`)',
      '',
      machineLines(m),
      `- autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; ceiling measured before and after (${fmt(first.rps)} and ${fmt(last.rps)} req/s, mean used); other processes took at most ${fwd.othersShare === null ? '–' : pct(fwd.othersShare)} of the CPU during the forward-auth run`,
      '',
      '| measurement | req/s | p50 ms | p99 ms | ratio | target | |',
      '|---|---:|---:|---:|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${fmt(r.rps, r.rps < 1000 ? 1 : 0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.ratio} | ${r.target} | ${mark(r.met)} |`),
      '',
      cpuLine,
      FORWARD_AUTH_HOW,
      ...(problems.length > 0 ? ['', '**Problems — these figures measured something else than intended:**', ...problems.map((p) => `- ${p}`)] : []),
    ];
    const markdown = lines.join('\n') + '\n';
    console.log('\n' + markdown);
    writeResult('forward-auth.md', markdown);
    if (problems.length > 0) process.exitCode = 1;
  } catch (error) {
    for (const child of children) if (child.output()) log(`server output:\n${child.output().slice(-3000)}`);
    throw error;
  } finally {
    for (const child of children) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// --console-search: the console's people search over a million accounts (bench/console-search.ts)
// ---------------------------------------------------------------------------------------------

async function consoleSearchBench(): Promise<void> {
  const m = machine();
  log(`--console-search: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load ${m.loadBefore}`);
  const sqlite = await sqliteSearchBench(log);
  const rows = [...sqlite.rows];
  const seeds = [`SQLite seeded in ${sqlite.seedS.toFixed(1)} s`];
  const pgUrl = process.env.DATABASE_URL;
  if (pgUrl && /^postgres(ql)?:\/\//.test(pgUrl)) {
    const pgRun = await withPostgresDatabase(pgUrl, `gatehouse_bench_search_${process.pid}`, (url) => searchBench(url, 'PostgreSQL', log));
    rows.push(...pgRun.rows);
    seeds.push(`PostgreSQL seeded in ${pgRun.seedS.toFixed(1)} s`);
  } else {
    log('DATABASE_URL is not a postgres:// URL: PostgreSQL skipped');
  }
  m.loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const markdown = ['# Gatehouse benchmark: the console\'s people search (`npm run bench -- --console-search`)', '', machineLines(m), ...searchMarkdown(rows, seeds)].join('\n') + '\n';
  console.log('\n' + markdown);
  writeResult('console-search.md', markdown);
  if (rows.some((r) => r.p99 >= SEARCH_P99_TARGET_MS)) process.exitCode = 1;
}

if (process.argv.includes('--large')) await largeBench();
else if (process.argv.includes('--console-search')) await consoleSearchBench();
else if (process.argv.includes('--forward-auth')) await forwardAuthBench();
else await defaultBench();
