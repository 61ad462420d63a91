/**
 * Fault: the database or Redis stops answering under a running app.
 * Requirement (issue 4, "Scale-out"): `/readyz` answers 503 naming which one
 * failed — within a short bound even when the peer hangs rather than refuses,
 * so the balancer's probe never times out — while `/healthz` stays 200 (the
 * process is fine; restarting it would not help), and `/readyz` is 200 again
 * once the service is back.
 *
 * The app runs on PostgreSQL and Redis, each through a TCP proxy on loopback
 * that the test blackholes (accepted, never answered) or closes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { READINESS_TIMEOUT_MS } from '../../src/http/health.js';
import { TEST_SECRET } from '../support/app.js';
import { createPostgresSchema, TEST_POSTGRES_URL, type PostgresSchema } from '../support/databases.js';
import { TcpProxy } from './tcp-proxy.js';

const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;
/** The probe's own bound plus scheduling slack. */
const PROBE_ANSWERS_WITHIN_MS = READINESS_TIMEOUT_MS + 1000;

let pgProxy: TcpProxy;
let redisProxy: TcpProxy;
let schema: PostgresSchema;
let app: GatehouseApp;

beforeAll(async () => {
  const target = new URL(TEST_POSTGRES_URL);
  pgProxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
  redisProxy = await TcpProxy.start(REDIS_HOST, REDIS_PORT);
  schema = await createPostgresSchema();
  const viaProxy = new URL(TEST_POSTGRES_URL);
  viaProxy.host = `127.0.0.1:${pgProxy.port}`;
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      SECRET_KEY: TEST_SECRET,
      DATABASE_URL: viaProxy.toString(),
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      RATE_LIMIT_KEY_PREFIX: `gh-test-readyz-${process.pid}`,
      LOG_LEVEL: 'silent',
    },
    { envFile: null, dataDir: '/nonexistent-gatehouse-data' },
  );
  const database = openDatabase(viaProxy.toString(), { schema: schema.name, poolSize: 4 });
  app = await buildApp(config, { database, logger: false, outbox: { pollIntervalMs: 60_000 } });
  await app.ready();
}, 30_000);

afterEach(async () => {
  await pgProxy?.up();
  await redisProxy?.up();
});

afterAll(async () => {
  await app?.close();
  await app?.ctx.db.destroy().catch(() => undefined);
  await schema?.drop();
  await pgProxy?.close();
  await redisProxy?.close();
});

async function probe(url: string): Promise<{ status: number; body: string; ms: number }> {
  const began = performance.now();
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.body, ms: performance.now() - began };
}

/** Polls /readyz until it is 200 (a service coming back takes a reconnect). */
async function readyAgain(): Promise<string> {
  const began = Date.now();
  for (;;) {
    const res = await probe('/readyz');
    if (res.status === 200) return res.body;
    if (Date.now() - began > 10_000) throw new Error(`still not ready: ${res.body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('/readyz on PostgreSQL and Redis', () => {
  it('is ready when both answer', async () => {
    const res = await probe('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toBe('database: ok\nredis: ok\n');
  });

  it('answers 503 "database: failed" within its bound when PostgreSQL hangs, and recovers', async () => {
    await pgProxy.blackhole();
    const res = await probe('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toContain('database: failed');
    expect(res.body).toContain('redis: ok');
    expect(res.ms).toBeLessThan(PROBE_ANSWERS_WITHIN_MS);
    expect((await probe('/healthz')).status).toBe(200);
    await pgProxy.up();
    expect(await readyAgain()).toBe('database: ok\nredis: ok\n');
  }, 20_000);

  it('answers 503 "redis: failed" when Redis is gone, and recovers', async () => {
    await redisProxy.down();
    const res = await probe('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toContain('redis: failed');
    expect(res.body).toContain('database: ok');
    expect(res.ms).toBeLessThan(PROBE_ANSWERS_WITHIN_MS);
    expect((await probe('/healthz')).status).toBe(200);
    await redisProxy.up();
    expect(await readyAgain()).toBe('database: ok\nredis: ok\n');
  }, 20_000);

  it('answers 503 within its bound when Redis accepts but never answers', async () => {
    await redisProxy.blackhole();
    const res = await probe('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toContain('redis: failed');
    expect(res.ms).toBeLessThan(PROBE_ANSWERS_WITHIN_MS);
    // The hung connection is reset when Redis comes back (ioredis has no command timeout here, so it waits
    // on a held connection until the peer resets it), then the client reconnects.
    await redisProxy.down();
    await redisProxy.up();
    expect(await readyAgain()).toBe('database: ok\nredis: ok\n');
  }, 20_000);
});
