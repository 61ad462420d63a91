/**
 * `npm run bench:profile -- <file.cpuprofile> [how many]`: where a V8 CPU profile (`node --cpu-prof`, or a bench run
 * with BENCH_CPU_PROF) spent its time, as text: the self time of each part of the program — our own files, each
 * package, Node's internals, the garbage collector, idle — then the functions with the most self time. Idle time is
 * left out of the shares, so they say where the busy time went.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The part of the program a frame belongs to: a package, one of our files, Node itself, or V8's own pseudo-frames. */
function partOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:internals';
  // A compiled file keeps its dist/ name: the line numbers are the JavaScript's, not the TypeScript's.
  const ours = /\/((?:dist|src)\/.+)$/.exec(url);
  return ours ? ours[1]! : url;
}

function summarize(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const part = partOf(url, functionName);
    parts.set(part, (parts.get(part) ?? 0) + us);
    const where = url === '' ? '' : ` ${part}:${lineNumber + 1}`;
    const name = `${functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const table = (title: string, entries: Map<string, number>) => [
    `| ${title} | self ms | share of busy time |`,
    '|---|---:|---:|',
    ...[...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `| ${name.replaceAll('|', '\\|')} | ${(us / 1000).toFixed(0)} | ${((100 * us) / busy).toFixed(1)}% |`),
  ];
  return [
    `Busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms.`,
    '',
    ...table('part of the program', parts),
    '',
    ...table('function', functions),
  ].join('\n');
}

const [file, howMany] = process.argv.slice(2);
if (!file) {
  console.error('usage: npm run bench:profile -- <file.cpuprofile> [how many rows, default 25]');
  process.exit(2);
}
console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(howMany ?? 25) || 25));
