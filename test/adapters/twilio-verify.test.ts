/**
 * The Twilio Verify adapter, through the real `twilio` SDK and a real HTTP
 * stand-in that speaks Verify v2 (test/support/twilio-stand-in.ts). These
 * tests pin down what the SDK actually puts on the wire and how every answer
 * Twilio can give maps to the values the pages turn into messages. The rule
 * that matters most: only an "approved" answer is ever `{ ok: true }`.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TWILIO_VERIFY_ERRORS, TwilioVerifyService } from '../../src/adapters/verify/twilio.js';
import type { CheckFailure, StartFailure } from '../../src/adapters/verify/types.js';
import { loadConfig, type Config } from '../../src/config.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { TEST_SECRET } from '../support/app.js';
import { STAND_IN_ERRORS, STAND_IN_MAX_CHECKS, STAND_IN_MAX_SENDS, TwilioStandIn, type StandInErrorCode } from '../support/twilio-stand-in.js';
import { phoneNumbers } from '../support/phones.js';

const TIMEOUT_MS = 500;

let standIn: TwilioStandIn;
const clock = new ManualClock();
const logLines: string[] = [];

function configFor(env: Record<string, string>): Config {
  return loadConfig({ NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent', ...env }, { envFile: null });
}

/** Twilio codes the adapter reported as configuration errors (what the app counts in gatehouse_twilio_config_errors_total). */
const configErrors: string[] = [];

function verifyService(extraEnv: Record<string, string> = {}): TwilioVerifyService {
  const config = configFor(standIn.env({ TWILIO_TIMEOUT_MS: String(TIMEOUT_MS), ...extraEnv }));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  return new TwilioVerifyService(config.twilio!, pino({ level: 'warn' }, sink), (code) => configErrors.push(code));
}

/** The log lines written since `from`, parsed. */
const logsSince = (from: number) => logLines.slice(from).map((line) => JSON.parse(line) as { level: number; msg: string; twilioCode?: unknown; event?: string });

let verify: TwilioVerifyService;
/** A fresh UK mobile number per test, so no two tests share a verification. */
const freshPhone = phoneNumbers('+4477009', { digits: 5 });

beforeAll(async () => {
  standIn = await TwilioStandIn.start({ clock });
  verify = verifyService();
});
afterEach(() => {
  standIn.clearForced();
});
afterAll(async () => standIn.close());

describe('TwilioVerifyService against the Verify v2 stand-in', () => {
  it('reads TWILIO_API_BASE_URL and TWILIO_TIMEOUT_MS into the config', () => {
    const config = configFor(standIn.env({ TWILIO_API_BASE_URL: `${standIn.url}/`, TWILIO_TIMEOUT_MS: '500' }));
    expect(config.twilio).toEqual({
      accountSid: standIn.accountSid,
      authToken: standIn.authToken,
      verifyServiceSid: standIn.serviceSid,
      apiBaseUrl: standIn.url,
      timeoutMs: 500,
    });
  });

  it('sends To and Channel=sms form-encoded with Basic auth, then approves the right code', async () => {
    const to = freshPhone();
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: true });

    const [start] = standIn.requestsTo('start', to);
    expect(start).toMatchObject({
      method: 'POST',
      path: `/v2/Services/${standIn.serviceSid}/Verifications`,
      form: { To: to, Channel: 'sms', Locale: 'en' },
      authUser: standIn.accountSid,
      authPassword: standIn.authToken,
    });
    expect(start!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(start!.userAgent).toMatch(/^twilio-node\//);
    expect(Object.keys(start!.form).sort()).toEqual(['Channel', 'Locale', 'To']);

    const code = standIn.codeFor(to);
    expect(code).toMatch(/^[0-9]{6}$/);
    expect(await verify.check(to, code)).toEqual({ ok: true });
    const [check] = standIn.requestsTo('check', to);
    expect(check).toMatchObject({
      method: 'POST',
      path: `/v2/Services/${standIn.serviceSid}/VerificationCheck`,
      form: { To: to, Code: code },
      authUser: standIn.accountSid,
      authPassword: standIn.authToken,
    });
  });

  it('sends Channel=call for a voice call', async () => {
    const to = freshPhone();
    expect(await verify.start(to, 'call', 'en')).toEqual({ ok: true });
    expect(standIn.requestsTo('start', to).map((r) => r.form)).toEqual([{ To: to, Channel: 'call', Locale: 'en' }]);
    expect(standIn.sent.filter((s) => s.to === to)).toMatchObject([{ channel: 'call' }]);
  });

  it('asks Twilio for the message in the locale it is given (Verify `Locale`)', async () => {
    const to = freshPhone();
    expect(await verify.start(to, 'sms', 'es')).toEqual({ ok: true });
    expect(standIn.requestsTo('start', to).map((r) => r.form)).toEqual([{ To: to, Channel: 'sms', Locale: 'es' }]);
    expect(standIn.sent.filter((s) => s.to === to)).toMatchObject([{ channel: 'sms', locale: 'es' }]);
  });

  it('treats a wrong code (HTTP 200, status "pending") as wrong, and the verification stays open', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    expect(await verify.check(to, standIn.wrongCodeFor(to))).toEqual({ ok: false, reason: 'wrong_code' });
    expect(await verify.check(to, standIn.codeFor(to))).toEqual({ ok: true });
  });

  it('refuses an approved code the second time (20404)', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    const code = standIn.codeFor(to);
    expect(await verify.check(to, code)).toEqual({ ok: true });
    expect(await verify.check(to, code)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a code after its 10 minutes (20404)', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    const code = standIn.codeFor(to);
    clock.advance(minutes(10) - seconds(1));
    expect(await verify.check(to, standIn.wrongCodeFor(to))).toEqual({ ok: false, reason: 'wrong_code' });
    clock.advance(seconds(1));
    expect(await verify.check(to, code)).toEqual({ ok: false, reason: 'expired' });
  });

  it('treats a check with no verification ever started as expired (20404), never as approved', async () => {
    expect(await verify.check(freshPhone(), '123456')).toEqual({ ok: false, reason: 'expired' });
  });

  it('reports too many checks (60202) after 5, even for the right code', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    for (let i = 0; i < STAND_IN_MAX_CHECKS; i++) {
      expect(await verify.check(to, standIn.wrongCodeFor(to))).toEqual({ ok: false, reason: 'wrong_code' });
    }
    expect(await verify.check(to, standIn.codeFor(to))).toEqual({ ok: false, reason: 'too_many_checks' });
  });

  it('re-sends the same code, and reports too many sends (60203) after 5', async () => {
    const to = freshPhone();
    for (let i = 0; i < STAND_IN_MAX_SENDS; i++) expect(await verify.start(to, i % 2 ? 'call' : 'sms', 'en')).toEqual({ ok: true });
    const codes = new Set(standIn.sent.filter((s) => s.to === to).map((s) => s.code));
    expect(codes.size).toBe(1);
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'too_many_sends' });
    expect(standIn.requestsTo('start', to)).toHaveLength(STAND_IN_MAX_SENDS + 1);
  });

  it('reports a number Twilio rejects as invalid (60200), forced or not E.164', async () => {
    const to = freshPhone();
    standIn.force(60200, { to });
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'invalid_number' });
    // Real parameter validation: the stand-in refuses a number without its +country code.
    expect(await verify.start('07700900123', 'sms', 'en')).toEqual({ ok: false, reason: 'invalid_number' });
    // The rule was for one number only.
    expect(await verify.start(freshPhone(), 'sms', 'en')).toEqual({ ok: true });
  });

  it('reports a landline (60205) so the page can offer a call', async () => {
    const to = freshPhone();
    standIn.force(60205, { to, channel: 'sms' });
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'landline' });
    expect(await verify.start(to, 'call', 'en')).toEqual({ ok: true });
    expect(standIn.requestsTo('start', to).map((r) => r.form.Channel)).toEqual(['sms', 'call']);
  });

  it.each([60410, 60605] as const)('reports a blocked prefix or country (%i) as blocked', async (code) => {
    const to = freshPhone();
    standIn.force(code, { to });
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'blocked' });
  });

  it('treats 20429 (too many concurrent requests) as unavailable, on start and on check', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    standIn.force(20429);
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'unavailable' });
    expect(await verify.check(to, standIn.codeFor(to))).toEqual({ ok: false, reason: 'unavailable' });
  });

  it('treats a Twilio 500 as unavailable, never as approved', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    standIn.force(500);
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'unavailable' });
    expect(await verify.check(to, standIn.codeFor(to))).toEqual({ ok: false, reason: 'unavailable' });
    standIn.clearForced();
    // The outage did not use up the code.
    expect(await verify.check(to, standIn.codeFor(to))).toEqual({ ok: true });
  });

  it('treats wrong credentials (401 / 20003) as misconfigured, at error level, and sends the configured Account SID', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    const wrong = verifyService({ TWILIO_AUTH_TOKEN: 'not-the-token' });
    const mark = logLines.length;
    expect(await wrong.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'misconfigured' });
    expect(await wrong.check(to, standIn.codeFor(to))).toEqual({ ok: false, reason: 'misconfigured' });
    expect(logsSince(mark).map((l) => [l.level, l.event, l.twilioCode])).toEqual([
      [50, 'twilio_config_error', 20003],
      [50, 'twilio_config_error', 20003],
    ]);
    expect(configErrors.slice(-2)).toEqual(['20003', '20003']);
    const lastTwo = standIn.requests.slice(-2);
    expect(lastTwo.map((r) => [r.endpoint, r.authUser, r.authPassword])).toEqual([
      ['start', standIn.accountSid, 'not-the-token'],
      ['check', standIn.accountSid, 'not-the-token'],
    ]);
    expect(logLines.join('')).toContain('"twilioCode":20003');
  });

  it('gives up on a server that never answers within TWILIO_TIMEOUT_MS, without holding up other requests', async () => {
    const stuck = freshPhone();
    const other = freshPhone();
    standIn.force('hang', { to: stuck });

    const began = performance.now();
    let hungFor = -1;
    const hanging = verify.start(stuck, 'sms', 'en').then((result) => {
      hungFor = performance.now() - began;
      return result;
    });
    // While one request hangs, another goes through at once.
    expect(await verify.start(other, 'sms', 'en')).toEqual({ ok: true });
    expect(await verify.check(other, standIn.codeFor(other))).toEqual({ ok: true });
    expect(hungFor).toBe(-1);

    expect(await hanging).toEqual({ ok: false, reason: 'unavailable' });
    expect(hungFor).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(hungFor).toBeLessThan(TIMEOUT_MS + 1000);
    expect(standIn.requestsTo('start', stuck)).toHaveLength(1);
  });

  it('times out a code check too, as unavailable', async () => {
    const to = freshPhone();
    await verify.start(to, 'sms', 'en');
    standIn.force('hang', { to, endpoint: 'check' });
    const began = performance.now();
    expect(await verify.check(to, standIn.codeFor(to))).toEqual({ ok: false, reason: 'unavailable' });
    expect(performance.now() - began).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('never writes the auth token to the logs, even for a network failure', async () => {
    const to = freshPhone();
    standIn.force('hang', { to });
    logLines.length = 0;
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'unavailable' });
    standIn.force(500);
    expect(await verify.check(to, '123456')).toEqual({ ok: false, reason: 'unavailable' });
    const logs = logLines.join('');
    expect(logs).toContain('Twilio Verify could not start a verification');
    expect(logs).toContain('Twilio Verify could not check a code');
    const basic = Buffer.from(`${standIn.accountSid}:${standIn.authToken}`).toString('base64');
    expect(logs).not.toContain(standIn.authToken);
    expect(logs).not.toContain(basic);
  });

  it('still goes to TWILIO_API_BASE_URL, never to Twilio, when TWILIO_REGION / TWILIO_EDGE are set', async () => {
    const saved = { region: process.env.TWILIO_REGION, edge: process.env.TWILIO_EDGE };
    process.env.TWILIO_REGION = 'ie1';
    process.env.TWILIO_EDGE = 'dublin';
    try {
      const regional = verifyService();
      const to = freshPhone();
      expect(await regional.start(to, 'sms', 'en')).toEqual({ ok: true });
      expect(standIn.requestsTo('start', to)).toHaveLength(1);
    } finally {
      if (saved.region === undefined) delete process.env.TWILIO_REGION;
      else process.env.TWILIO_REGION = saved.region;
      if (saved.edge === undefined) delete process.env.TWILIO_EDGE;
      else process.env.TWILIO_EDGE = saved.edge;
    }
  });
});

/**
 * What each error Twilio documents for these two calls must mean, written out
 * apart from the adapter's table (TWILIO_VERIFY_ERRORS) so each checks the
 * other: [code, on a send, on a check]. A code Twilio does not document for a
 * call means `misconfigured` there, like any code the adapter does not know.
 */
const EVERY_TWILIO_ERROR: [StandInErrorCode, StartFailure, CheckFailure][] = [
  // Fix the number.
  [60200, 'invalid_number', 'wrong_code'],
  [21211, 'invalid_number', 'misconfigured'],
  // Another number, or a voice call.
  [60205, 'landline', 'misconfigured'],
  [21614, 'landline', 'misconfigured'],
  [21610, 'unsubscribed', 'misconfigured'],
  [60410, 'blocked', 'misconfigured'],
  [60605, 'blocked', 'misconfigured'],
  [21408, 'blocked', 'misconfigured'],
  [60220, 'blocked', 'misconfigured'],
  [60226, 'blocked', 'misconfigured'],
  // Wait.
  [60203, 'too_many_sends', 'misconfigured'],
  [60212, 'number_busy', 'misconfigured'],
  // A new code.
  [20404, 'misconfigured', 'expired'],
  [60202, 'misconfigured', 'too_many_checks'],
  // The operator's set-up.
  [20003, 'misconfigured', 'misconfigured'],
  [60223, 'misconfigured', 'misconfigured'],
  [60214, 'misconfigured', 'misconfigured'],
  [60204, 'misconfigured', 'misconfigured'],
  [60217, 'misconfigured', 'misconfigured'],
  [60201, 'misconfigured', 'misconfigured'],
  [60227, 'misconfigured', 'misconfigured'],
  [60238, 'misconfigured', 'misconfigured'],
  // Outages.
  [20429, 'unavailable', 'unavailable'],
  [20500, 'unavailable', 'unavailable'],
  [20503, 'unavailable', 'unavailable'],
];

describe('every documented Twilio error, through the SDK', () => {
  it("covers every code of the adapter's table, and the stand-in answers each one", () => {
    const codes = EVERY_TWILIO_ERROR.map(([code]) => code).sort();
    expect(Object.keys(TWILIO_VERIFY_ERRORS).map(Number).sort()).toEqual(codes);
    for (const code of codes) expect(STAND_IN_ERRORS[code].status).toBeGreaterThanOrEqual(400);
  });

  it.each(EVERY_TWILIO_ERROR)('Twilio %i means %s on a send and %s on a check', async (code, onStart, onCheck) => {
    const to = freshPhone();
    const mark = logLines.length;
    const reported = configErrors.length;
    standIn.force(code, { to, endpoint: 'start' });
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: onStart });
    standIn.clearForced();
    standIn.force(code, { to, endpoint: 'check' });
    expect(await verify.check(to, '123456')).toEqual({ ok: false, reason: onCheck });
    // Both answers came from the stand-in through the SDK, with Twilio's HTTP status.
    expect(standIn.requestsTo('start', to)).toHaveLength(1);
    expect(standIn.requestsTo('check', to)).toHaveLength(1);

    // The operator hears of what they must act on: configuration errors at error level and in the
    // metric, outages as warnings; answers about one person's number are for that person alone.
    const expectedLog = (reason: StartFailure | CheckFailure) => (reason === 'misconfigured' ? 50 : reason === 'unavailable' ? 40 : null);
    const levels = [expectedLog(onStart), expectedLog(onCheck)].filter((level) => level !== null);
    const lines = logsSince(mark);
    expect(lines.map((l) => l.level)).toEqual(levels);
    for (const line of lines) expect(line.twilioCode).toBe(code);
    const misconfigured = [onStart, onCheck].filter((reason) => reason === 'misconfigured').length;
    expect(configErrors.slice(reported)).toEqual(Array<string>(misconfigured).fill(String(code)));
  });

  it('treats a code Twilio does not document as misconfigured (logged for the operator to add), and an unknown 5xx as an outage', async () => {
    const to = freshPhone();
    const mark = logLines.length;
    standIn.force({ code: 60999, status: 400 }, { to });
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'misconfigured' });
    expect(await verify.check(to, '123456')).toEqual({ ok: false, reason: 'misconfigured' });
    standIn.force({ code: 60999, status: 503 }, { to });
    expect(await verify.start(to, 'sms', 'en')).toEqual({ ok: false, reason: 'unavailable' });
    expect(await verify.check(to, '123456')).toEqual({ ok: false, reason: 'unavailable' });
    const lines = logsSince(mark);
    expect(lines.map((l) => l.level)).toEqual([50, 50, 40, 40]);
    expect(lines[0]!.msg).toContain('60999, an answer TWILIO_VERIFY_ERRORS does not list');
  });

  it('treats a Verify service that does not exist (20404 on a send) as misconfigured', async () => {
    const otherService = verifyService({ TWILIO_VERIFY_SERVICE_SID: 'VA' + '2'.repeat(32) });
    expect(await otherService.start(freshPhone(), 'sms', 'en')).toEqual({ ok: false, reason: 'misconfigured' });
    expect(configErrors.at(-1)).toBe('20404');
  });
});

describe('the stand-in itself', () => {
  it('answers an unknown Verify service with 20404 and unauthenticated requests with 20003', async () => {
    const to = freshPhone();
    const otherService = verifyService({ TWILIO_VERIFY_SERVICE_SID: 'VA' + '1'.repeat(32) });
    expect(await otherService.check(to, '123456')).toEqual({ ok: false, reason: 'expired' });

    const res = await fetch(`${standIn.url}/v2/Services/${standIn.serviceSid}/Verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: to, Channel: 'sms' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
  });

  it('returns a Verification resource shaped like Twilio’s', async () => {
    const to = freshPhone();
    const res = await fetch(`${standIn.url}/v2/Services/${standIn.serviceSid}/Verifications`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${standIn.accountSid}:${standIn.authToken}`).toString('base64'),
      },
      body: new URLSearchParams({ To: to, Channel: 'sms' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ service_sid: standIn.serviceSid, account_sid: standIn.accountSid, to, channel: 'sms', status: 'pending', valid: false });
    expect(body.sid).toMatch(/^VE[0-9a-f]{32}$/);
    expect(body.send_code_attempts).toHaveLength(1);
  });
});
