/**
 * Probes for a process supervisor or load balancer. Registered outside the
 * session and CSRF context (like the static files), so a probe reads no
 * cookie, writes no session and sets no cookie.
 *
 * - `GET /healthz`: the process is up and its event loop turns. Touches
 *   nothing else, so a database outage never gets a healthy process
 *   restarted.
 * - `GET /readyz`: the database answers `select 1` and, when REDIS_URL is set,
 *   Redis answers PING, each within READINESS_TIMEOUT_MS; otherwise 503 naming
 *   what failed, so the balancer sends traffic elsewhere until it recovers.
 *   While the server shuts down every new request gets the 503 page (src/http/errors.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Limits } from '../auth/limits.js';
import type { Database } from '../db/schema.js';
import { withDeadline } from '../lib/deadline.js';
import { RETRY_AFTER_SECONDS } from './errors.js';
import { seconds } from '../lib/duration.js';
import { HEALTHZ_PATH, READYZ_PATH } from '../lib/paths.js';

/** Each readiness check gives up after this long: a probe must answer well inside a balancer's own timeout. */
export const READINESS_TIMEOUT_MS = seconds(1);

export interface ReadinessDeps {
  db: Kysely<Database>;
  limits: Pick<Limits, 'usesRedis' | 'ping'>;
}

type CheckResult = 'ok' | 'failed';

async function check(what: string, probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await withDeadline(probe(), READINESS_TIMEOUT_MS, what);
    return 'ok';
  } catch {
    return 'failed';
  }
}

function plain(reply: FastifyReply, status: number, body: string) {
  return reply.status(status).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export function healthRoutes(app: FastifyInstance, deps: ReadinessDeps): void {
  app.get(HEALTHZ_PATH, async (_request, reply) => plain(reply, 200, 'ok\n'));

  app.get(READYZ_PATH, async (request, reply) => {
    const checks: Record<string, Promise<CheckResult>> = { database: check('database', () => sql`select 1`.execute(deps.db)) };
    if (deps.limits.usesRedis) checks.redis = check('redis', () => deps.limits.ping());
    const results = await Promise.all(Object.entries(checks).map(async ([name, result]) => [name, await result] as const));
    const failed = results.filter(([, result]) => result === 'failed').map(([name]) => name);
    const body = results.map(([name, result]) => `${name}: ${result}`).join('\n') + '\n';
    if (failed.length > 0) {
      request.log.warn({ failed }, 'not ready');
      return plain(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, body);
    }
    return plain(reply, 200, body);
  });
}
