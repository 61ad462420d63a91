/** The run: builds the app, signs the identities in, sends the requests and judges the answers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Identities } from './identities.js';
import { prng } from './random.js';
import { describeRequest, makeRequest } from './requests.js';
import { routePatterns } from './routes.js';

export interface FuzzOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Requests to send. Default 10,000. */
  count?: number;
  /** Called every 1,000 requests (progress). */
  onProgress?: (done: number, count: number) => void;
  /** Called with the built app before it is ready (tests add a deliberately broken route to see the fuzzer catch it). */
  prepare?: (app: GatehouseApp) => void;
}

export interface FuzzFailure {
  index: number;
  status: number | 'threw';
  request: string;
  /** The logged error (message and top of the stack), when the app logged one. */
  error: string | null;
}

export interface FuzzReport {
  seed: number;
  count: number;
  durationMs: number;
  /** How many answers had each status. */
  statuses: Record<string, number>;
  /** Every answer of 500 or above (and every request the app failed to answer). */
  failures: FuzzFailure[];
  /** Status of GET /login after the run (200 when the app is still up). */
  loginAfter: number;
  /** The route patterns fuzzed (from the app's router). */
  routes: string[];
  /** The form actions found on pages as a visitor, a signed-in user and a pending sign-in, and fuzzed with their own fields. */
  forms: string[];
}

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = options.seed ?? 1;
  const count = options.count ?? 10_000;
  const r = prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fuzz-'));
  // Error lines of the app's log, by request id, to show what failed behind a 5xx.
  const errors = new Map<string, string>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as { reqId?: string; level?: number; err?: { message?: string; stack?: string }; msg?: string };
          if (entry.reqId && (entry.level ?? 0) >= 50) errors.set(entry.reqId, (entry.err?.stack ?? entry.err?.message ?? entry.msg ?? '').split('\n').slice(0, 4).join(' | '));
        } catch {
          // not JSON: ignore
        }
      }
      done();
    },
  });
  const config = loadConfig(
    { NODE_ENV: 'test', SECRET_KEY: 'fuzz-secret-key-that-is-at-least-32-bytes-long', DATABASE_URL: `sqlite:${join(dir, 'fuzz.db')}`, LOG_LEVEL: 'error' },
    { envFile: null, dataDir: dir },
  );
  const app = await buildApp(config, { logger: { level: 'error', stream }, outbox: { pollIntervalMs: 3_600_000 } });
  const began = performance.now();
  try {
    options.prepare?.(app);
    await app.ready();
    const routes = routePatterns(app);
    const identities = new Identities(app);
    await identities.refresh();
    await identities.discoverForms(routes);
    const statuses: Record<string, number> = {};
    const failures: FuzzFailure[] = [];

    for (let index = 0; index < count; index++) {
      // Fuzz requests sign people out, change passwords and turn 2FA off: start over with fresh sessions now and then.
      if (index > 0 && index % 250 === 0) await identities.refresh();
      if (index > 0 && index % 1000 === 0) options.onProgress?.(index, count);
      const req = makeRequest(r, routes, identities.all, identities.forms, identities.password);
      let status: number | 'threw';
      let body = '';
      try {
        const res = await app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload, remoteAddress: req.remoteAddress });
        status = res.statusCode;
        body = res.body;
      } catch (error) {
        // light-my-request refuses some requests before the app sees them (an impossible header, say): not the app's answer.
        if (error instanceof Error && /invalid|header|character|method/i.test(error.message)) {
          statuses.refused_by_client = (statuses.refused_by_client ?? 0) + 1;
          continue;
        }
        status = 'threw';
        body = String(error);
      }
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      if (status === 'threw' || status >= 500) {
        const requestId = /<code class="request-id">([0-9a-f]+)<\/code>/.exec(body)?.[1];
        failures.push({ index, status, request: describeRequest(req), error: (requestId && errors.get(requestId)) ?? (status === 'threw' ? body : null) });
      }
    }
    const loginAfter = (await app.inject({ method: 'GET', url: '/login' })).statusCode;
    return { seed, count, durationMs: Math.round(performance.now() - began), statuses, failures, loginAfter, routes, forms: [...identities.forms.keys()].sort() };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
