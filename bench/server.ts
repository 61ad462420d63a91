/**
 * The processes and databases a bench run needs: the app compiled as `npm run build` does, the server spawned as
 * `npm start` runs it (and timed to its first answer), the hello-world ceiling and its measurement, the server's environment, and a
 * PostgreSQL database of its own for a run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import type { TwilioStandIn } from '../test/support/twilio-stand-in.js';
import type { ProductionPeers } from './peers.js';
import { cannonWithCpu, fromResult, withOthersCpu, type Measured } from './load.js';
import { fmt } from './report.js';
import { log, ROOT, sleep } from './settings.js';

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

export interface Child {
  process: ChildProcess;
  url: string;
  /** From spawn() to the first HTTP answer. */
  startMs: number;
  output: () => string;
  stop(): Promise<void>;
}

/** Spawns `node args…` and waits until GET `readyPath` (with `headers`, e.g. a proxy's) answers; times that. */
export async function spawnServer(args: string[], env: Record<string, string>, cwd: string, readyPath: string, headers: Readonly<Record<string, string>> = {}): Promise<Child> {
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
      const res = await fetch(url + readyPath, { redirect: 'manual', headers });
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
      // Writing a CPU profile (BENCH_CPU_PROF) at exit can take longer than a shutdown.
      const timer = setTimeout(() => child.kill('SIGKILL'), process.env.BENCH_CPU_PROF ? 60_000 : 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** A saved answer for the ceiling's app to send (bench/pages.ts saves them). */
export interface Replay {
  file: string;
  /** A fresh CSRF secret (signed cookie) and masked token in every answer. */
  freshToken?: boolean;
  /** A signed-in page's unavoidable lookups before every answer (bench/hello-world.ts, BENCH_REPLAY_SIGNED_IN). */
  signedIn?: { databaseUrl: string; sessionToken: string; profile: string };
  /** The least possible sign-in on this database, `file` being the sign-in page (bench/hello-world.ts, BENCH_SIGN_IN_FLOOR). */
  signInFloor?: { databaseUrl: string };
}

/**
 * The ceiling: a bare Fastify hello-world (bench/hello-world.ts), a process of its own; with `replay`, the same
 * app answering a saved page's headers and body (BENCH_REPLAY), with a fresh CSRF secret and token in each if asked.
 */
function spawnCeiling(replay?: Replay): Promise<Child> {
  const env: Record<string, string> = { NODE_ENV: 'production' };
  if (replay) env.BENCH_REPLAY = replay.file;
  if (replay?.freshToken) env.BENCH_REPLAY_FRESH_TOKEN = '1';
  if (replay?.signedIn) {
    env.BENCH_REPLAY_SIGNED_IN = replay.signedIn.databaseUrl;
    env.BENCH_REPLAY_SESSION = replay.signedIn.sessionToken;
    env.BENCH_REPLAY_PROFILE = replay.signedIn.profile;
  }
  if (replay?.signInFloor) {
    env.BENCH_SIGN_IN_FLOOR = replay.signInFloor.databaseUrl;
    // The same hashing bound as the server's when the run sets one (HASH_CONCURRENCY=n npm run bench…).
    if (process.env.HASH_CONCURRENCY) env.HASH_CONCURRENCY = process.env.HASH_CONCURRENCY;
  }
  return spawnServer(['--import', 'tsx', join(ROOT, 'bench', 'hello-world.ts')], env, ROOT, replay?.signInFloor ? '/login' : '/');
}

/** The sign-in floor (bench/hello-world.ts, BENCH_SIGN_IN_FLOOR) as a process of its own, answering on `/login`. */
export const spawnSignInFloor = (file: string, databaseUrl: string): Promise<Child> => spawnCeiling({ file, signInFloor: { databaseUrl } });

/**
 * One run of the ceiling in a fresh process: its rate and latency, the CPU time it spent per request, and the share
 * of the machine other processes took meanwhile. The process is added to `children` while it runs, so that a
 * failing bench shows its output and stops it.
 */
export async function measureCeiling(children: Child[], replay?: Replay): Promise<{ measured: Measured; cpuUsPerRequest: number | null; othersShare: number | null }> {
  const hello = await spawnCeiling(replay);
  children.push(hello);
  const { result: run, othersShare } = await withOthersCpu([hello.process.pid], () => cannonWithCpu({ url: hello.url }, hello.process.pid));
  await hello.stop();
  const measured = fromResult(run.result);
  log(`  ${replay ? 'replay' : 'ceiling'} ${fmt(measured.rps)} req/s, ${fmt(run.cpuUsPerRequest ?? NaN)} µs of CPU per request`);
  return { measured, cpuUsPerRequest: run.cpuUsPerRequest, othersShare };
}

/**
 * Compiles the app as `npm run build` does, into a temp folder beside links to public/, src/ (the
 * password blocklist) and node_modules/, so the server runs as `npm start` runs it without touching dist/.
 */
export function buildServer(dir: string): string {
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

/** The server's environment in development mode (the --large bench; peers.ts builds production mode's on it). */
export function serverEnv(databaseUrl: string, standIn: TwilioStandIn | null): Record<string, string> {
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

/** A PostgreSQL database of its own for one size, dropped afterwards. */
export async function withPostgresDatabase<T>(baseUrl: string, name: string, work: (url: string) => Promise<T>): Promise<T> {
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

/** What a bench mode sets up and must take down however it ends: its temp folder, the processes it spawned, its peers. */
export interface BenchRun {
  dir: string;
  children: Child[];
  peers: ProductionPeers | null;
}

/** Runs a mode in a fresh temp folder; on failure prints what the servers said; always stops them and removes the folder. */
export async function withBenchRun(work: (run: BenchRun) => Promise<void>): Promise<void> {
  const run: BenchRun = { dir: mkdtempSync(join(os.tmpdir(), 'gatehouse-bench-')), children: [], peers: null };
  try {
    await work(run);
  } catch (error) {
    for (const child of run.children) if (child.output()) log(`server output:\n${child.output().slice(-3000)}`);
    throw error;
  } finally {
    for (const child of run.children) await child.stop();
    await run.peers?.close();
    rmSync(run.dir, { recursive: true, force: true });
  }
}
