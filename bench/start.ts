/**
 * `npm run bench -- --start`: the server's start and its memory, the two goals one run of the default bench measures
 * only once — BENCH_STARTS starts (default 7) of the production-mode server of the default bench on its seeded SQLite
 * file, each timed from spawn to the first answer of `GET /login` (wall clock, and the CPU the server used until then,
 * which moves less with other work on the machine), its RSS read 1 s after that answer and again after
 * IDLE_RSS_REQUESTS anonymous `GET /login` and 1 s of idling. Medians and ranges (bench/results/start.md): the run to
 * make before and after a change to what the server loads.
 */
import { behindProxy, processCpuMs, rssMb, serveIdleRssRequests } from './load.js';
import { productionSetup } from './peers.js';
import { fmt, loadAverage, machine, machineLines, mark, publishResult } from './report.js';
import { spreadOf } from './rounds.js';
import { spawnServer, withBenchRun } from './server.js';
import { IDLE_RSS_REQUESTS, log, PROXY_HEADERS, sleep, START_COMMAND, START_FLAGS, TARGETS, USERS } from './settings.js';

const STARTS = Math.max(1, Math.round(Number(process.env.BENCH_STARTS) || 7));

interface Start {
  startMs: number;
  cpuMs: number | null;
  idleMb: number | null;
  afterMb: number | null;
}

export async function startBench(): Promise<void> {
  const m = machine();
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadBefore}`);
  await withBenchRun(async (run) => {
    const setup = await productionSetup(run);
    const starts: Start[] = [];
    for (let i = 0; i < STARTS; i++) {
      const server = await spawnServer([...START_FLAGS, setup.serverJs], setup.env, setup.serverDir, '/login', PROXY_HEADERS);
      run.children.push(server);
      const pid = server.process.pid;
      const cpuMs = processCpuMs(pid);
      await sleep(1000);
      const idleMb = rssMb(pid);
      await serveIdleRssRequests(behindProxy(server.url));
      const afterMb = rssMb(pid);
      await server.stop();
      starts.push({ startMs: server.startMs, cpuMs, idleMb, afterMb });
      log(`start ${i + 1}: ${fmt(server.startMs)} ms to the first answer (${fmt(cpuMs ?? NaN)} ms of CPU); RSS ${fmt(idleMb ?? NaN, 1)} MB idle, ${fmt(afterMb ?? NaN, 1)} MB after ${IDLE_RSS_REQUESTS.toLocaleString('en')} requests`);
    }
    m.loadAfter = loadAverage();

    const known = (values: Array<number | null>) => values.filter((v): v is number => v !== null);
    const row = (name: string, values: number[], unit: string, digits: number, target: number | null) => {
      const goal = target === null ? '' : `≤ ${fmt(target)} ${unit}`;
      if (values.length === 0) return `| ${name} | – | – | ${goal} | |`;
      const { median, min, max } = spreadOf(values);
      return `| ${name} | ${fmt(median, digits)} ${unit} | ${fmt(min, digits)}–${fmt(max, digits)} ${unit} | ${goal} | ${target === null ? '' : mark(median <= target)} |`;
    };
    const lines = [
      '# Gatehouse benchmark: start and memory (`npm run bench -- --start`)',
      '',
      machineLines(m),
      `- ${STARTS} starts of \`${START_COMMAND}\` in production mode behind the proxy's headers, one after another, on a SQLite file with ${USERS.toLocaleString('en')} seeded users (migrations already applied), with the production peers on loopback`,
      '',
      '| measurement | median | range | target | |',
      '|---|---:|---:|---|---|',
      row('start to first answer (`GET /login`)', starts.map((s) => s.startMs), 'ms', 0, TARGETS.startMs),
      row("the server's CPU time until then (user + system)", known(starts.map((s) => s.cpuMs)), 'ms', 0, null),
      row('RSS idle (up 1 s, no traffic)', known(starts.map((s) => s.idleMb)), 'MB', 1, TARGETS.idleRssMb),
      row(`RSS idle after ${IDLE_RSS_REQUESTS.toLocaleString('en')} requests (\`GET /login\`, then 1 s idle)`, known(starts.map((s) => s.afterMb)), 'MB', 1, TARGETS.idleRssMb),
    ];
    publishResult('start.md', lines.join('\n') + '\n', []);
  });
}
