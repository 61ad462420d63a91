/** The results: the machine a run was on, number formats, the table's rows, and writing bench/results/*.md. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { log, ROOT } from './settings.js';

export interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** e.g. "62% of ceiling". */
  ratio: string;
  target: string;
  met: boolean | null;
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
  date: string;
  loadBefore: string;
  loadAfter?: string;
}

/** The load average (1, 5, 15 min), as the results print it. */
export const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadBefore: loadAverage(),
  };
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
/** Milliseconds: autocannon's are whole numbers, the bench's own timings get one decimal below 100. */
export const ms = (n: number) => (Number.isInteger(n) || n >= 100 ? fmt(n) : fmt(n, 1));
export const pct = (n: number) => `${Math.round(n * 100)}%`;
export const mark = (met: boolean | null) => (met === null ? '' : met ? '✅ met' : '❌ not met');

export function machineLines(m: Machine): string {
  return [
    `- Machine: ${m.cpu}, ${m.cores} cores, ${fmt(m.memoryGb, 1)} GB RAM, ${m.os}`,
    `- Node ${m.node}; ${m.date}`,
    `- Load average (1, 5, 15 min) before: ${m.loadBefore}; after: ${m.loadAfter ?? '–'}. The machine is shared: other work running at the same time lowers every figure.`,
  ].join('\n');
}

/** A mode's last step: the table to stdout and to bench/results/`file`; any problem makes the run fail. */
export function publishResult(file: string, markdown: string, problems: readonly string[]): void {
  console.log('\n' + markdown);
  writeResult(file, markdown);
  if (problems.length > 0) process.exitCode = 1;
}

export function writeResult(file: string, markdown: string): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), markdown);
  log(`written to bench/results/${file}`);
}
