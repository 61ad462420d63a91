/**
 * Prometheus metrics (issue 4, "Scale-out"): /metrics exists only with
 * METRICS_ENABLED=true; it answers loopback clients that came through no proxy,
 * or anyone with the METRICS_TOKEN bearer token, and nobody else (metrics show
 * sign-in failures and lockouts: an attacker's feedback). Request durations
 * are labelled with the route's pattern, never the raw URL (a username or a
 * reset token must not become a label). Each app has its own registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, latestDevCode, plainMail, startTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const PHONE = '+14155552671';

let t: TestApp;
let other: TestApp;

beforeAll(async () => {
  t = await startTestApp({ METRICS_ENABLED: 'true', METRICS_TOKEN: TOKEN }, { outbox: { pollIntervalMs: 60_000 } });
  other = await startTestApp({ METRICS_ENABLED: 'true' });
});

afterAll(async () => {
  await t?.close();
  await other?.close();
});

async function scrape(app: TestApp, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') {
  return app.app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });
}

/** The value of one sample line, e.g. `gatehouse_sign_ins_total{outcome="success"}`; 0 when absent. */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('who may read /metrics', () => {
  it('is not there when METRICS_ENABLED is unset', async () => {
    const off = await startTestApp();
    try {
      const res = await off.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('gatehouse_');
    } finally {
      await off.close();
    }
  });

  it('answers a loopback client with the Prometheus text format', async () => {
    const res = await scrape(t);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE gatehouse_http_request_duration_seconds histogram');
    expect(res.body).toContain('gatehouse_process_resident_memory_bytes');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a remote client, a local proxy forwarding one, a foreign Host, and a wrong token', async () => {
    expect((await scrape(t, {}, '203.0.113.9')).statusCode).toBe(404);
    expect((await scrape(t, { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(404);
    expect((await scrape(t, { forwarded: 'for=203.0.113.9' })).statusCode).toBe(404);
    expect((await scrape(t, { host: 'attacker.example:3000' })).statusCode).toBe(404); // DNS rebinding
    expect((await scrape(t, { authorization: `Bearer ${TOKEN}x` }, '203.0.113.9')).statusCode).toBe(404);
    expect((await scrape(t, { authorization: `Bearer ${TOKEN}x` }, '203.0.113.9')).body).not.toContain('gatehouse_');
  });

  it('answers anyone with the bearer token', async () => {
    const res = await scrape(t, { authorization: `Bearer ${TOKEN}` }, '203.0.113.9');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('gatehouse_sign_ins_total');
  });
});

describe('what it counts', () => {
  it('labels request durations with the route pattern, never the raw URL', async () => {
    const user = await createUser(t.app, { username: 'metricsalice' });
    const client = new TestClient(t.app);
    await client.get('/login');
    await client.get(`/user/${user.username}`);
    await client.get('/no-such-page/secret-token-123');
    const body = (await scrape(t)).body;
    expect(sample(body, 'gatehouse_http_request_duration_seconds_count{method="GET",route="/login",status_code="200"}')).toBeGreaterThanOrEqual(1);
    expect(body).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="\/user\/:username",status_code="\d+"\} [1-9]/);
    expect(body).toMatch(/gatehouse_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} [1-9]/);
    expect(body).not.toContain('metricsalice');
    expect(body).not.toContain('secret-token-123');
  });

  it('counts sign-ins by outcome: success, failure, locked', async () => {
    const before = (await scrape(t)).body;
    const user = await createUser(t.app);
    expect((await new TestClient(t.app).submit('/login', { login: user.username, password: user.password })).status).toBe(302);
    // Five wrong passwords lock the account (the fifth says so); the sixth attempt is refused by the lockout.
    for (let i = 0; i < 6; i++) {
      expect((await new TestClient(t.app).submit('/login', { login: user.username, password: `wrong password number ${i}` })).status).toBe(i < 4 ? 401 : 429);
    }
    const after = (await scrape(t)).body;
    const delta = (outcome: string) =>
      sample(after, `gatehouse_sign_ins_total{outcome="${outcome}"}`) - sample(before, `gatehouse_sign_ins_total{outcome="${outcome}"}`);
    expect(delta('success')).toBe(1);
    expect(delta('failure')).toBe(5);
    expect(delta('locked')).toBe(1);
  });

  it('counts 2FA code sends and checks by outcome', async () => {
    const user = await createUser(t.app, { phone: PHONE });
    const client = new TestClient(t.app);
    expect((await client.submit('/login', { login: user.username, password: user.password })).location).toBe('/login/two-factor');
    const code = await latestDevCode(t.app, PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await client.submit('/login/two-factor', { code: wrong })).status).toBe(422);
    expect((await client.submit('/login/two-factor', { code })).status).toBe(302);
    const body = (await scrape(t)).body;
    expect(sample(body, 'gatehouse_two_factor_sends_total{channel="sms",outcome="ok"}')).toBe(1);
    expect(sample(body, 'gatehouse_two_factor_checks_total{outcome="wrong_code"}')).toBe(1);
    expect(sample(body, 'gatehouse_two_factor_checks_total{outcome="ok"}')).toBe(1);
  });

  it('reads the outbox depth at each scrape', async () => {
    const depth = () => scrape(t).then((res) => sample(res.body, 'gatehouse_mail_outbox_depth'));
    const before = await depth();
    for (let i = 0; i < 3; i++) {
      await t.app.outbox.enqueue(t.app.ctx.db, plainMail(`depth${i}@example.com`, 'Hello'), null, Date.now());
    }
    expect(await depth()).toBe(before + 3);
  });

  it('keeps one registry per app: another app counts only its own requests', async () => {
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/login' });
    const mine = sample((await scrape(t)).body, 'gatehouse_http_request_duration_seconds_count{method="GET",route="/login",status_code="200"}');
    const theirs = sample((await scrape(other)).body, 'gatehouse_http_request_duration_seconds_count{method="GET",route="/login",status_code="200"}');
    expect(mine).toBeGreaterThanOrEqual(3);
    expect(theirs).toBe(0);
  });
});
