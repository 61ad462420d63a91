/**
 * The default bench's rounds: the figures the issue sets goals for, each measured against a ceiling taken right
 * before it in the same round, so that the machine's drift (other sessions' work, the host's other guests) moves
 * both alike; the report gives the median of the rounds' shares and their spread.
 */
import autocannon from 'autocannon';
import { seedUsername } from '../scripts/seed.js';
import { cannon, fromResult, type Measured, type Site } from './load.js';
import { fmt, ms, pct } from './report.js';
import { measureCeiling, type Child } from './server.js';
import { rawArgon2, settleAfterSignIns, signedInPage, signInRequests, signInStorm, type RawHashRun, type SignInRun } from './sessions.js';
import { CONNECTIONS, DURATION_S, log, USERS } from './settings.js';

/** The steady visitor traffic whose latency is watched alone and during the sign-in storm. */
export const PROBE_RATE = 100;
export const PROBE_CONNECTIONS = 4;

/** GET /login at a steady PROBE_RATE req/s: what a visitor waits. */
export function probeLogin(site: Site, duration = DURATION_S): Promise<autocannon.Result> {
  return autocannon({ url: `${site.url}/login`, headers: { ...site.headers }, connections: PROBE_CONNECTIONS, overallRate: PROBE_RATE, duration });
}

/** The visitors' GET /login while CONNECTIONS connections sign in continuously (other users than the sign-in run's). */
export async function loginDuringStorm(site: Site): Promise<{ probe: Measured; signInsPerS: number; outcomes: Record<string, number> }> {
  const stats = { times: [] as number[], outcomes: {} as Record<string, number> };
  const [probe, stormRun] = await Promise.all([
    probeLogin(site),
    autocannon({
      url: site.url,
      headers: { ...site.headers },
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: signInRequests((n) => seedUsername(1 + ((n + 500) % USERS)), stats),
    }),
  ]);
  await settleAfterSignIns();
  return { probe: fromResult(probe), signInsPerS: (stats.outcomes['302'] ?? 0) / stormRun.duration, outcomes: stats.outcomes };
}

export interface Round {
  ceiling: Measured;
  login: Measured;
  profile: Measured;
  raw: RawHashRun;
  signIns: SignInRun;
  storm: { probe: Measured; signInsPerS: number; outcomes: Record<string, number> };
}

export interface RoundRunner {
  site: Site;
  /** Signed-in cookie headers for the profile runs. */
  sessions: string[];
  /** Where the ceiling's process is registered while it runs (stopped and shown if the bench fails). */
  children: Child[];
  /** Runs one measurement of the app (its CPU share of others, its peak RSS). */
  measure: <T>(label: string, work: () => Promise<T>) => Promise<T>;
  /** Records the share of the CPU other processes took during a ceiling run. */
  othersDuringCeiling: (label: string, share: number | null) => void;
}

/** One round: the ceiling, then GET /login and the signed-in profile; raw argon2id, then the sign-ins and the storm. */
async function runRound(n: number, r: RoundRunner): Promise<Round> {
  log(`round ${n}: hello-world (the ceiling)…`);
  const { measured: ceiling, othersShare } = await measureCeiling(r.children);
  r.othersDuringCeiling(`hello-world (round ${n})`, othersShare);
  const login = await r.measure(`round ${n}: GET /login`, async () => fromResult(await cannon({ url: `${r.site.url}/login`, headers: { ...r.site.headers } })));
  log(`  ${fmt(login.rps)} req/s, ${pct(login.rps / ceiling.rps)} of the ceiling`);
  const profile = await r.measure(`round ${n}: signed-in GET /user/<name>`, () => signedInPage(r.site, r.sessions, (i) => `/user/${seedUsername(1 + ((i * 7919) % USERS))}`));
  log(`  ${fmt(profile.rps)} req/s, ${pct(profile.rps / ceiling.rps)} of the ceiling`);
  const raw = await r.measure(`round ${n}: raw argon2id verify in this process`, () => rawArgon2(DURATION_S));
  log(`  ${fmt(raw.perS, 1)} verifies/s`);
  const signIns = await r.measure(`round ${n}: full sign-in (GET + POST /login)`, () => signInStorm(r.site, (i) => seedUsername(1 + (i % USERS))));
  log(`  ${fmt(signIns.signInsPerS, 1)} sign-ins/s, ${pct(signIns.signInsPerS / raw.perS)} of the raw hash rate; POST outcomes ${JSON.stringify(signIns.outcomes)}`);
  const storm = await r.measure(`round ${n}: GET /login at ${PROBE_RATE} req/s during a sign-in storm`, () => loginDuringStorm(r.site));
  log(`  p99 ${storm.probe.p99} ms (${fmt(storm.signInsPerS, 1)} sign-ins/s)`);
  return { ceiling, login, profile, raw, signIns, storm };
}

export async function runRounds(count: number, runner: RoundRunner): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let n = 1; n <= count; n++) rounds.push(await runRound(n, runner));
  return rounds;
}

/** The median of the values (the mean of the middle two for an even count) and their range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** "31% (28–33%)": a share's median and range over the rounds. */
export const shareWithRange = (s: Spread) => `${pct(s.median)} (${pct(s.min)}–${pct(s.max)})`;

/** Each round's figures and shares, for the results file. */
export function roundsTable(rounds: Round[]): string[] {
  return [
    '| round | ceiling req/s | `GET /login` req/s | share | signed-in `GET /user/<name>` req/s | share | raw argon2id /s | sign-ins/s | share | `GET /login` p99 during the storm |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rounds.map(
      (r, i) =>
        `| ${i + 1} | ${fmt(r.ceiling.rps)} | ${fmt(r.login.rps)} | ${pct(r.login.rps / r.ceiling.rps)} | ${fmt(r.profile.rps)} | ${pct(r.profile.rps / r.ceiling.rps)} | ` +
        `${fmt(r.raw.perS, 1)} | ${fmt(r.signIns.signInsPerS, 1)} | ${pct(r.signIns.signInsPerS / r.raw.perS)} | ${ms(r.storm.probe.p99)} ms |`,
    ),
  ];
}
