/**
 * `npm run bench -- --sign-in`: the full sign-in (GET + POST /login) against the raw argon2id rate, and where the
 * machine's CPU goes during each (bench/results/sign-in.md). BENCH_ROUNDS rounds on the production-mode server of
 * the default bench, each: raw argon2id verifies in this process; sign-ins from new browsers (the default bench's
 * run: every one mails its owner the new-browser notice); sign-ins from returning browsers (each user's browser
 * cookie from an earlier sign-in: no notice, as for most sign-ins of real people); then the visitors' `GET /login`
 * latency during a sign-in storm, which a different hashing bound (HASH_CONCURRENCY) would move too. Then, once the
 * server has stopped (it would still be mailing the runs' notices), BENCH_ROUNDS runs of the sign-in's floor, each
 * after a raw run of its own: the least any password sign-in with server-side sessions does (bench/hello-world.ts,
 * BENCH_SIGN_IN_FLOOR: a bare Fastify with the same form, CSRF check, account lookup, hashing gate and session
 * insert, on the same database), measured the same way, whose share of the raw rate is the most Gatehouse's could be.
 *
 * On two cores the load generator and the peers (the SMTP server that takes the notices) share the CPU with the
 * server, so the report splits each run's CPU time — the server, this process, other processes, idle — per sign-in.
 * The server's share is split by thread: libuv's pool (the hashes), the main thread (everything else of ours), V8's
 * workers (garbage collection). What this process spends is what the machine must give the load generator however
 * fast the server is, so `raw hash ÷ (raw hash + load generator)` is the best share of the raw rate any server could
 * reach here. `BENCH_CPU_PROF=<folder>` writes a V8 CPU profile of the server's
 * main thread: the hashes run on libuv's pool and are not in it, so it shows the work around them.
 */
import os from 'node:os';
import { join } from 'node:path';
import { seedUsername } from '../scripts/seed.js';
import { behindProxy, saveAnswer, type CpuSplit } from './load.js';
import { cpuProfileFlags, productionSetup } from './peers.js';
import { fmt, loadAverage, machine, machineLines, mark, pct, publishResult } from './report.js';
import { loginDuringStorm, PROBE_RATE, spreadOf, shareWithRange } from './rounds.js';
import { spawnServer, spawnSignInFloor, withBenchRun } from './server.js';
import { addressOf, rawArgon2, settleAfterSignIns, signInStorm, signInOutcomeProblems, signInWithFetch, SIGN_INS_SETTLE_MS, type RawHashRun, type SignInRun } from './sessions.js';
import { CONNECTIONS, DURATION_S, log, PROXY_HEADERS, ROUNDS, START_FLAGS, TARGETS, USERS, WARMUP_S } from './settings.js';

/** Users whose browsers come back: ten per connection, so no account has two sign-ins in flight. */
const RETURNING_USERS = CONNECTIONS * 10;

interface Round {
  raw: RawHashRun;
  fresh: SignInRun;
  returning: SignInRun;
  storm: Awaited<ReturnType<typeof loginDuringStorm>>;
  /** The floor and the raw run right before it, measured once Gatehouse's server has stopped (see below). */
  floor: SignInRun;
  floorRaw: RawHashRun;
}

/** Each returning user's browser cookie (as a Set-Cookie), from one sign-in of theirs before the runs. */
async function returningBrowsers(site: ReturnType<typeof behindProxy>): Promise<string[]> {
  const browsers: string[] = [];
  for (let i = 0; i < RETURNING_USERS; i++) {
    const { jar } = await signInWithFetch(site, seedUsername(i + 1), addressOf(200_000 + i));
    const browser = [...jar].find(([name]) => name.includes('browser'));
    if (!browser) throw new Error('a sign-in set no browser cookie');
    browsers.push(`${browser[0]}=${browser[1]}`);
  }
  await settleAfterSignIns();
  return browsers;
}

const perSignIn = (ms: number, run: SignInRun) => (run.signIns > 0 ? ms / run.signIns : NaN);

/** The share of all the machine's time (every core, busy or idle) the server's hashing pool had during a sign-in run. */
const hashingShare = (cpu: CpuSplit) => cpu.threads.poolMs / (cpu.serverMs + cpu.benchMs + cpu.othersMs + cpu.idleMs);
/** The same in the raw run: its verifies' CPU time over the machine's time. */
const rawHashingShare = (raw: RawHashRun) => (raw.cpuMsPerVerify * raw.perS) / (os.cpus().length * 1000);

export async function signInBench(): Promise<void> {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore}`);
  await withBenchRun(async (run) => {
    const setup = await productionSetup(run);
    const server = await spawnServer([...START_FLAGS, ...cpuProfileFlags(), setup.serverJs], setup.env, setup.serverDir, '/login', PROXY_HEADERS);
    run.children.push(server);
    const site = behindProxy(server.url);
    const pid = server.process.pid;
    log(`${RETURNING_USERS} returning users sign in once, for their browser cookies…`);
    const browsers = await returningBrowsers(site);
    const loginAnswer = join(run.dir, 'login-answer.json');
    await saveAnswer(site, '/login', null, loginAnswer);

    const measured: Omit<Round, 'floor' | 'floorRaw'>[] = [];
    for (let n = 1; n <= ROUNDS; n++) {
      log(`round ${n}: raw argon2id verify in this process…`);
      const raw = await rawArgon2(DURATION_S);
      log(`  ${fmt(raw.perS, 1)} verifies/s, ${fmt(raw.cpuMsPerVerify, 1)} ms of CPU each`);
      log(`round ${n}: sign-ins from new browsers…`);
      const fresh = await signInStorm(site, (i) => seedUsername(1 + RETURNING_USERS + ((i + n * 7919) % (USERS - RETURNING_USERS))), { pid });
      log(`  ${fmt(fresh.signInsPerS, 1)} sign-ins/s, ${pct(fresh.signInsPerS / raw.perS)} of the raw rate; outcomes ${JSON.stringify(fresh.outcomes)}`);
      log(`round ${n}: sign-ins from returning browsers…`);
      const returning = await signInStorm(site, (i) => seedUsername(1 + (i % RETURNING_USERS)), { pid, browserOf: (i) => browsers[i % RETURNING_USERS] });
      log(`  ${fmt(returning.signInsPerS, 1)} sign-ins/s, ${pct(returning.signInsPerS / raw.perS)} of the raw rate; outcomes ${JSON.stringify(returning.outcomes)}`);
      log(`round ${n}: GET /login at ${PROBE_RATE} req/s during a sign-in storm…`);
      const storm = await loginDuringStorm(site);
      log(`  p99 ${storm.probe.p99} ms (${fmt(storm.signInsPerS, 1)} sign-ins/s)`);
      measured.push({ raw, fresh, returning, storm });
    }
    await server.stop();

    // The floor runs once Gatehouse's server has stopped: it would still be mailing the notices of the runs above
    // (thousands, over minutes), CPU the floor must not have to share. Each floor run has a raw run of its own.
    const floors: Pick<Round, 'floor' | 'floorRaw'>[] = [];
    for (let n = 1; n <= ROUNDS; n++) {
      log(`floor ${n}: raw argon2id verify in this process…`);
      const floorRaw = await rawArgon2(DURATION_S);
      log(`  ${fmt(floorRaw.perS, 1)} verifies/s`);
      log(`floor ${n}: the least possible sign-in, from the bare Fastify on the same database…`);
      const floorServer = await spawnSignInFloor(loginAnswer, setup.env.DATABASE_URL!);
      run.children.push(floorServer);
      const floor = await signInStorm({ url: floorServer.url, headers: {} }, (i) => seedUsername(1 + RETURNING_USERS + ((i + n * 104_729) % (USERS - RETURNING_USERS))), {
        pid: floorServer.process.pid,
      });
      await floorServer.stop();
      log(`  ${fmt(floor.signInsPerS, 1)} sign-ins/s, ${pct(floor.signInsPerS / floorRaw.perS)} of the raw rate; outcomes ${JSON.stringify(floor.outcomes)}`);
      floors.push({ floor, floorRaw });
    }
    const rounds: Round[] = measured.map((r, i) => ({ ...r, ...floors[i]! }));
    m.loadAfter = loadAverage();

    const median = (values: number[]) => spreadOf(values).median;
    const kinds = [
      { name: 'from new browsers (each mails the new-browser notice)', of: (r: Round) => r.fresh, rawOf: (r: Round) => r.raw, judged: true },
      { name: 'from returning browsers (no notice)', of: (r: Round) => r.returning, rawOf: (r: Round) => r.raw, judged: true },
      // bench/hello-world.ts (BENCH_SIGN_IN_FLOOR) says what the floor does and leaves out; it has no target of its own.
      {
        name: 'the least possible sign-in (bare Fastify: the form with a fresh CSRF token, its check, the account, the hash through the same gate, a session row, the cookie)',
        of: (r: Round) => r.floor,
        rawOf: (r: Round) => r.floorRaw,
        judged: false,
      },
    ];
    const hashMs = median(rounds.map((r) => r.raw.cpuMsPerVerify));
    const cpuRow = (name: string, of: (r: Round) => SignInRun, rawOf: (r: Round) => RawHashRun) => {
      const split = (pick: (c: CpuSplit) => number) => median(rounds.map((r) => (of(r).cpu ? perSignIn(pick(of(r).cpu!), of(r)) : NaN)));
      const benchMs = split((c) => c.benchMs);
      const cells = [
        split((c) => c.serverMs),
        split((c) => c.threads.poolMs),
        split((c) => c.threads.mainMs),
        split((c) => c.threads.v8Ms + c.threads.otherMs),
        benchMs,
        split((c) => c.othersMs),
        split((c) => c.idleMs),
      ];
      const inRun = median(rounds.map((r) => (of(r).cpu ? hashingShare(of(r).cpu!) / rawHashingShare(rawOf(r)) : NaN)));
      return `| ${name} | ${cells.map((ms) => `${fmt(ms, 2)} ms`).join(' | ')} | ${pct(inRun)} | ${pct(hashMs / (hashMs + benchMs))} |`;
    };
    const problems = rounds.flatMap((r, i) => [
      ...signInOutcomeProblems(`round ${i + 1}: new browsers:`, r.fresh.outcomes),
      ...signInOutcomeProblems(`round ${i + 1}: returning browsers:`, r.returning.outcomes),
      ...signInOutcomeProblems(`round ${i + 1}: the storm's`, r.storm.outcomes),
      ...signInOutcomeProblems(`round ${i + 1}: the floor's`, r.floor.outcomes),
    ]);
    const lines = [
      '# Gatehouse benchmark: sign-in (`npm run bench -- --sign-in`)',
      '',
      machineLines(m),
      `- ${ROUNDS} rounds; autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; production mode behind the proxy's headers, ${USERS.toLocaleString('en')} seeded users on SQLite; each user signs in from an address of its own; HASH_CONCURRENCY ${process.env.HASH_CONCURRENCY ?? 'left to the app (one more than there are cores)'}`,
      '',
      '| sign-ins | per second (median) | share of the raw argon2id rate (median, range) | target | |',
      '|---|---:|---|---|---|',
      `| raw argon2id verify (${CONNECTIONS} at a time, in the load generator's process) | ${fmt(median(rounds.map((r) => r.raw.perS)), 1)} | 100% | | |`,
      ...kinds.map(({ name, of, rawOf, judged }) => {
        const shares = spreadOf(rounds.map((r) => of(r).signInsPerS / rawOf(r).perS));
        const target = judged ? `| ≥ ${pct(TARGETS.signInOfRawHash)} | ${mark(shares.median >= TARGETS.signInOfRawHash)} |` : '| | |';
        return `| ${name} | ${fmt(median(rounds.map((r) => of(r).signInsPerS)), 1)} | ${shareWithRange(shares)} ${target}`;
      }),
      '',
      `| visitors during a sign-in storm | p50 ms | p99 ms (median, range) | target | |`,
      '|---|---:|---|---|---|',
      (() => {
        const p99 = spreadOf(rounds.map((r) => r.storm.probe.p99));
        return `| \`GET /login\` at ${PROBE_RATE} req/s while ${CONNECTIONS} connections sign in | ${fmt(median(rounds.map((r) => r.storm.probe.p50)))} | ${fmt(p99.median)} (${fmt(p99.min)}–${fmt(p99.max)}) | ≤ ${fmt(TARGETS.loginP99DuringStormMs)} ms | ${mark(p99.median <= TARGETS.loginP99DuringStormMs)} |`;
      })(),
      '',
      `Where the CPU went, per completed sign-in (medians of the rounds; the run and the ${fmt(SIGN_INS_SETTLE_MS / 1000)} s of settling after it, when the last sign-ins end and their notices are mailed; idle: during the run only). The server's time is split by thread (/proc/<pid>/task): libuv's pool runs the hashes, the main thread runs everything else of ours (HTTP, SQLite, templates, mail), V8's workers collect garbage. One raw verify costs ${fmt(hashMs, 2)} ms of CPU in the load generator's process. *Hashing's share of the machine* is the pool's CPU time over all the machine's time per sign-in, divided by the same share in the raw run: unlike the rates, which come from runs a minute apart, each share is taken within its own run, so the machine's drift between runs does not move it.`,
      '',
      '| sign-ins | server | its hashing pool | its main thread | its V8 workers and others | load generator and peers (this process) | other processes | idle | hashing\'s share of the machine, against raw\'s | best share any server could reach here |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...kinds.map(({ name, of, rawOf }) => cpuRow(name, of, rawOf)),
      '',
      '**Every round:**',
      '',
      '| round | raw verifies/s | new browsers: sign-ins/s (share) | returning browsers: sign-ins/s (share) | storm: visitors\' p99 ms | floor: its raw verifies/s | floor: sign-ins/s (share) |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rounds.map(
        (r, i) =>
          `| ${i + 1} | ${fmt(r.raw.perS, 1)} | ${fmt(r.fresh.signInsPerS, 1)} (${pct(r.fresh.signInsPerS / r.raw.perS)}) | ${fmt(r.returning.signInsPerS, 1)} (${pct(r.returning.signInsPerS / r.raw.perS)}) | ${fmt(r.storm.probe.p99)} | ${fmt(r.floorRaw.perS, 1)} | ${fmt(r.floor.signInsPerS, 1)} (${pct(r.floor.signInsPerS / r.floorRaw.perS)}) |`,
      ),
      ...(problems.length > 0 ? ['', '**Problems — these figures measured something else than intended:**', ...problems.map((p) => `- ${p}`)] : []),
    ];
    publishResult('sign-in.md', lines.join('\n') + '\n', problems);
  });
}
