/**
 * SMS two-factor through the whole app with the real Twilio adapter: the app
 * is configured with TWILIO_* and TWILIO_API_BASE_URL pointing at the Verify v2
 * stand-in, so every code goes out and is checked through the `twilio` SDK over
 * real HTTP. The user reads the code off the stand-in, as off a phone.
 * The threat these guard against: a Twilio outage, timeout or wrong code
 * must never end in a signed-in session.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TwilioVerifyService } from '../../src/adapters/verify/twilio.js';
import { maskPhone } from '../../src/auth/two-factor.js';
import { findUserById } from '../../src/db/users.js';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { ManualClock, seconds } from '../../src/lib/duration.js';
import { FREE_CONSECUTIVE_FAILURES } from '../../src/auth/policy.js';
import { escapeHtml } from '../../src/views/html.js';
import { DEFAULT_TEST_PASSWORD, createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, TestClient, type Page } from '../support/client.js';
import { TwilioStandIn } from '../support/twilio-stand-in.js';
import { phoneNumbers } from '../support/phones.js';
import { ipAddresses } from '../support/net.js';
import { hasLiveSession } from '../support/sign-in.js';

const TIMEOUT_MS = 500;

let standIn: TwilioStandIn;
let t: TestApp;
const clock = new ManualClock();

beforeAll(async () => {
  standIn = await TwilioStandIn.start();
  t = await startTestApp(standIn.env({ TWILIO_TIMEOUT_MS: String(TIMEOUT_MS) }), { clock });
});
beforeEach(() => standIn.clearForced());
afterAll(async () => {
  await t?.close();
  await standIn?.close();
});

/** A valid US number per test (201-555-01xx), so no two tests share a verification. */
const freshPhone = phoneNumbers('+1201555', { after: 100 });

/** An address of its own, so these tests' sends do not use up the others' per-IP allowance. */
const freshIp = ipAddresses('198.51.100');

/** Signs in with the password; for a 2FA user this is the first step only. */
async function passwordStep(client: TestClient, user: { username: string; password: string }): Promise<Page> {
  return client.submit('/login', { login: user.username, password: user.password });
}

async function twoFactorUser() {
  const phone = freshPhone();
  const user = await createUser(t.app, { phone });
  return { ...user, phone };
}

describe('SMS two-factor with the Twilio adapter', () => {
  it('is wired to the Twilio adapter, not the development outbox', () => {
    expect(t.app.ctx.verify).toBeInstanceOf(TwilioVerifyService);
    expect(t.config.twilio?.apiBaseUrl).toBe(standIn.url);
  });

  it('turns on SMS two-factor with a code sent and checked through Twilio', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    expect((await passwordStep(client, user)).location).toBe('/');

    const phone = freshPhone();
    const typed = `${phone.slice(0, 2)} ${phone.slice(2, 5)} ${phone.slice(5, 8)} ${phone.slice(8)}`; // "+1 201 555 0123"
    const sent = await client.submit('/two-factor/sms/enable', { phone: typed, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
    expect(sent.status).toBe(302);
    expect(sent.location).toBe('/two-factor/sms/confirm');
    const [start] = standIn.requestsTo('start', phone);
    // No Accept-Language: the page is English, and so is the text (Twilio is told, not left to guess from the number).
    expect(start).toMatchObject({ form: { To: phone, Channel: 'sms', Locale: 'en' }, authUser: standIn.accountSid, authPassword: standIn.authToken });
    expect(standIn.sent.filter((s) => s.to === phone).map((s) => s.locale)).toEqual(['en']);

    const code = standIn.codeFor(phone);
    const confirmed = await client.submit('/two-factor/sms/confirm', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Two-factor authentication is on');
    expect(confirmed.body).toContain('Your recovery codes');
    expect(standIn.requestsTo('check', phone).map((r) => r.form)).toEqual([{ To: phone, Code: code }]);

    const saved = await findUserById(t.app.ctx.db, user.id);
    expect(saved).toMatchObject({ phone, two_factor_enabled: 1 });
  });

  it('sends the code in the language of the page: Locale=es for a browser asking for Spanish, and the confirm page is in Spanish', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    client.headers['accept-language'] = 'es-ES,es;q=0.9';
    expect((await passwordStep(client, user)).location).toBe('/');

    const phone = freshPhone();
    const sent = await client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
    expect(sent.location).toBe('/two-factor/sms/confirm');
    expect(standIn.requestsTo('start', phone).map((r) => r.form)).toEqual([{ To: phone, Channel: 'sms', Locale: 'es' }]);
    expect(standIn.sent.filter((s) => s.to === phone).map((s) => s.locale)).toEqual(['es']);

    const confirm = await client.get('/two-factor/sms/confirm');
    expect(confirm.status).toBe(200);
    expect(confirm.headers['content-language']).toBe('es');
    expect(confirm.body).toContain('<html lang="es"');
    expect(confirm.body).toContain(`<h1>${es.sms.confirm.title}</h1>`);
    expect(confirm.body).toContain(es.sms.confirm.introEnable(maskPhone(phone)));
    expect(confirm.body).toContain(es.codes.codeEntry.sendAgain);
    expect(confirm.body).toContain(es.sms.confirm.differentNumber);
    expect(confirm.body).not.toContain(en.sms.confirm.title);
    expect(confirm.body).not.toContain(en.codes.codeEntry.sendAgain);

    const done = await client.submit('/two-factor/sms/confirm', { code: standIn.codeFor(phone) });
    expect(done.status).toBe(200);
    expect(done.body).toContain(es.sms.done.enabled);
    expect(done.body).toContain(es.codes.recoveryCodes.heading);
    expect(await findUserById(t.app.ctx.db, user.id)).toMatchObject({ phone, two_factor_enabled: 1 });
    // The notice goes in the account's language (English: it was not changed), not the browser's.
    const notice = await waitForDevMail(t.app, user.email, en.sms.mail.enabled.subject);
    expect(notice.text_body).toContain(en.mail.wasntMe);
  });

  it('does not turn two-factor on for a wrong code', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await passwordStep(client, user);
    const phone = freshPhone();
    await client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
    const wrong = await client.submit('/two-factor/sms/confirm', { code: standIn.wrongCodeFor(phone) });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('That code is not right');
    expect(await findUserById(t.app.ctx.db, user.id)).toMatchObject({ phone: null, two_factor_enabled: 0 });
  });

  it('offers "Call me instead" for a landline, and the call goes out with Channel=call', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await passwordStep(client, user);
    const phone = freshPhone();
    standIn.force(60205, { to: phone, channel: 'sms' });

    const refused = await client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('looks like a landline');
    expect(refused.body).toContain('name="channel" value="call"');

    const called = await client.post('/two-factor/sms/enable', { _csrf: csrfTokenIn(refused.body), phone, channel: 'call', password: DEFAULT_TEST_PASSWORD });
    expect(called.location).toBe('/two-factor/sms/confirm');
    expect(standIn.requestsTo('start', phone).map((r) => r.form.Channel)).toEqual(['sms', 'call']);
    const confirmed = await client.submit('/two-factor/sms/confirm', { code: standIn.codeFor(phone) });
    expect(confirmed.body).toContain('Two-factor authentication is on');
  });

  it('signs in with the password and then the code Twilio sent', async () => {
    const user = await twoFactorUser();
    const client = new TestClient(t.app);
    const first = await passwordStep(client, user);
    expect(first.location).toBe('/login/two-factor');
    expect(await hasLiveSession(client)).toBe(false);
    expect(standIn.requestsTo('start', user.phone).map((r) => r.form)).toEqual([{ To: user.phone, Channel: 'sms', Locale: 'en' }]);

    const code = standIn.codeFor(user.phone);
    const done = await client.submit('/login/two-factor', { code });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/');
    expect(standIn.requestsTo('check', user.phone).map((r) => r.form)).toEqual([{ To: user.phone, Code: code }]);
    expect(await hasLiveSession(client)).toBe(true);
  });

  it('says "That code is not right" for a wrong code and does not sign in', async () => {
    const user = await twoFactorUser();
    const client = new TestClient(t.app);
    await passwordStep(client, user);
    const wrong = await client.submit('/login/two-factor', { code: standIn.wrongCodeFor(user.phone) });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('That code is not right');
    expect(await hasLiveSession(client)).toBe(false);
    // Twilio kept the verification open: the right code still works.
    expect((await client.submit('/login/two-factor', { code: standIn.codeFor(user.phone) })).location).toBe('/');
    expect(await hasLiveSession(client)).toBe(true);
  });

  it('refuses a code Twilio no longer has open (expired: 20404) and does not sign in', async () => {
    const user = await twoFactorUser();
    const client = new TestClient(t.app);
    await passwordStep(client, user);
    const code = standIn.codeFor(user.phone);
    standIn.expire(user.phone);
    const res = await client.submit('/login/two-factor', { code });
    expect(res.status).toBe(422);
    expect(res.body).toContain('That code has expired or was already used');
    expect(standIn.requestsTo('check', user.phone)).toHaveLength(1);
    expect(await hasLiveSession(client)).toBe(false);
  });

  it('tells the user when Twilio fails to send the code at sign-in (500)', async () => {
    const user = await twoFactorUser();
    standIn.force(500, { to: user.phone });
    const client = new TestClient(t.app);
    const first = await passwordStep(client, user);
    expect(first.location).toBe('/login/two-factor');
    const page = await client.follow(first);
    expect(flashIn(page.body)).toContain('We could not send a code right now');
    expect(await hasLiveSession(client)).toBe(false);
  });

  it('never signs in when Twilio answers the check with a 500', async () => {
    const user = await twoFactorUser();
    const client = new TestClient(t.app);
    await passwordStep(client, user);
    standIn.force(500, { to: user.phone, endpoint: 'check' });
    const res = await client.submit('/login/two-factor', { code: standIn.codeFor(user.phone) });
    expect(res.status).toBe(503);
    expect(res.body).toContain('We could not check your code right now');
    expect(res.setCookies.join('\n')).not.toMatch(/gatehouse_session=[^;]/i);
    expect(await hasLiveSession(client)).toBe(false);
  });

  it('never signs in when Twilio does not answer the check, and gives up within TWILIO_TIMEOUT_MS', async () => {
    const user = await twoFactorUser();
    const client = new TestClient(t.app);
    await passwordStep(client, user);
    standIn.force('hang', { to: user.phone, endpoint: 'check' });

    const began = performance.now();
    let took = -1;
    const pending = client.submit('/login/two-factor', { code: standIn.codeFor(user.phone) }).then((page) => {
      took = performance.now() - began;
      return page;
    });
    // The hanging call does not hold up anyone else's sign-in.
    const other = await twoFactorUser();
    const otherClient = new TestClient(t.app);
    await passwordStep(otherClient, other);
    expect((await otherClient.submit('/login/two-factor', { code: standIn.codeFor(other.phone) })).location).toBe('/');
    expect(took).toBe(-1);

    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.body).toContain('We could not check your code right now');
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 2000);
    expect(await hasLiveSession(client)).toBe(false);
  });

  it('shows "We could not send a code" when sending at sign-in times out', async () => {
    const user = await twoFactorUser();
    standIn.force('hang', { to: user.phone, endpoint: 'start' });
    const client = new TestClient(t.app);
    const first = await passwordStep(client, user);
    expect(first.location).toBe('/login/two-factor');
    expect(flashIn((await client.follow(first)).body)).toContain('We could not send a code right now');
    expect(await hasLiveSession(client)).toBe(false);
  });

  it('tells the person when the Verify service is misconfigured (60223: the channel is turned off), and the page offers nothing it cannot do', async () => {
    const user = await twoFactorUser();
    standIn.force(60223, { to: user.phone });
    const client = new TestClient(t.app, freshIp());
    const first = await passwordStep(client, user);
    expect(first.location).toBe('/login/two-factor');
    expect(flashIn((await client.follow(first)).body)).toBe(escapeHtml(en.codes.startFailure.misconfigured));
    expect(await hasLiveSession(client)).toBe(false);
    // Fixed by the operator: the same pending sign-in gets its code at once (no pause for everyone meanwhile).
    standIn.clearForced();
    const resent = await client.post('/login/two-factor/resend', { _csrf: csrfTokenIn((await client.get('/login/two-factor')).body), channel: 'sms' });
    expect(flashIn((await client.follow(resent)).body)).toBe(en.codes.codeSent.sms);
    expect((await client.submit('/login/two-factor', { code: standIn.codeFor(user.phone) })).location).toBe('/');
    expect(await hasLiveSession(client)).toBe(true);
  });

  it('a number that replied STOP (21610) is told so and offered a call, which works', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app, freshIp());
    await passwordStep(client, user);
    const phone = freshPhone();
    standIn.force(21610, { to: phone, channel: 'sms' });
    const refused = await client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain(escapeHtml(en.codes.startFailure.unsubscribed));
    expect(refused.body).toContain('name="channel" value="call"');
    const called = await client.post('/two-factor/sms/enable', { _csrf: csrfTokenIn(refused.body), phone, channel: 'call', password: DEFAULT_TEST_PASSWORD });
    expect(called.location).toBe('/two-factor/sms/confirm');
    expect((await client.submit('/two-factor/sms/confirm', { code: standIn.codeFor(phone) })).body).toContain('Two-factor authentication is on');
  });

  it('a check Twilio refuses for its configuration (20003) is not a wrong code: 503, and the right code works afterwards', async () => {
    const user = await twoFactorUser();
    const client = new TestClient(t.app, freshIp());
    await passwordStep(client, user);
    standIn.force(20003, { to: user.phone, endpoint: 'check' });
    // More refusals than the free wrong codes and the pending sign-in's attempts: none of them counts.
    for (let i = 0; i <= FREE_CONSECUTIVE_FAILURES; i++) {
      const res = await client.submit('/login/two-factor', { code: standIn.codeFor(user.phone) });
      expect(res.status).toBe(503);
      expect(res.body).toContain(escapeHtml(en.codes.checkFailure.misconfigured));
    }
    expect(await hasLiveSession(client)).toBe(false);
    standIn.clearForced();
    expect((await client.submit('/login/two-factor', { code: standIn.codeFor(user.phone) })).location).toBe('/');
    expect(await hasLiveSession(client)).toBe(true);
  });

  it('the same when turning SMS codes on: a misconfigured check is a 503 and counts no wrong code', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app, freshIp());
    await passwordStep(client, user);
    const phone = freshPhone();
    expect((await client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD })).location).toBe('/two-factor/sms/confirm');
    standIn.force(20003, { to: phone, endpoint: 'check' });
    for (let i = 0; i <= FREE_CONSECUTIVE_FAILURES; i++) {
      const res = await client.submit('/two-factor/sms/confirm', { code: standIn.codeFor(phone) });
      expect(res.status).toBe(503);
      expect(res.body).toContain(escapeHtml(en.codes.checkFailure.misconfigured));
    }
    standIn.clearForced();
    const confirmed = await client.submit('/two-factor/sms/confirm', { code: standIn.codeFor(phone) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Two-factor authentication is on');
  });

  it('"Call me instead" at sign-in sends Channel=call, and the code from the call signs in', async () => {
    const user = await twoFactorUser();
    const client = new TestClient(t.app);
    await passwordStep(client, user);
    const codePage = await client.get('/login/two-factor');
    expect(codePage.body).toContain('Call me instead');

    clock.advance(seconds(31)); // past the wait between two codes
    const called = await client.post('/login/two-factor/resend', { _csrf: csrfTokenIn(codePage.body), channel: 'call' });
    expect(called.location).toBe('/login/two-factor');
    expect(flashIn((await client.follow(called)).body)).toContain('We are calling you now');
    expect(standIn.requestsTo('start', user.phone).map((r) => r.form)).toEqual([
      { To: user.phone, Channel: 'sms', Locale: 'en' },
      { To: user.phone, Channel: 'call', Locale: 'en' },
    ]);
    expect(standIn.sent.filter((s) => s.to === user.phone).map((s) => s.channel)).toEqual(['sms', 'call']);

    expect((await client.submit('/login/two-factor', { code: standIn.codeFor(user.phone) })).location).toBe('/');
    expect(await hasLiveSession(client)).toBe(true);
  });
});
