/** What every bench mode shares: the fixed settings of a run (connections, durations), the targets, and the log line. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---- Fixed settings (the issue's): 32 connections, 10 s after a warm-up ----
export const CONNECTIONS = 32;
export const DURATION_S = positive(process.env.BENCH_DURATION, 10);
/** Node's flags from `npm start` (package.json), so the bench runs the server exactly as it is started. */
export const START_FLAGS = startFlags();
export const START_COMMAND = ['node', ...START_FLAGS, 'dist/server.js'].join(' ');
export const WARMUP_S = positive(process.env.BENCH_WARMUP, Math.min(2, DURATION_S));
/** Seeded ordinary users (the default bench); sign-ins and profile views spread over them. */
export const USERS = 1_000;
/**
 * Rounds of the default bench (BENCH_ROUNDS, default 3): each measures the ceiling right before the pages shared
 * against it, and raw argon2id right before the sign-ins; the figures are the medians of the rounds' shares. The
 * machine is shared and its speed drifts by 2× within an hour, so one run of each says little.
 */
export const ROUNDS = Math.round(positive(process.env.BENCH_ROUNDS, 3));

// ---- Production mode behind a TLS proxy (the default bench) ----
/**
 * The public origin the server is told it has (APP_URL). Never resolved: requests go to the server's own port and
 * carry PROXY_HEADERS, as they would arriving from a TLS proxy for this origin.
 */
export const BENCH_APP_URL = 'https://gatehouse.bench.test';
const BENCH_HOST = new URL(BENCH_APP_URL).host;
/** What a TLS proxy in front of Gatehouse adds to every request (X-Forwarded-For is set per benchmark user). */
export const PROXY_HEADERS: Readonly<Record<string, string>> = { host: BENCH_HOST, 'x-forwarded-host': BENCH_HOST, 'x-forwarded-proto': 'https' };

// ---- The targets ----
export const TARGETS = {
  loginOfCeiling: 0.4,
  profileOfCeiling: 0.25,
  signInOfRawHash: 0.9,
  loginP99DuringStormMs: 50,
  /** Idle RSS, after start and after IDLE_RSS_REQUESTS requests. */
  idleRssMb: 80,
  startMs: 1000,
  largeOverSmall: 1.2,
  forwardAuthOfCeiling: 0.3,
  forwardAuthP99Ms: 5,
};

/** Requests served before the second idle RSS reading (the "after a thousand requests"). */
export const IDLE_RSS_REQUESTS = 1_000;

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

export const log = (message: string) => console.log(`[bench] ${message}`);

function startFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/server\.js$/.exec(start);
  if (!match) throw new Error(`package.json's start script is not "node [--flags] dist/server.js": ${start}`);
  return match[1]!.trim().split(' ').filter(Boolean);
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
