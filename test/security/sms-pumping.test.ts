/**
 * Attack: SMS pumping / toll fraud. A script makes Gatehouse send code after
 * code to numbers the attacker is paid for (premium ranges, far-away
 * countries), from one client or spread over many accounts and addresses.
 * Requirements: OWASP ASVS 5.0 V6.3.1 / V2.4.1 (anti-automation on costly
 * functions), issue #3: limits on code sends per account, per number, per IP
 * and a global hourly budget; a country allow-list; a circuit breaker on the
 * budget and on Twilio's error rate with an operator log line; a script of
 * 1,000 sends from one client is stopped early.
 */
import { Writable } from 'node:stream';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, StartResult, VerifyService } from '../../src/adapters/verify/types.js';
import { CODE_SENDS_PER_ACCOUNT, CODE_SENDS_PER_IP, CODE_SENDS_PER_PHONE, SMS_ERROR_MIN_SENDS } from '../../src/auth/policy.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { en } from '../../src/i18n/en/index.js';
import { seconds } from '../../src/lib/duration.js';
import { DEFAULT_TEST_PASSWORD, createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient, type Page } from '../support/client.js';
import { fakeDate, type FakeTime } from '../support/time.js';
import { ipAddresses } from '../support/net.js';

let time: FakeTime;
const apps: TestApp[] = [];
beforeAll(() => {
  time = fakeDate();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});
afterAll(() => time.restore());

async function app(env: Record<string, string> = {}, verify?: VerifyService, stream?: Writable): Promise<TestApp> {
  const t = await startTestApp(env, { verify, ...(stream ? { logger: { level: 'error', stream } } : {}) });
  apps.push(t);
  return t;
}

/** A random valid mobile number (US by default), as a pumping script would generate. */
function randomNumber(prefix = '+1'): string {
  for (;;) {
    const candidate = prefix === '+1' ? `+1${200 + Math.floor(Math.random() * 800)}${2000000 + Math.floor(Math.random() * 7999999)}` : `+447400${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
    if (parsePhoneNumberFromString(candidate)?.isValid()) return candidate;
  }
}
const freshIp = ipAddresses('100.64');

/** Codes that reached the development Verify adapter (what Twilio would have sent and billed). */
async function codesSent(t: TestApp): Promise<number> {
  return (await listDevMessages(t.app.ctx.db, 5000)).filter((m) => m.kind === 'sms' || m.kind === 'call').length;
}

/** A signed-in attacker account on `clientIp`. */
async function attackerAccount(t: TestApp, clientIp: string): Promise<TestClient> {
  const user = await createUser(t.app);
  const client = new TestClient(t.app, clientIp);
  expect((await signIn(client, user.username, user.password)).status).toBe(302);
  return client;
}

const askForCode = (client: TestClient, phone: string): Promise<Page> => client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });

describe('SMS pumping', () => {
  it('a script of 1,000 sends to random numbers from one client is stopped after the per-IP limit', async () => {
    const t = await app();
    const clientIp = freshIp();
    // The script rotates 50 accounts so the 30-second resend rule never holds it back, and reads each account's
    // form (its CSRF token) once, then only posts.
    const accounts: { client: TestClient; csrf: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const client = await attackerAccount(t, clientIp);
      accounts.push({ client, csrf: csrfTokenIn((await client.get('/two-factor/sms/enable')).body) });
    }
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const { client, csrf } = accounts[i % accounts.length]!;
      const page = await client.post('/two-factor/sms/enable', { _csrf: csrf, phone: randomNumber(), channel: 'sms', password: DEFAULT_TEST_PASSWORD });
      if (page.status !== 302) {
        refused++;
        expect(page.body).toMatch(/Too many codes were sent\. Try again in \d+ minutes?\./);
      }
      time.advance(seconds(1));
    }
    expect(await codesSent(t)).toBe(CODE_SENDS_PER_IP.points);
    expect(refused).toBe(1000 - CODE_SENDS_PER_IP.points);
  }, 120_000);

  it('one account spread over many addresses is stopped by the per-account limit', async () => {
    const t = await app();
    const user = await createUser(t.app);
    const client = new TestClient(t.app, freshIp());
    await signIn(client, user.username, user.password);
    let sent = 0;
    for (let i = 0; i < 60; i++) {
      // A botnet: every request from another address (the session cookie is the same account).
      const hop = new TestClient(t.app, freshIp());
      for (const [k, v] of client.cookies) hop.cookies.set(k, v);
      if ((await askForCode(hop, randomNumber())).status === 302) sent++;
      time.advance(seconds(31)); // waits out the resend rule each time
    }
    expect(sent).toBe(CODE_SENDS_PER_ACCOUNT.points);
    expect(await codesSent(t)).toBe(CODE_SENDS_PER_ACCOUNT.points);
  }, 60_000);

  it('one premium number targeted from many accounts and addresses is stopped by the per-number limit', async () => {
    const t = await app();
    const premium = randomNumber();
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      if ((await askForCode(await attackerAccount(t, freshIp()), premium)).status === 302) sent++;
      // Paced under Verify's own 5 sends per 10 minutes, so only Gatehouse's limit can stop it within the hour.
      time.advance(seconds(150));
    }
    expect(sent).toBe(CODE_SENDS_PER_PHONE.points);
  }, 60_000);

  it('the global hourly budget opens the circuit breaker, with one error-level log line for the operator', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    const t = await app({ SMS_HOURLY_BUDGET: '12' }, undefined, stream);
    let last: Page | undefined;
    for (let i = 0; i < 30; i++) last = await askForCode(await attackerAccount(t, freshIp()), randomNumber());
    expect(await codesSent(t)).toBe(12);
    expect(last?.body).toMatch(/We cannot send codes right now\. Please try again in \d+ minutes?\./);
    const breakerLines = lines.filter((l) => l.event === 'sms_circuit_breaker_open');
    expect(breakerLines).toHaveLength(1);
    expect(breakerLines[0]!.level).toBe(50); // pino "error"
    expect(String(breakerLines[0]!.msg)).toContain('SMS_HOURLY_BUDGET');
  }, 60_000);

  it("Twilio's error rate opens the breaker: after it trips, nothing more is sent to the provider", async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    const failing = new CountingVerify({ ok: false, reason: 'unavailable' }); // Twilio failing (5xx, 20429, timeouts)
    const t = await app({}, failing, stream);
    for (let i = 0; i < 40; i++) await askForCode(await attackerAccount(t, freshIp()), randomNumber());
    expect(failing.starts).toBe(SMS_ERROR_MIN_SENDS);
    expect(lines.filter((l) => l.event === 'sms_circuit_breaker_open' && l.level === 50)).toHaveLength(1);
  }, 60_000);
});

describe('breaker abuse', () => {
  it('refusals for blocked numbers (free for an attacker to cause) never open the breaker for everyone', async () => {
    const blocked = new CountingVerify({ ok: false, reason: 'blocked' }); // Fraud Guard / geo permissions: 60410, 60605
    const t = await app({}, blocked);
    for (let i = 0; i < 30; i++) await askForCode(await attackerAccount(t, freshIp()), randomNumber());
    expect(blocked.starts).toBe(30);
    expect(await t.app.ctx.limits.sms.pausedForMs()).toBe(0);
  }, 60_000);
});

describe('country allow-list (SMS_ALLOWED_COUNTRIES)', () => {
  it('refuses numbers outside the list with a clear message and sends nothing; numbers inside it work', async () => {
    const t = await app({ SMS_ALLOWED_COUNTRIES: 'GB,IE' });
    const client = await attackerAccount(t, freshIp());
    const us = await askForCode(client, randomNumber('+1'));
    expect(us.status).toBe(422);
    expect(us.body).toContain(en.codes.limits.countryNotAllowed);
    const satellite = await askForCode(client, '+881 6 1234 5678');
    expect(satellite.status).toBe(422);
    expect(await codesSent(t)).toBe(0);
    expect((await askForCode(client, randomNumber('+44'))).status).toBe(302);
    expect(await codesSent(t)).toBe(1);
  });

  it('also holds at sign-in: no code goes to an enrolled number outside the list', async () => {
    const t = await app({ SMS_ALLOWED_COUNTRIES: 'GB' });
    const user = await createUser(t.app, { phone: '+12015550123' });
    const page = await signIn(new TestClient(t.app, freshIp()), user.username, user.password);
    expect(page.location).toBe('/login/two-factor');
    expect(await codesSent(t)).toBe(0);
  });

  it('refuses to start with an unknown country code', async () => {
    await expect(startTestApp({ SMS_ALLOWED_COUNTRIES: 'GB,XX' })).rejects.toThrow(/SMS_ALLOWED_COUNTRIES/);
  });
});

/** A Verify stand-in that gives one answer to every send and counts them. */
class CountingVerify implements VerifyService {
  starts = 0;
  constructor(private readonly answer: StartResult) {}
  start(): Promise<StartResult> {
    this.starts++;
    return Promise.resolve(this.answer);
  }
  check(): Promise<CheckResult> {
    return Promise.resolve({ ok: false, reason: 'wrong_code' });
  }
}
