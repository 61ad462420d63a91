/**
 * The ceiling of the benchmark: a bare Fastify 5 app with one route and no
 * plugins, hooks or logging, started as its own process like the real server.
 * bench/run.ts compares every page with what this answers per second.
 *
 * With BENCH_REPLAY=<file> (JSON: status, headers, body, as bench/pages.ts saves
 * a page's answer) the route answers those very headers and body instead: a
 * page's bytes with none of its work, the floor of what that page can cost.
 * With BENCH_REPLAY_FRESH_TOKEN=1 as well, each answer also carries what no
 * CSRF-protected form can do without: a fresh random secret in a signed cookie
 * and a fresh masked token for it in the page, made as src/auth/csrf.ts makes
 * them (the same pooled randomness, an HMAC-SHA256 as @fastify/cookie signs).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type RouteHandlerMethod } from 'fastify';
import { pooledRandomBytes } from '../src/lib/random-pool.js';

interface Replay {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
const replayFile = process.env.BENCH_REPLAY;
if (replayFile) {
  const replay = JSON.parse(readFileSync(replayFile, 'utf8')) as Replay;
  const body = Buffer.from(replay.body, 'utf8');
  if (process.env.BENCH_REPLAY_FRESH_TOKEN) {
    app.get('/', freshTokenRoute(replay));
  } else {
    app.get('/', (_request, reply) => {
      void reply.code(replay.status).headers(replay.headers).send(body);
    });
  }
} else {
  app.get('/', async () => ({ hello: 'world' }));
}
await app.listen({ port, host: '127.0.0.1' });

/**
 * The saved answer with a fresh CSRF secret and token in it: 24 random bytes, their HMAC-SHA256 for the signed
 * cookie, 24 more for the pad of the masked token (as src/auth/csrf.ts makes them), put where the saved ones were.
 * The signing key is random: only the work counts.
 */
function freshTokenRoute(replay: Replay): RouteHandlerMethod {
  const [before, token, after] = replay.body.split(/(?<=name="_csrf" value=")([^"]+)/);
  if (token === undefined || after === undefined) throw new Error('the saved page has no CSRF token');
  const cookies = [replay.headers['set-cookie'] ?? []].flat();
  const csrfCookie = cookies.findIndex((c) => c.includes('csrf'));
  if (csrfCookie < 0) throw new Error('the saved answer sets no CSRF cookie');
  const saved = cookies[csrfCookie]!;
  const name = saved.slice(0, saved.indexOf('='));
  const attributes = saved.slice(saved.indexOf(';'));
  const key = randomBytes(32);
  const headers = { ...replay.headers };
  return (_request, reply) => {
    const secret = pooledRandomBytes(24);
    const value = secret.toString('base64url');
    const signed = `${value}.${createHmac('sha256', key).update(value).digest('base64').replace(/=+$/, '')}`;
    const masked = Buffer.allocUnsafe(48);
    pooledRandomBytes(24).copy(masked, 0);
    for (let i = 0; i < 24; i++) masked[24 + i] = masked[i]! ^ secret[i]!;
    const setCookie = [...cookies];
    setCookie[csrfCookie] = `${name}=${encodeURIComponent(signed)}${attributes}`;
    void reply.code(replay.status).headers({ ...headers, 'set-cookie': setCookie }).send(before + masked.toString('base64url') + after);
  };
}
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
