/** The run's report on the console. */
import type { FuzzReport } from './runner.js';

/** Prints the routes and forms fuzzed, the statuses, the first 50 failures and the verdict; true when the run passed. */
export function printReport(report: FuzzReport): boolean {
  console.log(`routes: ${report.routes.join(' ')}\nforms: ${report.forms.join(' ')}`);
  console.log(`done in ${(report.durationMs / 1000).toFixed(1)} s; statuses: ${JSON.stringify(report.statuses)}; GET /login afterwards: ${report.loginAfter}`);
  for (const f of report.failures.slice(0, 50)) console.log(`\n#${f.index} → ${f.status}\n  ${f.request}\n  ${f.error ?? ''}`);
  if (report.failures.length > 50) console.log(`\n… and ${report.failures.length - 50} more`);
  const ok = report.failures.length === 0 && report.loginAfter === 200;
  console.log(ok ? '\nno 5xx: pass' : `\n${report.failures.length} request(s) got a 5xx: FAIL`);
  return ok;
}
