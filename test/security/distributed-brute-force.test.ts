/**
 * Attack: spreading guesses over several Gatehouse instances behind a load
 * balancer, so each instance's own counters stay low.
 * Requirements: OWASP ASVS 5.0 V6.3.1; NIST SP 800-63B §5.2.2 (the limit is
 * per account, not per server); issue #3: Redis when REDIS_URL is set.
 * Two apps share one database and one Redis (127.0.0.1:6379) under a key
 * prefix of this file's own, deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { accountKey } from '../../src/auth/lockout.js';
import { CODE_SENDS_PER_IP } from '../../src/auth/policy.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DEFAULT_TEST_PASSWORD, createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `gatehouse-test-${randomBytes(6).toString('hex')}`;
let redis: Redis;
let a: TestApp;
let b: GatehouseApp;
let shared: DatabaseHandle;

async function keysWithPrefix(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  a = await startTestApp({ REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix });
  // Instance B: the same config and the same database (SQLite file or PostgreSQL schema), its own process state.
  shared = a.openSharedDatabase();
  b = await buildApp(a.config, { database: shared, logger: false });
  await b.ready();
});
afterAll(async () => {
  await b?.close();
  await a?.close(); // also closes `shared`
  const keys = await keysWithPrefix();
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('guesses spread over two instances (Redis store)', () => {
  it('failures on either instance add up, and the lockout holds on both', async () => {
    const user = await createUser(a.app);
    for (let i = 0; i < 3; i++) expect((await signIn(new TestClient(a.app, '198.18.7.1'), user.username, `guess a${i}`)).status).toBe(401);
    // The fifth failure, on B, starts the lockout that A's three began.
    for (let i = 0; i < 2; i++) expect((await signIn(new TestClient(b, '198.18.7.2'), user.username, `guess b${i}`)).status).toBe(i === 0 ? 401 : 429);
    expect(await a.app.ctx.limits.password.failureCount(accountKey(user.id))).toBe(5);
    const onB = await signIn(new TestClient(b, '198.18.7.3'), user.username, user.password);
    expect(onB.status).toBe(429);
    expect(onB.body).toContain('Sign-in to this account is paused');
    const status = await b.ctx.limits.password.status(accountKey(user.id));
    expect(status.ok).toBe(false);
    expect(status.ok ? 0 : status.retryAfterMs).toBeGreaterThan(55_000);
    // The counters really are in Redis, under this file's prefix.
    expect((await keysWithPrefix()).some((k) => k.startsWith(`${prefix}:password-failures:`))).toBe(true);
  });

  it('50 parallel failures through Redis are all counted', async () => {
    const user = await createUser(a.app);
    const key = accountKey(user.id);
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a.app.ctx.limits : b.ctx.limits).password.fail(key)));
    expect(await b.ctx.limits.password.failureCount(key)).toBe(50);
  });

  it('per-IP code sends are shared: one client alternating instances still gets only its limit', async () => {
    const ip = '198.18.8.8';
    let sent = 0;
    for (let i = 0; i < CODE_SENDS_PER_IP.points + 10; i++) {
      const app = i % 2 ? b : a.app;
      const user = await createUser(a.app);
      const client = new TestClient(app, ip);
      await signIn(client, user.username, user.password);
      const page = await client.submit('/two-factor/sms/enable', { phone: `+1201555${String(1000 + i).padStart(4, '0')}`, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
      if (page.status === 302) sent++;
    }
    expect(sent).toBe(CODE_SENDS_PER_IP.points);
  });
});
