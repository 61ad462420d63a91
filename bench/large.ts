/**
 * `npm run bench -- --large`: the signed-in profile and the full sign-in with 1,000 and with 1,000,000 users
 * (bench/results/large.md). Both databases of a kind are seeded once; then BENCH_ROUNDS rounds (default 3) each
 * start the server on the small one and then on the large one and measure both, so the machine's drift moves both
 * alike. What counts is the server's CPU time per profile page and per sign-in, the median over the rounds of the
 * large run's over the small run's: autocannon's latencies are whole milliseconds (5 → 6 ms is already 1.2×), and
 * at a fixed number of connections the latency follows the CPU time anyway. SQLite always; PostgreSQL too when
 * DATABASE_URL is a postgres:// URL. Development mode, reached directly (no proxy's headers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { seedUsername, seedUsers } from '../scripts/seed.js';
import { cannonWithCpu, direct, fromResult, withOthersCpu, type Measured } from './load.js';
import { fmt, loadAverage, machine, machineLines, mark, pct, writeResult } from './report.js';
import { spreadOf, type Spread } from './rounds.js';
import { buildServer, serverEnv, spawnServer, withPostgresDatabase } from './server.js';
import { signedInRequests, signedInSessions, signInStorm } from './sessions.js';
import { CONNECTIONS, DURATION_S, log, ROUNDS, START_FLAGS, TARGETS, WARMUP_S } from './settings.js';

const LARGE_USERS = 1_000_000;
const SMALL_USERS = 1_000;

/** One size's figures in one round. */
interface SizeRun {
  profile: Measured;
  profileCpuUs: number | null;
  signInsPerS: number;
  signInP50: number;
  signInCpuMs: number | null;
  /** The largest share of the CPU other processes took during these runs. */
  othersShare: number | null;
}

interface Kind {
  name: string;
  seedS: { small: number; large: number };
  rounds: Array<{ small: SizeRun; large: SizeRun }>;
}

async function seed(databaseUrl: string, users: number): Promise<number> {
  const handle = openDatabase(databaseUrl);
  try {
    return (await seedUsers(handle, { users })).durationMs / 1000;
  } finally {
    await handle.destroy();
  }
}

async function measureSize(serverJs: string, serverDir: string, databaseUrl: string, label: string, users: number, round: number): Promise<SizeRun> {
  const server = await spawnServer([...START_FLAGS, serverJs], serverEnv(databaseUrl, null), serverDir, '/login');
  try {
    // Users spread over the whole table, so lookups touch cold pages of the index, not 1,000 hot rows; each round
    // signs in other people (an account signing in again would find its rows cached).
    const spread = (n: number) => 1 + ((n * 7_919 + 13 + round * 1_299_709) % users);
    const site = direct(server.url);
    const pid = server.process.pid;
    const sessions = await signedInSessions(site, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(spread(i * 104_729))));
    log(`  ${label}: signed-in GET /user/<name>…`);
    const profile = await withOthersCpu([pid], () => cannonWithCpu({ url: site.url, requests: signedInRequests(sessions, (i) => `/user/${seedUsername(spread(i))}`) }, pid));
    log(`  ${label}: full sign-in…`);
    const signIn = await withOthersCpu([pid], () => signInStorm(site, (n) => seedUsername(spread(n + 1_000_003)), { pid }));
    const run = signIn.result;
    const shares = [profile.othersShare, signIn.othersShare].filter((x): x is number => x !== null);
    return {
      profile: fromResult(profile.result.result),
      profileCpuUs: profile.result.cpuUsPerRequest,
      signInsPerS: run.signInsPerS,
      signInP50: run.p50,
      signInCpuMs: run.cpu && run.signIns > 0 ? run.cpu.serverMs / run.signIns : null,
      othersShare: shares.length ? Math.max(...shares) : null,
    };
  } finally {
    await server.stop();
  }
}

/** Seeds the two sizes of one kind of database, then measures them in turns, ROUNDS times. */
async function measureKind(name: string, serverJs: string, serverDir: string, small: string, large: string): Promise<Kind> {
  log(`${name}: seeding ${SMALL_USERS.toLocaleString('en')} and ${LARGE_USERS.toLocaleString('en')} users…`);
  const seedS = { small: await seed(small, SMALL_USERS), large: await seed(large, LARGE_USERS) };
  log(`  seeded in ${seedS.small.toFixed(1)} s and ${seedS.large.toFixed(1)} s`);
  const rounds: Kind['rounds'] = [];
  for (let n = 1; n <= ROUNDS; n++) {
    log(`${name}, round ${n}…`);
    const smallRun = await measureSize(serverJs, serverDir, small, `${SMALL_USERS.toLocaleString('en')} users`, SMALL_USERS, n);
    const largeRun = await measureSize(serverJs, serverDir, large, `${LARGE_USERS.toLocaleString('en')} users`, LARGE_USERS, n);
    rounds.push({ small: smallRun, large: largeRun });
  }
  return { name, seedS, rounds };
}

export async function largeBench(): Promise<void> {
  const m = machine();
  log(`--large: ${SMALL_USERS.toLocaleString('en')} vs ${LARGE_USERS.toLocaleString('en')} users, ${ROUNDS} rounds; ${m.cpu}, ${m.cores} cores, Node ${m.node}; load ${m.loadBefore}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'gatehouse-bench-large-'));
  const kinds: Kind[] = [];
  try {
    const serverJs = buildServer(dir);
    const serverDir = join(dir, 'build');
    kinds.push(await measureKind('SQLite', serverJs, serverDir, `sqlite:${join(dir, 'small.db')}`, `sqlite:${join(dir, 'large.db')}`));
    const pgUrl = process.env.DATABASE_URL;
    if (pgUrl && /^postgres(ql)?:\/\//.test(pgUrl)) {
      kinds.push(
        await withPostgresDatabase(pgUrl, `gatehouse_bench_${process.pid}_small`, (small) =>
          withPostgresDatabase(pgUrl, `gatehouse_bench_${process.pid}_large`, (large) => measureKind('PostgreSQL', serverJs, serverDir, small, large)),
        ),
      );
    } else {
      log('DATABASE_URL is not a postgres:// URL: PostgreSQL skipped');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  m.loadAfter = loadAverage();

  const ratios = (kind: Kind, of: (r: SizeRun) => number | null): Spread | null => {
    const values = kind.rounds.map(({ small, large }) => {
      const [a, b] = [of(small), of(large)];
      return a !== null && b !== null && a > 0 ? b / a : null;
    });
    return values.every((v): v is number => v !== null) ? spreadOf(values) : null;
  };
  const ratio = (s: Spread | null) => (s === null ? '–' : `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`);
  const median = (values: number[]) => spreadOf(values).median;
  const others = (kind: Kind) => {
    const shares = kind.rounds.flatMap((r) => [r.small.othersShare, r.large.othersShare]).filter((x): x is number => x !== null);
    return shares.length ? pct(Math.max(...shares)) : '–';
  };
  const lines = [
    '# Gatehouse benchmark: 1,000 vs 1,000,000 users (`npm run bench -- --large`)',
    '',
    machineLines(m),
    `- ${ROUNDS} rounds, each starting the server on the 1,000-user database and then on the 1,000,000-user one; autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; users spread over the whole table; development mode; target: the 1M-user cost ≤ ${TARGETS.largeOverSmall}× the 1k-user cost, judged on the server's CPU time (medians of the rounds' ratios)`,
    '',
    '| database | seed s (1k / 1M) | profile: CPU per request, 1k / 1M (medians) | 1M ÷ 1k | sign-in: server CPU per sign-in, 1k / 1M | 1M ÷ 1k | | profile p50 ms 1k / 1M, ratio | sign-in p50 ms 1k / 1M, ratio | CPU used by other processes |',
    '|---|---|---|---|---|---|---|---|---|---:|',
  ];
  for (const kind of kinds) {
    const profileCpu = ratios(kind, (r) => r.profileCpuUs);
    const signInCpu = ratios(kind, (r) => r.signInCpuMs);
    const met = profileCpu !== null && signInCpu !== null ? profileCpu.median <= TARGETS.largeOverSmall && signInCpu.median <= TARGETS.largeOverSmall : null;
    const both = (of: (r: SizeRun) => number | null, digits: number) =>
      `${fmt(median(kind.rounds.map((r) => of(r.small) ?? NaN)), digits)} / ${fmt(median(kind.rounds.map((r) => of(r.large) ?? NaN)), digits)}`;
    lines.push(
      `| ${kind.name} | ${kind.seedS.small.toFixed(1)} / ${kind.seedS.large.toFixed(1)} | ${both((r) => r.profileCpuUs, 0)} µs | ${ratio(profileCpu)} | ${both((r) => r.signInCpuMs, 2)} ms | ${ratio(signInCpu)} | ${mark(met)} | ` +
        `${both((r) => r.profile.p50, 1)}, ${ratio(ratios(kind, (r) => r.profile.p50))} | ${both((r) => r.signInP50, 0)}, ${ratio(ratios(kind, (r) => r.signInP50))} | ${others(kind)} |`,
    );
  }
  lines.push(
    '',
    '**Every round** (profile req/s and sign-ins/s, 1k → 1M):',
    '',
    '| database | round | profile req/s | sign-ins/s |',
    '|---|---:|---|---|',
    ...kinds.flatMap((kind) =>
      kind.rounds.map((r, i) => `| ${kind.name} | ${i + 1} | ${fmt(r.small.profile.rps)} → ${fmt(r.large.profile.rps)} | ${fmt(r.small.signInsPerS, 1)} → ${fmt(r.large.signInsPerS, 1)} |`),
    ),
    '',
    'Sign-in time is dominated by argon2id; profile time by the page itself. Both look a user up by a unique index, so a larger table adds one B-tree level at most.',
    'The last column is the largest share of the CPU that processes other than the server and the load generator took during the runs of that row; on PostgreSQL it includes the database server itself. Rows taken while other work ran are not comparable.',
  );
  const markdown = lines.join('\n') + '\n';
  console.log('\n' + markdown);
  writeResult('large.md', markdown);
}
