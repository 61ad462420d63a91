/**
 * `npm run bench`: the ceiling, pages, sign-in against the raw hash rate, the visitors' latency during a sign-in
 * storm, the OpenID Connect provider, the 2FA code check, forward-auth, memory and start time, in one run
 * (bench/results/latest.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openDatabase } from '../src/db/database.js';
import { seedUsername, seedUsers } from '../scripts/seed.js';
import { TwilioStandIn } from '../test/support/twilio-stand-in.js';
import { forwardAuthChecks, forwardAuthProblems, forwardAuthRow, FORWARD_AUTH_HOW } from './forward-auth.js';
import { cannon, fromResult, rssMb, withOthersCpu, withPeakRss, type Measured } from './load.js';
import { codeExchanges, oidcBrowsers, refreshChains, refreshGrants, registerOidcApp, type ExchangeRun } from './oidc.js';
import { fmt, loadAverage, machine, machineLines, mark, ms, pct, writeResult, type Machine, type Row } from './report.js';
import { buildServer, measureCeiling, serverEnv, spawnServer, type Child } from './server.js';
import { rawArgon2, signedInPage, signedInSessions, signInRequests, signInStorm, type SignInRun } from './sessions.js';
import { CONNECTIONS, DURATION_S, log, sleep, START_COMMAND, START_FLAGS, TARGETS, USERS, WARMUP_S } from './settings.js';
import { codeChecks, preparePendingSignIns } from './two-factor.js';

/** Pending 2FA sign-ins prepared for the code check (each check consumes one), per 10 s of DURATION. */
const TWO_FACTOR_CHECKS_PER_10S = 2_000;
/** The steady visitor traffic whose latency is watched alone and during the sign-in storm. */
const PROBE_RATE = 100;
const PROBE_CONNECTIONS = 4;
/** Browsers signed in to the bench's app (twice the connections: one is always free to check out). */
const OIDC_BROWSERS = CONNECTIONS * 2;

/** GET /login at a steady PROBE_RATE req/s: what a visitor waits. */
function probeLogin(url: string, duration = DURATION_S): Promise<autocannon.Result> {
  return autocannon({ url: `${url}/login`, connections: PROBE_CONNECTIONS, overallRate: PROBE_RATE, duration });
}

export async function defaultBench(): Promise<void> {
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
      const { measured, othersShare } = await measureCeiling(children);
      others.push({ label, share: othersShare });
      return measured;
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
    m.loadAfter = loadAverage();

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
