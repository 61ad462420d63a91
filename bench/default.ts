/**
 * `npm run bench`: the app in production mode behind a TLS proxy's headers. ROUNDS rounds of the figures the issue
 * sets goals for (each against a ceiling or raw hash rate measured right before it), then single runs of the other
 * pages, the OpenID Connect provider, the 2FA code check and forward-auth; memory and start time
 * (bench/results/latest.md).
 */
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { seedUsername, seedUsers } from '../scripts/seed.js';
import { forwardAuthChecks, forwardAuthProblems, forwardAuthRow, FORWARD_AUTH_HOW } from './forward-auth.js';
import { behindProxy, cannon, fromResult, rssMb, serveIdleRssRequests, withOthersCpu, withPeakRss, type Measured } from './load.js';
import { codeExchanges, oidcBrowsers, refreshChains, refreshGrants, registerOidcApp, type ExchangeRun } from './oidc.js';
import { productionEnv, startProductionPeers } from './peers.js';
import { fmt, loadAverage, machine, machineLines, mark, ms, pct, publishResult, type Machine, type Row } from './report.js';
import { PROBE_CONNECTIONS, PROBE_RATE, probeLogin, roundsTable, runRounds, shareWithRange, spreadOf, type Round } from './rounds.js';
import { buildServer, spawnServer, withBenchRun } from './server.js';
import { signedInPage, signedInSessions, signInOutcomeProblems, SIGN_INS_SETTLE_MS } from './sessions.js';
import {
  BENCH_APP_URL,
  CONNECTIONS,
  DURATION_S,
  IDLE_RSS_REQUESTS,
  log,
  PROXY_HEADERS,
  ROUNDS,
  sleep,
  START_COMMAND,
  START_FLAGS,
  TARGETS,
  USERS,
  WARMUP_S,
} from './settings.js';
import { codeChecks, preparePendingSignIns } from './two-factor.js';

/** Pending 2FA sign-ins prepared for the code check (each check consumes one), per 10 s of DURATION. */
const TWO_FACTOR_CHECKS_PER_10S = 2_000;
/** Browsers signed in to the bench's app (twice the connections: one is always free to check out). */
const OIDC_BROWSERS = CONNECTIONS * 2;

export async function defaultBench(): Promise<void> {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore}`);
  log(`${ROUNDS} rounds; ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; production mode (APP_URL ${BENCH_APP_URL})`);
  await withBenchRun(async (run) => {
    const { dir, children } = run;
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

    log('the peers production mode needs: the Twilio stand-in over https (a self-signed certificate), an SMTP server…');
    const peers = (run.peers = await startProductionPeers(dir));
    const env = productionEnv(databaseUrl, peers);
    const serverDir = join(dir, 'build');
    const spawnApp = () => spawnServer([...START_FLAGS, serverJs], env, serverDir, '/login', PROXY_HEADERS);

    // Start to first response: three starts of the real server on the seeded database; the median counts.
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const child = await spawnApp();
      starts.push(child.startMs);
      await child.stop();
    }
    const startMs = [...starts].sort((a, b) => a - b)[1]!;
    log(`start to first response: ${starts.map((s) => s.toFixed(0)).join(', ')} ms`);

    const server = await spawnApp();
    children.push(server);
    const site = behindProxy(server.url);
    const pid = server.process.pid;
    await sleep(1000);
    const idleRss = rssMb(pid);
    await serveIdleRssRequests(site);
    const idleRssAfter = rssMb(pid);
    log(`server up; RSS idle ${fmt(idleRss ?? NaN, 1)} MB, idle after ${IDLE_RSS_REQUESTS.toLocaleString('en')} requests ${fmt(idleRssAfter ?? NaN, 1)} MB`);

    const others: Array<{ label: string; share: number | null }> = [];
    const peaks: Array<number | null> = [];
    const measure = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
      log(`${label}…`);
      const { result: inner, othersShare } = await withOthersCpu([pid], () => withPeakRss(pid, work));
      peaks.push(inner.peakMb);
      others.push({ label, share: othersShare });
      return inner.result;
    };

    const sessions = await signedInSessions(site, Array.from({ length: CONNECTIONS }, (_, i) => seedUsername(i + 1)));
    const rounds = await runRounds(ROUNDS, { site, sessions, children, measure, othersDuringCeiling: (label, share) => others.push({ label, share }) });
    const ceilingRps = spreadOf(rounds.map((r) => r.ceiling.rps)).median;

    log('single runs of the other figures…');
    const home = await measure('signed-in GET /', () => signedInPage(site, sessions, () => '/'));
    log(`  ${fmt(home.rps)} req/s`);
    const probeAlone = await measure(`GET /login at ${PROBE_RATE} req/s, alone`, async () => fromResult(await probeLogin(site)));
    log(`  p99 ${probeAlone.p99} ms`);

    // The identity provider: its two public documents, then the token endpoint two ways.
    const discovery = await measure('GET /oidc/.well-known/openid-configuration', async () =>
      fromResult(await cannon({ url: `${site.url}/oidc/.well-known/openid-configuration`, headers: { ...site.headers } })),
    );
    log(`  ${fmt(discovery.rps)} req/s`);
    const jwks = await measure('GET /oidc/jwks', async () => fromResult(await cannon({ url: `${site.url}/oidc/jwks`, headers: { ...site.headers } })));
    log(`  ${fmt(jwks.rps)} req/s`);
    log(`signing ${OIDC_BROWSERS} browsers in to the bench app…`);
    const browsers = await oidcBrowsers(site, oidcApp, Array.from({ length: OIDC_BROWSERS }, (_, i) => seedUsername(101 + i)));
    const exchanges = await measure('code → token exchange (GET /oidc/auth + POST /oidc/token)', () => codeExchanges(site, oidcApp, browsers));
    log(`  ${fmt(exchanges.perS, 1)} exchanges/s; token outcomes ${JSON.stringify(exchanges.outcomes)}`);
    const chains = await refreshChains(site, oidcApp, browsers);
    const refreshes = await measure('refresh-token grant (POST /oidc/token)', () => refreshGrants(site, oidcApp, chains));
    log(`  ${fmt(refreshes.rps)} req/s; outcomes ${JSON.stringify(refreshes.statuses)}`);

    log(`preparing ${twoFactorCount} pending two-factor sign-ins…`);
    const pending = await preparePendingSignIns(site, peers.standIn, twoFactorCount);
    const codes = await measure('2FA code check (POST /login/two-factor)', () => codeChecks(site, pending));
    log(`  ${fmt(codes.rps)} req/s; outcomes ${JSON.stringify(codes.statuses)}`);

    const peakRss = Math.max(...peaks.map((p) => p ?? 0));
    await server.stop();
    log('forward-auth checks (a server with ACCESS_RULES_FILE)…');
    const fwd = await forwardAuthChecks(serverJs, serverDir, env, dir);
    others.push({ label: 'forward-auth checks', share: fwd.othersShare });
    log(`  ${fmt(fwd.measured.rps)} req/s, p99 ${fwd.measured.p99} ms`);
    m.loadAfter = loadAverage();
    const mails = peers.mails();
    log(`the SMTP server took ${mails.toLocaleString('en')} messages (new-browser sign-in notices)`);

    const share = (of: (r: Round) => number) => spreadOf(rounds.map(of));
    const median = (of: (r: Round) => number) => share(of).median;
    const ceiling = share((r) => r.ceiling.rps);
    const loginShare = share((r) => r.login.rps / r.ceiling.rps);
    const profileShare = share((r) => r.profile.rps / r.ceiling.rps);
    const signInShare = share((r) => r.signIns.signInsPerS / r.raw.perS);
    const stormP99 = share((r) => r.storm.probe.p99);
    const ofRounds = `median of ${rounds.length} round${rounds.length === 1 ? '' : 's'}`;
    /** What the single runs are shared against: the median ceiling of the rounds. */
    const single: Measured = { ...rounds[0]!.ceiling, rps: ceilingRps };
    const rows: Row[] = [
      {
        name: `Fastify hello-world (the ceiling; ${ofRounds}, ${fmt(ceiling.min)}–${fmt(ceiling.max)})`,
        rps: ceiling.median,
        p50: median((r) => r.ceiling.p50),
        p99: median((r) => r.ceiling.p99),
        ratio: '100% of ceiling',
        target: '',
        met: null,
      },
      {
        name: `\`GET /login\` (${ofRounds})`,
        rps: median((r) => r.login.rps),
        p50: median((r) => r.login.p50),
        p99: median((r) => r.login.p99),
        ratio: `${shareWithRange(loginShare)} of ceiling`,
        target: `≥ ${pct(TARGETS.loginOfCeiling)}`,
        met: loginShare.median >= TARGETS.loginOfCeiling,
      },
      {
        name: `signed-in \`GET /user/<name>\` (${ofRounds})`,
        rps: median((r) => r.profile.rps),
        p50: median((r) => r.profile.p50),
        p99: median((r) => r.profile.p99),
        ratio: `${shareWithRange(profileShare)} of ceiling`,
        target: `≥ ${pct(TARGETS.profileOfCeiling)}`,
        met: profileShare.median >= TARGETS.profileOfCeiling,
      },
      { name: 'signed-in `GET /` (one run)', rps: home.rps, p50: home.p50, p99: home.p99, ratio: `${pct(home.rps / single.rps)} of ceiling`, target: '', met: null },
      {
        name: `raw argon2id verify (m=19 MiB, t=2, p=1; ${CONNECTIONS} at a time; ${ofRounds})`,
        rps: median((r) => r.raw.perS),
        p50: median((r) => r.raw.p50),
        p99: median((r) => r.raw.p99),
        ratio: '100% of hash rate',
        target: '',
        met: null,
      },
      {
        name: `full sign-in (\`GET\` + \`POST /login\`), per sign-in (${ofRounds})`,
        rps: median((r) => r.signIns.signInsPerS),
        p50: median((r) => r.signIns.p50),
        p99: median((r) => r.signIns.p99),
        ratio: `${shareWithRange(signInShare)} of hash rate`,
        target: `≥ ${pct(TARGETS.signInOfRawHash)}`,
        met: signInShare.median >= TARGETS.signInOfRawHash,
      },
      {
        name: '2FA code check (`POST /login/two-factor`, Twilio stand-in over https; one run)',
        rps: codes.rps,
        p50: codes.p50,
        p99: codes.p99,
        ratio: `${pct(codes.rps / single.rps)} of ceiling`,
        target: '',
        met: null,
      },
      { name: '`GET /oidc/.well-known/openid-configuration` (discovery; one run)', rps: discovery.rps, p50: discovery.p50, p99: discovery.p99, ratio: `${pct(discovery.rps / single.rps)} of ceiling`, target: '', met: null },
      { name: '`GET /oidc/jwks` (one run)', rps: jwks.rps, p50: jwks.p50, p99: jwks.p99, ratio: `${pct(jwks.rps / single.rps)} of ceiling`, target: '', met: null },
      {
        name: 'code → token exchange, signed-in person (`GET /oidc/auth` + `POST /oidc/token`), per exchange (one run)',
        rps: exchanges.perS,
        p50: exchanges.p50,
        p99: exchanges.p99,
        ratio: `${pct((exchanges.perS * 2) / single.rps)} of ceiling (2 requests each)`,
        target: '',
        met: null,
      },
      { name: 'refresh-token grant (`POST /oidc/token`, rotated, ES256 ID token; one run)', rps: refreshes.rps, p50: refreshes.p50, p99: refreshes.p99, ratio: `${pct(refreshes.rps / single.rps)} of ceiling`, target: '', met: null },
      forwardAuthRow(fwd.measured, single),
      { name: `\`GET /login\` at ${PROBE_RATE} req/s, alone (one run)`, rps: probeAlone.rps, p50: probeAlone.p50, p99: probeAlone.p99, ratio: '', target: '', met: null },
      {
        name: `\`GET /login\` at ${PROBE_RATE} req/s during a sign-in storm (${fmt(median((r) => r.storm.signInsPerS), 0)} sign-ins/s; ${ofRounds})`,
        rps: median((r) => r.storm.probe.rps),
        p50: median((r) => r.storm.probe.p50),
        p99: stormP99.median,
        ratio: `p99 ${ms(stormP99.min)}–${ms(stormP99.max)} ms over the rounds`,
        target: `p99 ≤ ${TARGETS.loginP99DuringStormMs} ms`,
        met: stormP99.median <= TARGETS.loginP99DuringStormMs,
      },
    ];
    const rssRow = (name: string, mb: number | null): Row => ({
      name,
      rps: NaN,
      p50: NaN,
      p99: NaN,
      ratio: `${fmt(mb ?? NaN, 1)} MB`,
      target: `≤ ${TARGETS.idleRssMb} MB`,
      met: mb === null ? null : mb <= TARGETS.idleRssMb,
    });
    const extras: Row[] = [
      rssRow('RSS idle (server up 1 s, no traffic)', idleRss),
      rssRow(`RSS idle after ${IDLE_RSS_REQUESTS.toLocaleString('en')} requests (\`GET /login\`, then 1 s idle)`, idleRssAfter),
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
    const problems = [
      ...rounds.flatMap((r, i) => roundProblems(i + 1, r)),
      ...checkOutcomes({ home, codes, probeAlone, discovery, jwks, exchanges, refreshes }),
      ...forwardAuthProblems(fwd.measured),
      ...(mails === 0 ? ['no mail reached the SMTP server: the new-browser sign-in notices were not sent'] : []),
    ];
    const markdown = renderDefault(m, rows, extras, problems, { starts, rounds, others, mails });
    publishResult('latest.md', markdown, problems);
  });
}

function only2xx(problems: string[], name: string, r: Measured): void {
  const bad = Object.entries(r.statuses).filter(([code]) => !code.startsWith('2'));
  if (bad.length > 0 || r.errors > 0) problems.push(`${name}: statuses ${JSON.stringify(r.statuses)}, ${r.errors} errors/timeouts`);
}

/** A round's runs that answered error pages or redirects, or sign-ins that did not complete. */
function roundProblems(n: number, r: Round): string[] {
  const problems: string[] = [];
  only2xx(problems, `round ${n}: GET /login`, r.login);
  only2xx(problems, `round ${n}: GET /user/<name>`, r.profile);
  only2xx(problems, `round ${n}: GET /login probe during the storm`, r.storm.probe);
  problems.push(...signInOutcomeProblems(`round ${n}: sign-in:`, r.signIns.outcomes), ...signInOutcomeProblems(`round ${n}: the storm's`, r.storm.outcomes));
  return problems;
}

/** A single run that measured error pages or redirects measured the wrong thing: say so loudly. */
function checkOutcomes(runs: { home: Measured; codes: Measured; probeAlone: Measured; discovery: Measured; jwks: Measured; exchanges: ExchangeRun; refreshes: Measured }): string[] {
  const problems: string[] = [];
  only2xx(problems, 'GET /', runs.home);
  only2xx(problems, 'GET /login probe', runs.probeAlone);
  const failedCodes = Object.entries(runs.codes.statuses).filter(([code]) => code !== '302');
  if (failedCodes.length > 0) problems.push(`2FA check: outcomes ${JSON.stringify(runs.codes.statuses)} (only 302 is a success)`);
  only2xx(problems, 'GET /oidc/.well-known/openid-configuration', runs.discovery);
  only2xx(problems, 'GET /oidc/jwks', runs.jwks);
  const failedExchanges = Object.entries(runs.exchanges.outcomes).filter(([code]) => code !== '200');
  if (failedExchanges.length > 0) problems.push(`code → token exchange: token endpoint outcomes ${JSON.stringify(runs.exchanges.outcomes)} (only 200 is a success)`);
  only2xx(problems, 'refresh-token grant', runs.refreshes);
  return problems;
}

interface RunDetails {
  starts: number[];
  rounds: Round[];
  others: Array<{ label: string; share: number | null }>;
  mails: number;
}

function renderDefault(m: Machine, rows: Row[], extras: Row[], problems: string[], details: RunDetails): string {
  const { starts, rounds } = details;
  const shares = details.others.filter((o) => o.share !== null) as Array<{ label: string; share: number }>;
  const busiest = shares.sort((a, b) => b.share - a.share)[0];
  const lines = [
    '# Gatehouse benchmark (`npm run bench`)',
    '',
    machineLines(m),
    `- autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; server and ceiling are separate processes from the load generator; ${rounds.length} round${rounds.length === 1 ? '' : 's'}`,
    busiest
      ? `- Other processes (other work on this machine, the host's other guests) used at most ${pct(busiest.share)} of the CPU during a run (${busiest.label}).`
      : '- The CPU share of other processes is not available (no /proc).',
    '',
    '| measurement | req/s | p50 ms | p99 ms | ratio | target | |',
    '|---|---:|---:|---:|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.rps, r.rps < 1000 ? 1 : 0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.ratio} | ${r.target} | ${mark(r.met)} |`),
    ...extras.map((r) => `| ${r.name} | | | | ${r.ratio} | ${r.target} | ${mark(r.met)} |`),
    '',
    'Each round (the ceiling right before the two pages, raw argon2id right before the sign-ins; the table above gives the median of these shares, and their range):',
    '',
    ...roundsTable(rounds),
    '',
    'How it was measured:',
    `- Production mode, as a deployment runs: \`NODE_ENV=production\`, \`APP_URL=${BENCH_APP_URL}\` (never resolved: every request goes to the server's own port on 127.0.0.1), \`TRUST_PROXY=127.0.0.1\`, and every request carries what a TLS proxy in front adds: \`X-Forwarded-Proto: https\`, \`Host\` and \`X-Forwarded-Host\` of APP_URL, and \`X-Forwarded-For\` where a user's address matters. Cookies are therefore \`Secure\` and \`__Host-\` prefixed.`,
    `- Production refuses to start without its peers, so they are real and on loopback, in the load generator's process: the Twilio Verify stand-in (test/support/twilio-stand-in.ts) over https with a self-signed certificate made by \`openssl req -x509\` at the start of the run (the server trusts it through \`NODE_EXTRA_CA_CERTS\`), and an SMTP server (smtp-server) that takes the new-browser sign-in notices the outbox sends (${details.mails.toLocaleString('en')} in this run) and keeps only their count.`,
    `- Rounds: the machine is shared and its speed drifts, so the figures with a goal are measured ${rounds.length} times, each round in this order: the ceiling (a bare Fastify hello-world, a fresh process), \`GET /login\`, the signed-in profile, raw argon2id, the full sign-in, the visitors' latency during a sign-in storm. Each page is shared against its own round's ceiling and each sign-in rate against its own round's raw hash rate; the table gives the median of the rounds' shares and their range. Other rows are one run each (their share is of the median ceiling).`,
    `- The server is the real one (\`${START_COMMAND}\`, as \`npm start\` runs it, compiled to a temp folder) on a fresh SQLite file with ${USERS.toLocaleString('en')} seeded users, all sharing one precomputed argon2id hash; \`LOG_LEVEL=warn\` (no per-request log lines, like the ceiling). One server process serves every run but forward-auth.`,
    '- Rate limits: each benchmark user signs in from its own `X-Forwarded-For` address, as real users do; `SMS_HOURLY_BUDGET=1000000`. No limit is disabled: a successful sign-in refunds its per-IP point, and no account ever has two attempts in flight (the per-account slot would refuse one).',
    '- Signed-in pages: 32 sessions, one per user; the profile visited changes with every request. autocannon reports whole milliseconds.',
    `- Sign-in rate = completed sign-ins (\`GET /login\` + \`POST /login\` → 302) per second; p50/p99 are of the pair. Every sign-in is from a new browser, so each queues a notice mail. After each sign-in run (warm-up included) the bench waits ${SIGN_INS_SETTLE_MS / 1000} s, so that the attempts autocannon left in flight end before the next run. The raw rate is \`@node-rs/argon2\` \`verify\` with the same parameters, 32 at a time, in the load generator's process while the server idles (both use libuv's default pool of 4 threads).`,
    `- 2FA check: users with SMS two-factor are signed in up to the code page first (the code sent to the Twilio stand-in over https), then each \`POST /login/two-factor\` with the right code consumes one pending sign-in (${CONNECTIONS} connections, a fixed number of requests rather than a fixed time).`,
    `- OpenID Connect: an app registered with \`apps add --first-party\` (confidential, \`client_secret_basic\`, ES256 ID tokens). Discovery and JWKS are plain GETs. A code → token exchange is what the app's server and the browser of someone already signed in to Gatehouse (and to the app once before) do: \`GET /oidc/auth\` (session check, grant, a code stored; 303 to the app), then \`POST /oidc/token\` (client authentication, the code consumed atomically, PKCE, an ID token signed, the access token stored); ${OIDC_BROWSERS} browsers, each with one exchange in flight at most. The refresh-token grant is the token endpoint alone, as an app renewing its access token calls it: each grant consumes the refresh token and stores a new one, a new access token and a signed ID token.`,
    `- Storm: ${CONNECTIONS} connections signing in continuously while ${PROBE_CONNECTIONS} connections request \`GET /login\` at a steady ${PROBE_RATE} req/s; the p99 is the visitors'.`,
    `- Memory: RSS of the server process 1 s after its first answer, and again after ${IDLE_RSS_REQUESTS.toLocaleString('en')} anonymous \`GET /login\` requests and 1 s of idling; the peak is sampled every 100 ms during the runs.`,
    `- Start: spawn to the first answer of \`GET /login\` on the seeded database (migrations already applied): ${starts.map((s) => `${s.toFixed(0)} ms`).join(', ')}.`,
    FORWARD_AUTH_HOW,
  ];
  if (problems.length > 0) lines.push('', '**Problems — these figures measured something else than intended:**', ...problems.map((p) => `- ${p}`));
  return lines.join('\n') + '\n';
}
