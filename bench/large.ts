/** `npm run bench -- --large`: sign-in and profile latency with 1,000 and 1,000,000 users (bench/results/large.md). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { seedUsername, seedUsers } from '../scripts/seed.js';
import { direct, withOthersCpu, type Measured } from './load.js';
import { fmt, loadAverage, machine, machineLines, mark, pct, writeResult } from './report.js';
import { buildServer, serverEnv, spawnServer, withPostgresDatabase } from './server.js';
import { signedInPage, signedInSessions, signInStorm, type SignInRun } from './sessions.js';
import { CONNECTIONS, DURATION_S, log, START_FLAGS, TARGETS, WARMUP_S } from './settings.js';

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
    const site = direct(server.url);
    const sessions = await signedInSessions(site, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(spread(i * 104_729))));
    log(`  ${label}: signed-in GET /user/<name>…`);
    const pids = [server.process.pid];
    const profile = await withOthersCpu(pids, () => signedInPage(site, sessions, (i) => `/user/${seedUsername(spread(i))}`));
    log(`  ${label}: full sign-in…`);
    const signIn = await withOthersCpu(pids, () => signInStorm(site, (n) => seedUsername(spread(n + 1_000_003))));
    const shares = [profile.othersShare, signIn.othersShare].filter((x): x is number => x !== null);
    return { database: label, users, seedS, signIn: signIn.result, profile: profile.result, othersShare: shares.length ? Math.max(...shares) : null };
  } finally {
    await server.stop();
  }
}

export async function largeBench(): Promise<void> {
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
  m.loadAfter = loadAverage();
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
