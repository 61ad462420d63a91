/**
 * Load and what it costs: autocannon runs (after a warm-up), the server's CPU time per answered request, the share
 * of the machine other processes took meanwhile, and a process's memory.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { CONNECTIONS, DURATION_S, IDLE_RSS_REQUESTS, PROXY_HEADERS, sleep, WARMUP_S } from './settings.js';

/** Where a run's requests go, and the headers every one of them carries. */
export interface Site {
  url: string;
  headers: Readonly<Record<string, string>>;
}

/** A server reached the way a deployment reaches it: through a TLS proxy (PROXY_HEADERS on every request). */
export const behindProxy = (url: string): Site => ({ url, headers: PROXY_HEADERS });
/** A server reached directly, with no proxy's headers (the --large bench). */
export const direct = (url: string): Site => ({ url, headers: {} });

/** Serves IDLE_RSS_REQUESTS anonymous GET /login requests, then lets the server idle 1 s again (the second idle RSS reading). */
export async function serveIdleRssRequests(site: Site): Promise<void> {
  await autocannon({ url: `${site.url}/login`, headers: { ...site.headers }, connections: CONNECTIONS, amount: IDLE_RSS_REQUESTS });
  await sleep(1000);
}

/** Resident set size of a process, from /proc (Linux); null elsewhere. */
export function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** A process's or thread's name and CPU time (user + system), in clock ticks, from its /proc `stat` line. */
function parseStat(stat: string): { name: string; ticks: number } {
  // The name is in parentheses and may hold spaces; the fields after it start with the state.
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(after[11]) + Number(after[12]) };
}

/** Busy and idle ticks of the whole machine (/proc/stat's first line: user nice system idle iowait irq softirq steal). */
function machineTicks(): { busy: number; idle: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!;
  // Everything but idle and iowait is busy (steal: the host's other guests).
  return { busy: fields.slice(0, 8).reduce((sum, v) => sum + v, 0) - idle, idle };
}

/** Busy CPU time of the whole machine, and of this process and `pids`, in clock ticks (/proc, Linux). */
function cpuTicks(pids: Array<number | undefined>): { machine: number; ours: number } | null {
  try {
    let ours = 0;
    for (const pid of [process.pid, ...pids]) if (pid !== undefined) ours += parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks;
    return { machine: machineTicks().busy, ours };
  } catch {
    return null;
  }
}

/** Ticks per second of /proc's counters (USER_HZ; 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU time one process has used (user + system), in ms; null where /proc is not there. */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    return (parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks * 1000) / TICKS_PER_S;
  } catch {
    return null;
  }
}

/**
 * A run (after its warm-up) with the CPU time the server spent per answered request: unlike req/s, it hardly
 * moves when other work shares the machine, so the ratio of two servers' figures says what their rates would be
 * on an idle one.
 */
export async function cannonWithCpu(options: autocannon.Options, pid: number | undefined): Promise<{ result: autocannon.Result; cpuUsPerRequest: number | null }> {
  if (WARMUP_S > 0) await autocannon({ connections: CONNECTIONS, ...options, duration: WARMUP_S });
  const before = processCpuMs(pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  const after = processCpuMs(pid);
  const cpuUsPerRequest = before === null || after === null || result.requests.total === 0 ? null : ((after - before) * 1000) / result.requests.total;
  return { result, cpuUsPerRequest };
}

/**
 * Runs `work` and tells what share of the machine's CPU capacity went to other processes meanwhile
 * (other engineers' tests, the host's other guests): the bench's figures are only comparable when it is small.
 */
export async function withOthersCpu<T>(pids: Array<number | undefined>, work: () => Promise<T>): Promise<{ result: T; othersShare: number | null }> {
  const before = cpuTicks(pids);
  const started = performance.now();
  const result = await work();
  const after = cpuTicks(pids);
  const seconds = (performance.now() - started) / 1000;
  if (!before || !after) return { result, othersShare: null };
  const others = after.machine - before.machine - (after.ours - before.ours);
  return { result, othersShare: Math.max(0, others) / (seconds * TICKS_PER_S * os.cpus().length) };
}

/** The server's CPU time by thread, in ms: its JavaScript, libuv's pool (the password hashes), V8's workers (GC, compiling). */
export interface ThreadSplit {
  mainMs: number;
  poolMs: number;
  v8Ms: number;
  otherMs: number;
}

/** A process's CPU time by thread (/proc/<pid>/task, named by Node and libuv: MainThread, libuv-worker, V8Worker). */
function threadCpuMs(pid: number): ThreadSplit {
  const split: ThreadSplit = { mainMs: 0, poolMs: 0, v8Ms: 0, otherMs: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const { name, ticks } = parseStat(stat);
    const ms = (ticks * 1000) / TICKS_PER_S;
    if (tid === String(pid)) split.mainMs += ms;
    else if (name === 'libuv-worker') split.poolMs += ms;
    else if (name === 'V8Worker') split.v8Ms += ms;
    else split.otherMs += ms;
  }
  return split;
}

/** Where the machine's CPU went while a run went on, in ms of CPU time (2 cores give 2,000 ms per second). */
export interface CpuSplit {
  /** The server process. */
  serverMs: number;
  /** The server's, by thread. */
  threads: ThreadSplit;
  /** This process: the load generator, and the peers that run in it (the Twilio stand-in, the SMTP server). */
  benchMs: number;
  /** Every other process on the machine, and the host's other guests (steal). */
  othersMs: number;
  /** No one. */
  idleMs: number;
}

/** A run's CPU and its settling's: everything added up but idle, which is the run's alone. */
export function addCpu(run: CpuSplit, settling: CpuSplit): CpuSplit {
  const t = run.threads;
  const u = settling.threads;
  return {
    serverMs: run.serverMs + settling.serverMs,
    threads: { mainMs: t.mainMs + u.mainMs, poolMs: t.poolMs + u.poolMs, v8Ms: t.v8Ms + u.v8Ms, otherMs: t.otherMs + u.otherMs },
    benchMs: run.benchMs + settling.benchMs,
    othersMs: run.othersMs + settling.othersMs,
    idleMs: run.idleMs,
  };
}

/** Runs `work` and splits the machine's CPU time meanwhile between the server, this process, others and idle; null where /proc cannot tell. */
export async function withCpuSplit<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; cpu: CpuSplit | null }> {
  const read = () => {
    try {
      const server = processCpuMs(pid);
      return server === null ? null : { machine: machineTicks(), server, threads: threadCpuMs(pid!), bench: process.cpuUsage() };
    } catch {
      return null;
    }
  };
  const before = read();
  const result = await work();
  const after = read();
  if (!before || !after) return { result, cpu: null };
  const toMs = (ticks: number) => (ticks * 1000) / TICKS_PER_S;
  const benchUsage = process.cpuUsage(before.bench);
  const serverMs = after.server - before.server;
  const benchMs = (benchUsage.user + benchUsage.system) / 1000;
  const busyMs = toMs(after.machine.busy - before.machine.busy);
  const threads: ThreadSplit = {
    mainMs: after.threads.mainMs - before.threads.mainMs,
    poolMs: after.threads.poolMs - before.threads.poolMs,
    v8Ms: after.threads.v8Ms - before.threads.v8Ms,
    otherMs: after.threads.otherMs - before.threads.otherMs,
  };
  return { result, cpu: { serverMs, threads, benchMs, othersMs: Math.max(0, busyMs - serverMs - benchMs), idleMs: toMs(after.machine.idle - before.machine.idle) } };
}

/** Samples a process's RSS every 100 ms while `work` runs; returns the work's result and the peak. */
export async function withPeakRss<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; peakMb: number | null }> {
  let peak: number | null = rssMb(pid);
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, 100);
  try {
    return { result: await work(), peakMb: peak };
  } finally {
    clearInterval(timer);
  }
}

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function statusesOf(result: autocannon.Result): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) out[code] = stat.count ?? 0;
  return out;
}

/** One autocannon run: warm-up (discarded) then the measured run. */
export async function cannon(options: autocannon.Options, warmup = true): Promise<autocannon.Result> {
  if (warmup && WARMUP_S > 0) await autocannon({ connections: CONNECTIONS, ...options, duration: WARMUP_S });
  return autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
}

export function fromResult(result: autocannon.Result): Measured {
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses: statusesOf(result),
    errors: result.errors + result.timeouts,
  };
}

/** What says a run measured something else than intended: answers other than 200, and connection errors. */
export function unexpectedAnswers(what: string, measured: Measured): string[] {
  const bad = Object.entries(measured.statuses).filter(([code]) => code !== '200');
  return [
    ...(bad.length > 0 ? [`${what} answered ${bad.map(([c, n]) => `${n}× ${c}`).join(', ')} (expected only 200)`] : []),
    ...(measured.errors > 0 ? [`${what}: ${measured.errors} connection errors`] : []),
  ];
}

/** Headers a server computes for each answer, left out of a saved one. */
const PER_ANSWER_HEADERS = new Set(['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id', 'set-cookie']);

/**
 * Saves one answer of the server to `path` (status, headers, body) in `file`, for bench/hello-world.ts to replay:
 * its Set-Cookie headers kept as they came, the ones Fastify computes left to it.
 */
export async function saveAnswer(site: Site, path: string, cookie: string | null, file: string): Promise<void> {
  const res = await fetch(site.url + path, { headers: { ...site.headers, ...(cookie ? { cookie } : {}) }, redirect: 'manual' });
  const headers: Record<string, string | string[]> = {};
  res.headers.forEach((value, name) => {
    if (!PER_ANSWER_HEADERS.has(name)) headers[name] = value;
  });
  const setCookie = res.headers.getSetCookie();
  if (setCookie.length > 0) headers['set-cookie'] = setCookie;
  writeFileSync(file, JSON.stringify({ status: res.status, headers, body: await res.text() }));
}
