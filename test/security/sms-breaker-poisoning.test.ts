/**
 * Attack: poisoning the SMS circuit breaker. The breaker (src/auth/limits.ts)
 * stops every code send for SMS_BREAKER_OPEN_MS once half of at least
 * SMS_ERROR_MIN_SENDS recent sends failed at the provider. If Twilio's answers
 * about one number (invalid, a landline, replied STOP, blocked by Fraud Guard
 * or geo permissions, too many sends to it) counted as provider failures,
 * anyone could open it by asking for codes to numbers that fail, and so pause
 * sign-in by SMS for every user; and if configuration errors (bad
 * credentials 20003, a channel turned off 60223) counted, SMS would stay off
 * for everyone after the operator had fixed them.
 * Requirement: issue #12 item 7: only timeouts, HTTP 5xx and 20429 count
 * towards the breaker; configuration errors are logged at error level and
 * exported as a metric; each answer gets a clear message.
 *
 * The app uses the real Twilio SDK against the Verify v2 stand-in
 * (test/support/twilio-stand-in.ts), told to answer each code for the
 * attacker's numbers.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StartFailure } from '../../src/adapters/verify/types.js';
import { SMS_ERROR_MIN_SENDS } from '../../src/auth/policy.js';
import { en } from '../../src/i18n/en/index.js';
import { escapeHtml } from '../../src/views/html.js';
import { DEFAULT_TEST_PASSWORD, createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient, type Page } from '../support/client.js';
import { TwilioStandIn, type ForcedFailure, type StandInErrorCode } from '../support/twilio-stand-in.js';
import { phoneNumbers } from '../support/phones.js';
import { ipAddresses } from '../support/net.js';

/** Long enough that a loaded test machine never times out a stand-in answer (a timeout is an outage). */
const TIMEOUT_MS = 1500;

let standIn: TwilioStandIn;
beforeAll(async () => {
  standIn = await TwilioStandIn.start();
});
afterEach(() => standIn.reset());
afterAll(async () => standIn.close());

interface Run {
  t: TestApp;
  /** Every log line at warn level or above, parsed. */
  logs: { level: number; event?: string; twilioCode?: unknown }[];
}

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function app(): Promise<Run> {
  const logs: Run['logs'] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(JSON.parse(chunk.toString()) as Run['logs'][number]), done()) });
  const t = await startTestApp(standIn.env({ TWILIO_TIMEOUT_MS: String(TIMEOUT_MS), METRICS_ENABLED: 'true' }), { logger: { level: 'warn', stream } });
  apps.push(t);
  return { t, logs };
}

/** A fresh client address per request: the per-IP limit is not what is under test. */
const freshIp = ipAddresses('100.66');
const freshPhone = phoneNumbers('+1201555', { after: 7000 });

/** A signed-in account on a fresh address, asking for a code to `phone` on the set-up page. */
async function askForCode(t: TestApp, phone: string): Promise<Page> {
  const user = await createUser(t.app);
  const client = new TestClient(t.app, freshIp());
  expect((await signIn(client, user.username, user.password)).location).toBe('/');
  return client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
}

/** A victim whose number works sets up SMS codes: the code is sent, and confirming it turns two-factor on. */
async function victimGetsACode(t: TestApp): Promise<void> {
  const user = await createUser(t.app);
  const victim = new TestClient(t.app, freshIp());
  await signIn(victim, user.username, user.password);
  const phone = freshPhone();
  const sent = await victim.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
  expect(sent.status).toBe(302);
  expect(sent.location).toBe('/two-factor/sms/confirm');
  const confirmed = await victim.submit('/two-factor/sms/confirm', { code: standIn.codeFor(phone) });
  expect(confirmed.status).toBe(200);
  expect(confirmed.body).toContain(escapeHtml(en.sms.done.enabled));
}

/** The value of one sample line of /metrics, 0 when absent. */
async function metric(t: TestApp, series: string): Promise<number> {
  const body = (await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).body;
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Twilio's answers about one number, and what the person is told. */
const ABOUT_ONE_NUMBER: [StandInErrorCode, StartFailure][] = [
  [21211, 'invalid_number'],
  [60200, 'invalid_number'],
  [21614, 'landline'],
  [60205, 'landline'],
  [21610, 'unsubscribed'],
  [21408, 'blocked'],
  [60410, 'blocked'],
  [60605, 'blocked'],
  [60220, 'blocked'],
  [60203, 'too_many_sends'],
  [60212, 'number_busy'],
];

describe('SMS breaker poisoning', () => {
  it("many refusals of the attacker's own numbers do not pause SMS for a victim whose number works", async () => {
    const { t, logs } = await app();
    const rounds = 2 * SMS_ERROR_MIN_SENDS;
    for (let i = 0; i < rounds; i++) {
      const [code, reason] = ABOUT_ONE_NUMBER[i % ABOUT_ONE_NUMBER.length]!;
      const phone = freshPhone();
      standIn.force(code, { to: phone });
      const page = await askForCode(t, phone);
      expect(page.status).toBe(422);
      expect(page.body).toContain(escapeHtml(en.codes.startFailure[reason]));
    }
    expect(standIn.requestsTo('start')).toHaveLength(rounds);
    expect(await t.app.ctx.limits.sms.pausedForMs()).toBe(0);
    await victimGetsACode(t);
    // Answers about one person's number are no concern of the operator's: nothing at warn level or above.
    expect(logs).toEqual([]);
  }, 60_000);

  it('a misconfigured Verify service fails every send with a clear message, logged and counted, and SMS works the moment it is fixed', async () => {
    const { t, logs } = await app();
    const misconfigurations: StandInErrorCode[] = [60223, 20003];
    for (const code of misconfigurations) {
      standIn.force(code); // every number: a channel turned off, or a rotated auth token
      for (let i = 0; i < SMS_ERROR_MIN_SENDS; i++) {
        const page = await askForCode(t, freshPhone());
        expect(page.status).toBe(422);
        expect(page.body).toContain(escapeHtml(en.codes.startFailure.misconfigured));
      }
      standIn.clearForced();
    }
    expect(await t.app.ctx.limits.sms.pausedForMs()).toBe(0);
    await victimGetsACode(t);

    // The operator is told: one error-level line per refusal, with Twilio's code, and the metric by code.
    const configLines = logs.filter((l) => l.event === 'twilio_config_error');
    expect(configLines).toHaveLength(2 * SMS_ERROR_MIN_SENDS);
    expect(configLines.every((l) => l.level === 50)).toBe(true);
    expect(configLines.map((l) => l.twilioCode)).toEqual([...Array<number>(SMS_ERROR_MIN_SENDS).fill(60223), ...Array<number>(SMS_ERROR_MIN_SENDS).fill(20003)]);
    expect(await metric(t, 'gatehouse_twilio_config_errors_total{code="60223"}')).toBe(SMS_ERROR_MIN_SENDS);
    expect(await metric(t, 'gatehouse_twilio_config_errors_total{code="20003"}')).toBe(SMS_ERROR_MIN_SENDS);
    expect(logs.some((l) => l.event === 'sms_circuit_breaker_open')).toBe(false);
  }, 60_000);

  // The control: the breaker still does its job, so the two tests above could have seen it open.
  it('many outages (HTTP 5xx, 20429, timeouts) do open the breaker: the victim is told to wait, and nothing is sent', async () => {
    const { t, logs } = await app();
    // Each kind of outage; one timeout only, since each costs TIMEOUT_MS of waiting.
    const outages: ForcedFailure[] = [500, 20503, 20429];
    for (let i = 0; i < SMS_ERROR_MIN_SENDS; i++) {
      standIn.force(i === 0 ? 'hang' : outages[i % outages.length]!);
      const page = await askForCode(t, freshPhone());
      expect(page.status).toBe(422);
      expect(page.body).toContain(escapeHtml(en.codes.startFailure.unavailable));
    }
    standIn.clearForced();
    expect(await t.app.ctx.limits.sms.pausedForMs()).toBeGreaterThan(0);
    expect(logs.filter((l) => l.event === 'sms_circuit_breaker_open' && l.level === 50)).toHaveLength(1);

    const user = await createUser(t.app);
    const victim = new TestClient(t.app, freshIp());
    await signIn(victim, user.username, user.password);
    const phone = freshPhone();
    const refused = await victim.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatch(/We cannot send codes right now\. Please try again in \d+ minutes?\./);
    expect(standIn.requestsTo('start', phone)).toEqual([]);
    expect(await metric(t, 'gatehouse_twilio_config_errors_total{code="20429"}')).toBe(0);
  }, 60_000);
});
