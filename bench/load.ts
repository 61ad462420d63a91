/**
 * Load and what it costs: autocannon runs (after a warm-up), the server's CPU time per answered request, the share
 * of the machine other processes took meanwhile, and a process's memory.
 */
import { readFileSync } from 'node:fs';
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

/** Busy CPU time of the whole machine, and of this process and `pids`, in clock ticks (/proc, Linux). */
function cpuTicks(pids: Array<number | undefined>): { machine: number; ours: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy (steal = the host's other guests).
    const machine = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    let ours = 0;
    for (const pid of [process.pid, ...pids]) {
      if (pid === undefined) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ours += Number(after[11]) + Number(after[12]); // utime, stime
    }
    return { machine, ours };
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
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(after[11]) + Number(after[12])) * 1000) / TICKS_PER_S;
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
