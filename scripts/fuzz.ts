/**
 * Fuzzes the whole app through `app.inject()`: random and malformed requests —
 * wrong types, arrays, duplicated fields, huge fields, bad percent-encodings,
 * invalid UTF-8, missing and forged CSRF tokens, odd methods, odd paths (every
 * route, with random params), odd content types, JSON bodies — as a visitor, a
 * signed-in user and a sign-in still waiting for its second factor. Every
 * answer must be below 500, and the app must still serve /login at the end.
 *
 *     npm run fuzz                         # seed 1, 10,000 requests
 *     npm run fuzz -- --seed 7 --count 50000
 *
 * The same seed sends the same requests (a seeded PRNG; the app's own random
 * tokens differ), so a failure can be replayed. `runFuzz` is what
 * test/fuzz/fuzz.test.ts runs in-process with a fixed seed.
 */
import { fileURLToPath } from 'node:url';
import { printReport } from './fuzz/report.js';
import { runFuzz } from './fuzz/runner.js';

export { prng } from './fuzz/random.js';
export { routePatterns } from './fuzz/routes.js';
export { runFuzz, type FuzzFailure, type FuzzOptions, type FuzzReport } from './fuzz/runner.js';

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

async function main(): Promise<void> {
  const seed = argument('seed', 1);
  const count = argument('count', 10_000);
  console.log(`fuzzing ${count} requests with seed ${seed}…`);
  const report = await runFuzz({ seed, count, onProgress: (done, total) => console.log(`  ${done}/${total}`) });
  const ok = printReport(report);
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
