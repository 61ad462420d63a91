/**
 * Attack: a sign-in storm (credential stuffing from many addresses, or a
 * plain flood) makes the server start one 19 MiB argon2id hash per request;
 * unbounded, hashes pile up on the thread pool, memory grows with the queue
 * and every page slows down. Requirement (issue 4, "Performance"): at most N
 * hashes in flight, a short bounded queue, and beyond it a 503 "busy, try
 * again" — never unbounded memory; and an account whose sign-in got the 503
 * can sign in on the next try (no lockout slot left taken).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  configurePasswordHashing,
  DEFAULT_HASH_CONCURRENCY,
  HASH_QUEUE_MAX_LENGTH,
  HASH_QUEUE_MAX_WAIT_MS,
  hashPassword,
  PasswordHashingBusyError,
  passwordHashingStats,
  verifyPassword,
} from '../../src/auth/password.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, TestClient } from '../support/client.js';
import { productionHashCost } from '../support/hash-cost.js';

const DEFAULTS = { concurrency: DEFAULT_HASH_CONCURRENCY, maxQueue: HASH_QUEUE_MAX_LENGTH, maxWaitMs: HASH_QUEUE_MAX_WAIT_MS };

afterEach(() => configurePasswordHashing(DEFAULTS));

/** Runs `work` while sampling the gate after every event-loop turn; returns the largest counts seen. */
async function watchPeak<T>(work: Promise<T>): Promise<{ result: T; peakRunning: number; peakWaiting: number }> {
  let peakRunning = 0;
  let peakWaiting = 0;
  let done = false;
  const sample = () => {
    const { running, waiting } = passwordHashingStats();
    peakRunning = Math.max(peakRunning, running);
    peakWaiting = Math.max(peakWaiting, waiting);
    if (!done) setImmediate(sample);
  };
  sample();
  const result = await work.finally(() => (done = true));
  return { result, peakRunning, peakWaiting };
}

describe('the hashing gate', () => {
  // A hash must take longer than the 1 ms that the waiting one may wait.
  productionHashCost();

  it('runs at most `concurrency` hashes, queues at most `maxQueue`, and refuses the rest at once', async () => {
    configurePasswordHashing({ concurrency: 2, maxQueue: 4, maxWaitMs: 30_000 });
    const flood = Promise.allSettled(Array.from({ length: 30 }, (_, i) => hashPassword(`flood password number ${i}`)));
    const { result, peakRunning, peakWaiting } = await watchPeak(flood);
    const ok = result.filter((r) => r.status === 'fulfilled');
    const refused = result.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(6); // 2 running + 4 queued
    expect(refused).toHaveLength(24);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(PasswordHashingBusyError);
      expect((r.reason as PasswordHashingBusyError).statusCode).toBe(503);
    }
    expect(peakRunning).toBe(2);
    expect(peakWaiting).toBe(4);
    expect(passwordHashingStats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('gives up on a hash that waits longer than maxWaitMs', async () => {
    configurePasswordHashing({ concurrency: 1, maxQueue: 10, maxWaitMs: 1 });
    const [first, second] = await Promise.allSettled([hashPassword('the one that runs first'), hashPassword('the one that waits')]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('rejected');
    const reason = (second as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(PasswordHashingBusyError);
    expect(reason.message).toContain('waited too long');
    expect(passwordHashingStats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('bounds verification too, and a busy verification is an error, never "wrong password"', async () => {
    const stored = await hashPassword('a stored password to check');
    configurePasswordHashing({ concurrency: 1, maxQueue: 0 });
    const results = await Promise.allSettled([verifyPassword(stored, 'a stored password to check'), verifyPassword(stored, 'a stored password to check')]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: true });
    expect(results[1]?.status).toBe('rejected');
  });
});

describe('a sign-in flood over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ HASH_CONCURRENCY: '1' });
  });

  afterAll(async () => t?.close());

  it('gets 503 "busy" beyond the queue, no 500, and the refused accounts sign in on the next try', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => createUser(t.app)));
    configurePasswordHashing({ concurrency: 1, maxQueue: 2, maxWaitMs: 30_000 });
    // Each client fetches its form first, so the POSTs arrive together.
    const clients = users.map((u) => ({ user: u, client: new TestClient(t.app) }));
    const tokens = await Promise.all(clients.map(async ({ client }) => csrfTokenIn((await client.get('/login')).body)));
    const answers = await Promise.all(
      clients.map(({ user, client }, i) => client.post('/login', { _csrf: tokens[i]!, login: user.username, password: user.password })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 302).length).toBe(3); // 1 running + 2 waiting
    expect(statuses.filter((s) => s === 503).length).toBe(9);
    const busy = answers.find((a) => a.status === 503)!;
    expect(busy.body).toContain('Gatehouse is busy');
    expect(busy.headers['retry-after']).toBe('5');
    expect(busy.setCookies).toEqual([]);

    configurePasswordHashing(DEFAULTS);
    for (const [i, answer] of answers.entries()) {
      if (answer.status !== 503) continue;
      const { user, client } = clients[i]!;
      const retry = await client.submit('/login', { login: user.username, password: user.password });
      expect(retry.status).toBe(302);
      expect(retry.location).toBe('/');
    }
  });
});
