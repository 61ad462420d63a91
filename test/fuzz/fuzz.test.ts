/**
 * Attack: malformed and hostile input — wrong types, arrays and duplicated
 * fields, huge fields, bad percent-encodings, invalid UTF-8, missing and forged
 * CSRF tokens, odd methods, odd paths, odd content types, JSON bodies — sent to
 * every route to crash the app or make it misbehave. Requirement (issue 3,
 * "Fuzzing"): at least 10,000 such requests, as a visitor, a signed-in user
 * and a sign-in waiting for its second factor, each answered with a status
 * below 500, and the app still serves /login afterwards.
 *
 * The fuzzer is scripts/fuzz.ts (`npm run fuzz -- --seed N --count N`); here it
 * runs in-process with a fixed seed, so a failure is reproducible.
 */
import { describe, expect, it } from 'vitest';
import { prng, runFuzz } from '../../scripts/fuzz.js';

const SEED = 20261125;
const COUNT = 10_000;

describe('fuzzing every route', () => {
  it(`answers ${COUNT} random and malformed requests (seed ${SEED}) without a 5xx, and still serves /login`, async () => {
    const report = await runFuzz({ seed: SEED, count: COUNT });
    // Every failure with the request that caused it and the logged error, so the message alone is a bug report.
    expect(report.failures).toEqual([]);
    expect(report.loginAfter).toBe(200);

    const answered = Object.entries(report.statuses).filter(([status]) => /^\d+$/.test(status)).reduce((sum, [, n]) => sum + n, 0);
    // light-my-request refuses a rare request before the app sees it (an impossible header); every other one is answered.
    const refusedByClient = report.statuses.refused_by_client ?? 0;
    expect(answered + refusedByClient).toBe(COUNT);
    expect(refusedByClient).toBeLessThanOrEqual(COUNT / 100);
    // The run reached past the front door: every route, and forms of all three kinds of session.
    for (const route of ['/login', '/register', '/reset-password/:token', '/user/:username', '/profile/edit', '/two-factor/sms/enable', '/two-factor/disable']) {
      expect(report.routes).toContain(route);
    }
    for (const form of ['/login', '/register', '/reset-password', '/login/two-factor', '/profile/edit', '/two-factor/sms/enable', '/two-factor/disable', '/logout']) {
      expect(report.forms).toContain(form);
    }
    // …and got answers of every kind: handled (2xx/3xx), refused (400/403/404/405/413/415) and rule errors (401/422).
    for (const status of ['200', '302', '400', '403', '404', '405', '413', '415', '422']) expect(report.statuses[status] ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('catches a route that crashes on odd input (the check can fail)', async () => {
    const report = await runFuzz({
      seed: SEED,
      count: 2000,
      prepare: (app) => {
        app.post('/fuzz-canary', async (request) => {
          const body = request.body as Record<string, unknown> | undefined;
          // A handler that trusts its body to be a flat form of strings.
          return { length: Object.values(body ?? {}).map((v) => (v as string).toUpperCase()).length };
        });
      },
    });
    expect(report.routes).toContain('/fuzz-canary');
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures.some((f) => f.request.includes('/fuzz-canary') && f.status === 500)).toBe(true);
    expect(report.failures[0]?.error).toMatch(/TypeError/);
  }, 60_000);

  it('the same seed sends the same requests', () => {
    const a = prng(SEED);
    const b = prng(SEED);
    const c = prng(SEED + 1);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
  });
});
