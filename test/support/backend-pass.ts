/**
 * `npm test` after type-check and lint: the test suite once per backend.
 *
 * 1. SQLite, rate limits in memory: every test file (`vitest run`).
 * 2. PostgreSQL + Redis (`GATEHOUSE_TEST_DB=postgres`): every test file whose
 *    app depends on the backend, each app on a throw-away schema and Redis key
 *    prefix (test/support/app.ts). Left out of this pass, to keep `npm test`
 *    short: test/browser (the Chromium journey, once is enough: it drives the
 *    same routes the HTTP tests cover on both backends), test/db (already runs
 *    every data-layer test on SQLite and PostgreSQL in pass 1) and test/unit
 *    (no database), and the few files that choose their backend themselves
 *    and would only repeat pass 1 (SQLITE_PASS_ONLY below).
 *
 * Pass 2 runs only when PostgreSQL (TEST_POSTGRES_URL) and Redis
 * (TEST_REDIS_URL) answer; otherwise a line says it was not run and why, and
 * under CI (`CI` set) that is a failure. Both passes run even if the first
 * fails, so one run shows every failure; the exit code is non-zero if either
 * failed. Extra arguments go to vitest in both passes: `npm test -- test/http`.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { TEST_POSTGRES_URL as POSTGRES_URL, TEST_REDIS_URL as REDIS_URL } from './services.js';

const CHECK_TIMEOUT_MS = 3000;
/** Not run in the PostgreSQL + Redis pass (see above). */
const SQLITE_PASS_ONLY = [
  'test/browser/**',
  'test/db/**',
  'test/unit/**',
  // The same in both passes, so run once: they pick their backend themselves.
  'test/scale/**', // always PostgreSQL + Redis
  'test/faults/database-unavailable.test.ts', // always PostgreSQL (behind a TCP proxy it cuts)
  'test/faults/kill-9.test.ts', // a server process on its own SQLite file
  'test/faults/error-mapping.test.ts', // its own SQLite app with fault routes
  'test/admin/**', // the CLI's commands run on both databases themselves; the CLI as a child process on SQLite
  // Counts exactly which of 12 simultaneous sign-ins reach the hash gate together; on PostgreSQL + Redis the
  // requests' own awaits stagger their arrival, so the exact split is timing. The gate is the same code on both.
  'test/security/password-hashing-flood.test.ts',
];

function vitest(label: string, env: NodeJS.ProcessEnv, extraArgs: string[]): Promise<number> {
  console.log(`\n=== npm test: ${label} ===\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...extraArgs, ...process.argv.slice(2)], { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${POSTGRES_URL.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')} did not answer (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisProblem(): Promise<string | null> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: CHECK_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: unknown; // the socket's error (ECONNREFUSED …); connect() itself only says "Connection is closed"
  redis.on('error', (error: unknown) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    const reason = cause ?? error;
    return `Redis at ${REDIS_URL} did not answer (${reason instanceof Error ? reason.message : String(reason)})`;
  } finally {
    redis.disconnect();
  }
}

const started = Date.now();
const sqlite = await vitest('pass 1 of 2: SQLite, rate limits in memory', { ...process.env, GATEHOUSE_TEST_DB: 'sqlite' }, []);

const problems = (await Promise.all([postgresProblem(), redisProblem()])).filter((p): p is string => p !== null);
let postgres: number | 'not run';
if (problems.length === 0) {
  postgres = await vitest(
    'pass 2 of 2: PostgreSQL + Redis',
    { ...process.env, GATEHOUSE_TEST_DB: 'postgres' },
    SQLITE_PASS_ONLY.flatMap((glob) => ['--exclude', glob]),
  );
} else {
  postgres = 'not run';
  console.log(`\n=== npm test: pass 2 of 2 (PostgreSQL + Redis) was NOT run: ${problems.join('; ')}. ===`);
  console.log('    Start them (see README, "Testing on both backends") or set TEST_POSTGRES_URL / TEST_REDIS_URL.');
}

const seconds = Math.round((Date.now() - started) / 1000);
const verdict = (code: number | 'not run') => (code === 'not run' ? 'NOT RUN' : code === 0 ? 'passed' : 'FAILED');
console.log(`\n=== npm test: SQLite ${verdict(sqlite)}; PostgreSQL + Redis ${verdict(postgres)} (${seconds} s) ===`);
// CI provides both services: a pass that could not run there is a failure, not a silent half-run.
const ciNeedsBoth = postgres === 'not run' && Boolean(process.env.CI);
if (ciNeedsBoth) console.log('=== CI is set: both passes are required. ===');
process.exit(sqlite !== 0 || (postgres !== 'not run' && postgres !== 0) || ciNeedsBoth ? 1 : 0);
