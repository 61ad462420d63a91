/**
 * Probes (issue 4, "Scale-out"): `/healthz` says the process is up and
 * touches nothing else — no database, no session, no cookie — so a database
 * outage never gets a healthy process restarted; `/readyz` says the database
 * (and Redis, when configured) answers. Both are cheap: a probe every second
 * from a balancer must create no state. Failures of the database and Redis
 * are in test/faults/readiness.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => t?.close());

async function sessionRows(): Promise<number> {
  const row = await t.app.ctx.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('/healthz', () => {
  it('answers 200 text/plain "ok" with no cookie and no session', async () => {
    const before = await sessionRows();
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { cookie: 'gh_session=forged' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('ok\n');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await sessionRows()).toBe(before);
  });

  it('does not touch the database: still 200 when the database is gone', async () => {
    const gone = await startTestApp();
    try {
      await gone.app.ctx.db.destroy();
      expect((await gone.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await gone.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.body).toContain('database: failed');
    } finally {
      await gone.close().catch(() => undefined);
    }
  });
});

describe('/readyz', () => {
  it('answers 200 when the database answers, naming what it checked, with no cookie', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    // Redis is checked only when REDIS_URL is set: on the PostgreSQL + Redis pass of npm test.
    expect(res.body).toBe(t.config.redisUrl ? 'database: ok\nredis: ok\n' : 'database: ok\n');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a storm of probes creates no sessions', async () => {
    const before = await sessionRows();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => t.app.inject({ method: 'GET', url: i % 2 ? '/readyz' : '/healthz' })));
    expect(answers.map((res) => res.statusCode)).toEqual(Array(50).fill(200));
    expect(answers.filter((res) => res.headers['set-cookie'] !== undefined)).toEqual([]);
    expect(await sessionRows()).toBe(before);
  });
});
