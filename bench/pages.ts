/**
 * `npm run bench -- --pages`: the two pages the issue sets goals for — `GET /login` and the signed-in profile — and
 * the signed-in home, with the CPU time the server spends on each request, between two runs of the ceiling, on the
 * production-mode server of the default bench (bench/results/pages.md). Shorter than the default bench, and its CPU
 * per request moves less with other work on the machine than req/s does (still ±25% between runs of one build here:
 * compare builds in interleaved runs): the run to make before and after a change to the pages' path. Then each goal
 * page's floor: its answer (status, headers, cookies, body) saved and replayed by the bare Fastify of the ceiling,
 * which costs what sending those bytes costs and nothing else — and for `GET /login` once more with a fresh CSRF
 * secret and token in each answer, the least any sign-in form with CSRF protection costs; for the profile once more
 * after its unavoidable lookups (session and account, the profile's account, its token). `BENCH_CPU_PROF=<folder>` writes a V8 CPU profile of
 * the server (`npm run bench:profile -- <file>` sums it).
 */
import os from 'node:os';
import { join } from 'node:path';
import { seedUsername } from '../scripts/seed.js';
import { behindProxy, cannonWithCpu, fromResult, saveAnswer, unexpectedAnswers, withOthersCpu, type Measured } from './load.js';
import { cpuProfileFlags, productionSetup } from './peers.js';
import { fmt, loadAverage, machine, machineLines, mark, ms, pct, publishResult } from './report.js';
import { measureCeiling, spawnServer, withBenchRun } from './server.js';
import { signedInRequests, signedInSessions } from './sessions.js';
import { CONNECTIONS, DURATION_S, log, PROXY_HEADERS, START_FLAGS, TARGETS, USERS, WARMUP_S } from './settings.js';

interface PageRun {
  name: string;
  measured: Measured;
  cpuUs: number | null;
  target: number | null;
}

export async function pagesBench(): Promise<void> {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore}`);
  await withBenchRun(async (run) => {
    const { children } = run;
    const setup = await productionSetup(run);

    log('hello-world (the ceiling)…');
    const first = await measureCeiling(children);

    const profile = cpuProfileFlags();
    const server = await spawnServer([...START_FLAGS, ...profile, setup.serverJs], setup.env, setup.serverDir, '/login', PROXY_HEADERS);
    children.push(server);
    const site = behindProxy(server.url);
    const pid = server.process.pid;
    const sessions = await signedInSessions(site, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(i + 1)));

    const runs: PageRun[] = [];
    /** The most of the CPU other processes took during a page run; null where /proc cannot tell. */
    let othersMax: number | null = 0;
    const page = async (name: string, target: number | null, options: Parameters<typeof cannonWithCpu>[0]) => {
      log(`${name}…`);
      const { result, othersShare } = await withOthersCpu([pid], () => cannonWithCpu({ headers: { ...site.headers }, ...options }, pid));
      othersMax = othersShare === null || othersMax === null ? null : Math.max(othersMax, othersShare);
      runs.push({ name, measured: fromResult(result.result), cpuUs: result.cpuUsPerRequest, target });
      log(`  ${fmt(result.result.requests.total / result.result.duration)} req/s, ${fmt(result.cpuUsPerRequest ?? NaN)} µs of CPU per request`);
    };
    await page('`GET /login`', TARGETS.loginOfCeiling, { url: `${site.url}/login` });
    await page('signed-in `GET /user/<name>`', TARGETS.profileOfCeiling, {
      url: site.url,
      requests: signedInRequests(sessions, (i) => `/user/${seedUsername(1 + ((i * 7919) % USERS))}`),
    });
    await page('signed-in `GET /`', null, { url: site.url, requests: signedInRequests(sessions, () => '/') });
    // The floors: each goal page's answer, replayed by the bare Fastify of the ceiling.
    const loginAnswer = join(run.dir, 'login-answer.json');
    const profileAnswer = join(run.dir, 'profile-answer.json');
    await saveAnswer(site, '/login', null, loginAnswer);
    await saveAnswer(site, `/user/${seedUsername(2)}`, sessions[0]!, profileAnswer);
    const sessionToken = /(?:^|; )[^=]*session=([^;]+)/.exec(sessions[0]!)?.[1];
    if (!sessionToken) throw new Error('the signed-in cookies have no session cookie');
    await server.stop();

    const floors: PageRun[] = [];
    for (const [name, replay] of [
      ['`GET /login`\'s answer replayed by the bare Fastify (its bytes, none of its work)', { file: loginAnswer }],
      ['the same with a fresh CSRF secret (signed cookie) and token in each answer', { file: loginAnswer, freshToken: true }],
      ['signed-in `GET /user/<name>`\'s answer replayed by the bare Fastify', { file: profileAnswer }],
      [
        'the same after the lookups it cannot do without (session and account, the profile\'s account, its token; src/db\'s own functions)',
        { file: profileAnswer, signedIn: { databaseUrl: setup.env.DATABASE_URL!, sessionToken, profile: seedUsername(2) } },
      ],
    ] as const) {
      log(`${name}…`);
      const floor = await measureCeiling(children, replay);
      floors.push({ name, measured: floor.measured, cpuUs: floor.cpuUsPerRequest, target: null });
    }

    log('hello-world again…');
    const last = await measureCeiling(children);
    m.loadAfter = loadAverage();

    const ceilingRps = (first.measured.rps + last.measured.rps) / 2;
    const ceilingCpu = first.cpuUsPerRequest !== null && last.cpuUsPerRequest !== null ? (first.cpuUsPerRequest + last.cpuUsPerRequest) / 2 : null;
    const problems = [...runs, ...floors].flatMap((r) => unexpectedAnswers(r.name, r.measured));
    const cpu = (us: number | null) => (us === null ? '–' : `${fmt(us)} µs`);
    const lines = [
      '# Gatehouse benchmark: pages (`npm run bench -- --pages`)',
      '',
      machineLines(m),
      `- autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; production mode behind the proxy's headers, ${USERS.toLocaleString('en')} seeded users on SQLite; the ceiling measured before and after (${fmt(first.measured.rps)} and ${fmt(last.measured.rps)} req/s, mean used); other processes took at most ${othersMax === null ? '–' : pct(othersMax)} of the CPU during the page runs${profile.length > 0 ? '; **with a CPU profile being sampled** (not comparable with runs without)' : ''}`,
      '',
      '| measurement | req/s | p50 ms | p99 ms | share of ceiling | server CPU per request | target | |',
      '|---|---:|---:|---:|---|---:|---|---|',
      `| Fastify hello-world (the ceiling; mean of two runs) | ${fmt(ceilingRps)} | ${ms(Math.max(first.measured.p50, last.measured.p50))} | ${ms(Math.max(first.measured.p99, last.measured.p99))} | 100% | ${cpu(ceilingCpu)} | | |`,
      ...[...runs, ...floors].map((r) => {
        const share = r.measured.rps / ceilingRps;
        return `| ${r.name} | ${fmt(r.measured.rps)} | ${ms(r.measured.p50)} | ${ms(r.measured.p99)} | ${pct(share)} | ${cpu(r.cpuUs)} | ${r.target === null ? '' : `≥ ${pct(r.target)}`} | ${r.target === null ? '' : mark(share >= r.target)} |`;
      }),
      '',
      `- The replayed answers are the floor of each page: the same status, headers (its cookies too) and body, from the bare Fastify of the ceiling with nothing computed per request. What a page costs above its floor is its work; the floor is what any server pays to send those bytes here. The second replay adds the one thing no CSRF-protected sign-in form can skip: a fresh random secret in a signed cookie and a fresh masked token in the page, made as src/auth/csrf.ts makes them (pooled randomness, HMAC-SHA256). The last replay does, before each answer, what no signed-in profile page can skip, with Gatehouse's own data layer: the session and its account by the token's hash, the profile's account by its name, the token masked with the session's secret.`,
      `- Server CPU per request is steadier than req/s on a shared machine (compare versions side by side, not across days). The share of req/s is higher than the share of CPU because the load generator shares the machine's ${os.cpus().length} cores and limits the ceiling's rate.`,
      ...(problems.length > 0 ? ['', '**Problems — these figures measured something else than intended:**', ...problems.map((p) => `- ${p}`)] : []),
    ];
    publishResult('pages.md', lines.join('\n') + '\n', problems);
  });
}
