/**
 * `npm run bench -- --console-search`: the console's people search (src/db/admin-people.ts `searchPeople`) over a
 * million accounts, on SQLite and — when DATABASE_URL is a postgres:// URL — on PostgreSQL. Issue #14's goal: a
 * search answers in under 50 ms at p99.
 *
 * The queries are timed in this process, on the seeded database, as the console's handler runs them: the search is
 * the part of the page whose cost grows with the number of accounts (the page around it is the same at 1 and at
 * 1,000,000). Each kind of query runs ROUNDS times, rotating over a few prefixes so no single row stays hot.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { searchPeople } from '../src/db/admin-people.js';
import { seedUsers } from '../scripts/seed.js';
import { loadAverage, machine, machineLines, writeResult } from './report.js';
import { withPostgresDatabase } from './server.js';
import { log } from './settings.js';

/** Accounts seeded. */
export const SEARCH_USERS = 1_000_000;
/** Timed runs per kind of query (after WARMUP untimed ones). */
const ROUNDS = 300;
const WARMUP = 20;
/** The console's page size (src/features/admin/people.ts PEOPLE_PAGE_SIZE). */
const PAGE = 50;
/** The goal: a search answers in under this at p99. */
export const SEARCH_P99_TARGET_MS = 50;

interface Kind {
  name: string;
  /** The query and the cursor of round `i`. */
  query: (i: number) => { q: string; after: string | null };
}

/** Seeded accounts are user<N>, named "Bench user<N>", at user<N>@bench.example (scripts/seed.ts). */
const KINDS: Kind[] = [
  { name: 'newest accounts (no query)', query: () => ({ q: '', after: null }) },
  { name: 'username prefix, few matches ("user12345")', query: (i) => ({ q: `user${12_345 + (i % 50) * 1_000}`, after: null }) },
  { name: 'prefix every account matches ("b": all first names), merged lists', query: () => ({ q: 'b', after: null }) },
  { name: 'surname prefix ("user77")', query: (i) => ({ q: `user${77 + (i % 20)}`, after: null }) },
  { name: 'first and last name ("bench user5")', query: (i) => ({ q: `bench user${5 + (i % 4)}`, after: null }) },
  { name: 'email prefix ("user4242@")', query: (i) => ({ q: `user${4_242 + i}@`, after: null }) },
  { name: 'no match ("zzz")', query: () => ({ q: 'zzz', after: null }) },
];

export interface SearchRow {
  database: string;
  kind: string;
  p50: number;
  p99: number;
  rows: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measureKinds(handle: DatabaseHandle, database: string, log: (line: string) => void): Promise<SearchRow[]> {
  const rows: SearchRow[] = [];
  for (const kind of KINDS) {
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const { q, after } = kind.query(i);
      const started = performance.now();
      const page = await searchPeople(handle.db, q, after, PAGE);
      const took = performance.now() - started;
      if (i >= WARMUP) times.push(took);
      found = page.rows.length;
    }
    times.sort((a, b) => a - b);
    const row = { database, kind: kind.name, p50: quantile(times, 0.5), p99: quantile(times, 0.99), rows: found };
    log(`  ${database}: ${kind.name}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms (${found} rows a page)`);
    rows.push(row);
  }
  // Page 101 of the prefix every account matches: the keyset cursor makes it cost what page 1 does.
  let after: string | null = null;
  for (let p = 0; p < 100; p++) after = (await searchPeople(handle.db, 'b', after, PAGE)).next;
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await searchPeople(handle.db, 'b', after, PAGE);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const deep = { database, kind: 'page 101 of "b" (keyset cursor)', p50: quantile(times, 0.5), p99: quantile(times, 0.99), rows: PAGE };
  log(`  ${database}: ${deep.kind}: p50 ${deep.p50.toFixed(2)} ms, p99 ${deep.p99.toFixed(2)} ms`);
  rows.push(deep);
  return rows;
}

/** Seeds a database of SEARCH_USERS accounts at `url` and times every kind of search on it. */
export async function searchBench(url: string, database: string, log: (line: string) => void): Promise<{ rows: SearchRow[]; seedS: number }> {
  const handle = openDatabase(url);
  try {
    const started = performance.now();
    await seedUsers(handle, { users: SEARCH_USERS, onProgress: (done, total) => done % 200_000 === 0 && log(`  seeding ${database}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`) });
    const seedS = (performance.now() - started) / 1000;
    log(`  ${database}: ${SEARCH_USERS.toLocaleString('en')} accounts seeded in ${seedS.toFixed(1)} s`);
    return { rows: await measureKinds(handle, database, log), seedS };
  } finally {
    await handle.destroy();
  }
}

/** SQLite in a temporary folder (removed afterwards). */
export async function sqliteSearchBench(log: (line: string) => void): Promise<{ rows: SearchRow[]; seedS: number }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'gatehouse-bench-search-'));
  try {
    return await searchBench(`sqlite:${join(dir, 'search.db')}`, 'SQLite', log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function searchMarkdown(rows: SearchRow[], seeds: string[]): string[] {
  return [
    `- ${SEARCH_USERS.toLocaleString('en')} accounts (${seeds.join('; ')}); ${ROUNDS} timed runs of each query after ${WARMUP} untimed, in process, the console's page size (${PAGE}); target p99 < ${SEARCH_P99_TARGET_MS} ms`,
    '',
    '| database | query | p50 ms | p99 ms | rows | |',
    '|---|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.database} | ${r.kind} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.rows} | ${r.p99 < SEARCH_P99_TARGET_MS ? '✅' : '❌'} |`),
  ];
}

export async function consoleSearchBench(): Promise<void> {
  const m = machine();
  log(`--console-search: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load ${m.loadBefore}`);
  const sqlite = await sqliteSearchBench(log);
  const rows = [...sqlite.rows];
  const seeds = [`SQLite seeded in ${sqlite.seedS.toFixed(1)} s`];
  const pgUrl = process.env.DATABASE_URL;
  if (pgUrl && /^postgres(ql)?:\/\//.test(pgUrl)) {
    const pgRun = await withPostgresDatabase(pgUrl, `gatehouse_bench_search_${process.pid}`, (url) => searchBench(url, 'PostgreSQL', log));
    rows.push(...pgRun.rows);
    seeds.push(`PostgreSQL seeded in ${pgRun.seedS.toFixed(1)} s`);
  } else {
    log('DATABASE_URL is not a postgres:// URL: PostgreSQL skipped');
  }
  m.loadAfter = loadAverage();
  const markdown = ['# Gatehouse benchmark: the console\'s people search (`npm run bench -- --console-search`)', '', machineLines(m), ...searchMarkdown(rows, seeds)].join('\n') + '\n';
  console.log('\n' + markdown);
  writeResult('console-search.md', markdown);
  if (rows.some((r) => r.p99 >= SEARCH_P99_TARGET_MS)) process.exitCode = 1;
}
