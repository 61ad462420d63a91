/**
 * Forward-auth checks (`GET /api/authz/forward-auth`, as a reverse proxy asks them) on a server started with
 * ACCESS_RULES_FILE; `npm run bench -- --forward-auth` runs the ceiling and these only (bench/results/forward-auth.md).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { seedUsername } from '../scripts/seed.js';
import { behindProxy, cannonWithCpu, fromResult, unexpectedAnswers, withOthersCpu, type Measured } from './load.js';
import { cpuProfileFlags, productionSetup } from './peers.js';
import { fmt, loadAverage, machine, machineLines, mark, ms, pct, publishResult, type Row } from './report.js';
import { measureCeiling, spawnServer, withBenchRun } from './server.js';
import { signedInSessions } from './sessions.js';
import { CONNECTIONS, DURATION_S, log, PROXY_HEADERS, START_FLAGS, TARGETS, WARMUP_S } from './settings.js';

/** The rules the forward-auth server runs with: one app, one factor. */
const FORWARD_AUTH_RULES = 'default_policy: deny\nrules:\n  - domain: app.bench.test\n    policy: one_factor\n';
/** The session cookie's Domain: BENCH_APP_URL's host (gatehouse.bench.test) and the protected app are below it. */
const COOKIE_DOMAIN_OF_BENCH = 'bench.test';
const FORWARD_AUTH_HEADERS = { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.bench.test', 'x-forwarded-uri': '/notes?page=2' };

/**
 * Forward-auth checks per second: a server of its own (the same build, database and environment, plus
 * ACCESS_RULES_FILE and a COOKIE_DOMAIN above APP_URL's host), 32 signed-in sessions, and `GET /api/authz/forward-auth` with the
 * headers Traefik or Caddy send, each request with the next session's cookie. Every answer must be a 200.
 */
export async function forwardAuthChecks(
  serverJs: string,
  serverDir: string,
  env: Record<string, string>,
  dir: string,
): Promise<{ measured: Measured; othersShare: number | null; cpuUsPerRequest: number | null }> {
  const rulesFile = join(dir, 'access-rules.yml');
  writeFileSync(rulesFile, FORWARD_AUTH_RULES);
  const server = await spawnServer(
    [...START_FLAGS, ...cpuProfileFlags(), serverJs],
    { ...env, COOKIE_DOMAIN: COOKIE_DOMAIN_OF_BENCH, ACCESS_RULES_FILE: rulesFile },
    serverDir,
    '/login',
    PROXY_HEADERS,
  );
  try {
    const site = behindProxy(server.url);
    const sessions = await signedInSessions(site, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(i + 1)));
    let i = 0;
    const { result, othersShare } = await withOthersCpu([server.process.pid], () =>
      cannonWithCpu(
        {
          url: `${server.url}/api/authz/forward-auth`,
          headers: { ...site.headers },
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

export function forwardAuthRow(fwd: Measured, ceiling: Measured): Row {
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

export function forwardAuthProblems(fwd: Measured): string[] {
  return unexpectedAnswers('forward-auth checks', fwd);
}

export const FORWARD_AUTH_HOW =
  '- Forward-auth: a second server process (same build, database and production environment) with `ACCESS_RULES_FILE` (one `one_factor` rule), `COOKIE_DOMAIN` and `TRUST_PROXY=127.0.0.1`; 32 signed-in sessions; each `GET /api/authz/forward-auth` carries the `X-Forwarded-*` headers Traefik or Caddy send and the next session\'s cookie; every answer a 200 with the `Remote-*` headers, no write. On SQLite a check reads the session, account and groups with one query and keeps what it found until the database changes (any write, from any process: decision 018), so in this run each session is read once and later checks cost a pragma instead; on PostgreSQL, and after any write, a check runs the query (on this machine about 41 µs of CPU per check instead of 23, 24% of the ceiling).';

export async function forwardAuthBench(): Promise<void> {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore}`);
  await withBenchRun(async (run) => {
    const { dir, children } = run;
    const setup = await productionSetup(run);
    const runCeiling = async () => {
      const { measured, cpuUsPerRequest } = await measureCeiling(children);
      return { ...measured, cpuUsPerRequest };
    };
    log('hello-world (the ceiling)…');
    const first = await runCeiling();
    log('forward-auth checks…');
    const fwd = await forwardAuthChecks(setup.serverJs, setup.serverDir, setup.env, dir);
    log(`  ${fmt(fwd.measured.rps)} req/s, p99 ${fwd.measured.p99} ms, ${fmt(fwd.cpuUsPerRequest ?? NaN)} µs of CPU per request`);
    log('hello-world again…');
    const last = await runCeiling();
    const ceiling: Measured = { ...first, rps: (first.rps + last.rps) / 2, p50: Math.max(first.p50, last.p50), p99: Math.max(first.p99, last.p99) };
    m.loadAfter = loadAverage();
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
    publishResult('forward-auth.md', markdown, problems);
  });
}
