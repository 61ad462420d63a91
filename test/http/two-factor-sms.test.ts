/** SMS two-factor through the development Verify adapter (codes read from the dev outbox). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { findUserById } from '../../src/db/users.js';
import { DEFAULT_TEST_PASSWORD, createUser, latestDevCode, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient } from '../support/client.js';
import { phoneNumbers } from '../support/phones.js';
import { signedIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

/** A fresh valid US number per test, so dev-outbox codes never mix. */
const freshPhone = phoneNumbers('+1415555', { after: 2600 });

describe('enable SMS two-factor', () => {
  it('turns on only after the code sent to the number is typed back', async () => {
    const { user, client } = await signedIn(t.app);
    const phone = freshPhone();
    const form = await client.get('/two-factor/sms/enable');
    expect(form.body).toContain('type="tel"');
    expect(form.body).toContain('/vendor/intl-tel-input/js/intlTelInput.min.js');

    // Typed with spaces and dashes, as people do; stored as E.164.
    const sent = await client.submit('/two-factor/sms/enable', { phone: `+1 (415) 555-${phone.slice(-4)}`, password: DEFAULT_TEST_PASSWORD });
    expect(sent.status).toBe(302);
    expect(sent.location).toBe('/two-factor/sms/confirm');
    expect((await findUserById(t.app.ctx.db, user.id))?.two_factor_enabled).toBe(0);

    const confirm = await client.get('/two-factor/sms/confirm');
    expect(confirm.body).toContain('inputmode="numeric"');
    expect(confirm.body).toContain('autocomplete="one-time-code"');
    expect(confirm.body).toContain(`+1 ••• ${phone.slice(-4)}`);

    const code = await latestDevCode(t.app, phone);
    const done = await client.submit('/two-factor/sms/confirm', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    // The first factor: the answer is the page with the recovery codes, shown this once.
    expect(done.status).toBe(200);
    expect(done.body).toContain('Two-factor authentication is on');
    expect(done.body.match(/<li><code>[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}<\/code><\/li>/g)).toHaveLength(10);
    expect(done.headers['cache-control']).toBe('no-store');
    // The page's own forms carry a token for the session this answer started (sign out works from it).
    expect((await client.post('/logout', { _csrf: csrfTokenIn(done.body) })).location).toBe('/login');
    const stored = await findUserById(t.app.ctx.db, user.id);
    expect(stored?.two_factor_enabled).toBe(1);
    expect(stored?.phone).toBe(phone);
    const notice = await waitForDevMail(t.app, user.email, 'Two-factor authentication is on');
    expect(notice.text_body).toContain(`+1 ••• ${phone.slice(-4)}`);
  });

  it('re-posting the number within 30 seconds sends no second code', async () => {
    const { client } = await signedIn(t.app);
    const phone = freshPhone();
    expect((await client.submit('/two-factor/sms/enable', { phone, password: DEFAULT_TEST_PASSWORD })).status).toBe(302);
    const again = await client.submit('/two-factor/sms/enable', { phone, password: DEFAULT_TEST_PASSWORD });
    expect(again.status).toBe(422);
    expect(again.body).toMatch(/Please wait \d+ seconds/);
    const other = await client.submit('/two-factor/sms/enable', { phone: freshPhone(), password: DEFAULT_TEST_PASSWORD });
    expect(other.status).toBe(422);
    const sent = await t.app.ctx.db.selectFrom('dev_outbox').select('recipient').where('kind', '=', 'sms').where('recipient', '=', phone).execute();
    expect(sent).toHaveLength(1);
  });

  it('rejects a number that is not valid, without sending anything', async () => {
    const { client } = await signedIn(t.app);
    const res = await client.submit('/two-factor/sms/enable', { phone: '+1 555 0000', password: DEFAULT_TEST_PASSWORD });
    expect(res.status).toBe(422);
    expect(res.body).toContain('That phone number is not valid');
    expect(res.body).toContain('value="+1 555 0000"');
  });

  it('a wrong code keeps 2FA off and says so', async () => {
    const { user, client } = await signedIn(t.app);
    const phone = freshPhone();
    await client.submit('/two-factor/sms/enable', { phone, password: DEFAULT_TEST_PASSWORD });
    const code = await latestDevCode(t.app, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const res = await client.submit('/two-factor/sms/confirm', { code: wrong });
    expect(res.status).toBe(422);
    expect(res.body).toContain('That code is not right');
    expect((await findUserById(t.app.ctx.db, user.id))?.two_factor_enabled).toBe(0);
  });

  it('"call me instead" waits 30 seconds after the last code, then calls', async () => {
    const { client } = await signedIn(t.app);
    const phone = freshPhone();
    await client.submit('/two-factor/sms/enable', { phone, password: DEFAULT_TEST_PASSWORD });
    const page = await client.get('/two-factor/sms/confirm');
    expect(page.body).toContain('data-countdown="30"');

    const early = await client.submit('/two-factor/sms/confirm', { channel: 'call' }, '/two-factor/sms/resend');
    expect(flashIn((await client.follow(early)).body)).toContain('Please wait 30 seconds');

    clock.advance(seconds(31));
    const call = await client.submit('/two-factor/sms/confirm', { channel: 'call' }, '/two-factor/sms/resend');
    expect(flashIn((await client.follow(call)).body)).toContain('We are calling you now');
    const calls = (await t.app.ctx.db.selectFrom('dev_outbox').selectAll().where('recipient', '=', phone).execute()).map((m) => m.kind);
    expect(calls).toEqual(['sms', 'call']);
  });
});

describe('sign in with SMS two-factor', () => {
  it('a correct password alone reaches nothing but the code page', async () => {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    const res = await signIn(client, user.username, user.password);
    expect(res.location).toBe('/login/two-factor');
    for (const path of ['/', `/user/${user.username}`, '/profile/edit', '/two-factor/disable']) {
      const page = await client.get(path);
      expect(page.status, path).toBe(302);
      expect(page.location, path).toBe('/login/two-factor');
    }
    const codePage = await client.get('/login/two-factor');
    expect(codePage.status).toBe(200);
    expect(codePage.body).toContain(`+1 ••• ${phone.slice(-4)}`);
    expect(codePage.body).not.toContain(`href="/user/${user.username}"`); // the nav shows no signed-in links yet
  });

  it('a correct code completes sign-in with a new session id, keeping next and remember me', async () => {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    const first = await signIn(client, user.username, user.password, { remember: 'on', next: '/profile/edit' });
    const pendingCookie = first.setCookies.find((c) => c.startsWith('gatehouse_session='))!;
    expect(pendingCookie).not.toMatch(/Max-Age/); // the pending step is never persistent

    const code = await latestDevCode(t.app, phone);
    const done = await client.submit('/login/two-factor', { code });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/profile/edit');
    const finalCookie = done.setCookies.find((c) => c.startsWith('gatehouse_session='))!;
    expect(finalCookie).toMatch(/Max-Age=2592000/);
    expect(finalCookie.split(';')[0]).not.toBe(pendingCookie.split(';')[0]);
    expect((await client.get('/profile/edit')).status).toBe(200);
  });

  it('a wrong code first, then the right one', async () => {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const code = await latestDevCode(t.app, phone);
    const wrong = await client.submit('/login/two-factor', { code: code === '123456' ? '654321' : '123456' });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toContain('That code is not right');
    const right = await client.submit('/login/two-factor', { code });
    expect(right.location).toBe('/');
  });

  it('five wrong codes end the pending sign-in', async () => {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const code = await latestDevCode(t.app, phone);
    const wrong = code === '000001' ? '000002' : '000001';
    for (let i = 1; i <= 4; i++) expect((await client.submit('/login/two-factor', { code: wrong })).status).toBe(422);
    const fifth = await client.submit('/login/two-factor', { code: wrong });
    expect(fifth.status).toBe(302);
    expect(fifth.location).toBe('/login');
    expect(flashIn((await client.follow(fifth)).body)).toContain('Too many wrong codes');
    // Even the right code no longer helps: the user must start again with the password.
    const late = await client.request('POST', '/login/two-factor', { form: { _csrf: 'x', code } });
    expect(late.status).toBe(403);
    expect((await client.get('/login/two-factor')).location).toBe('/login');
  });

  it('the pending sign-in expires after 10 minutes', async () => {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    clock.advance(minutes(10) + seconds(1));
    const page = await client.get('/login/two-factor');
    expect(page.location).toBe('/login');
  });

  it('resend is refused for 30 seconds, then sends a new code that works', async () => {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const early = await client.submit('/login/two-factor', { channel: 'sms' }, '/login/two-factor/resend');
    expect(flashIn((await client.follow(early)).body)).toMatch(/Please wait \d+ seconds/);
    clock.advance(seconds(30));
    const again = await client.submit('/login/two-factor', { channel: 'sms' }, '/login/two-factor/resend');
    expect(flashIn((await client.follow(again)).body)).toBe('We sent you a new code.');
    const code = await latestDevCode(t.app, phone);
    expect((await client.submit('/login/two-factor', { code })).location).toBe('/');
  });
});

describe('change the two-factor phone', () => {
  async function withTwoFactor() {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    clock.advance(seconds(31));
    return { user, client, phone };
  }

  it('needs the current password and a code sent to the new number, and tells the owner', async () => {
    const { user, client, phone } = await withTwoFactor();
    const page = await client.get('/two-factor/sms/enable');
    expect(page.body).toContain('Change your two-factor phone');
    expect(page.body).toContain('autocomplete="current-password"');

    const newNumber = freshPhone();
    const noPassword = await client.submit('/two-factor/sms/enable', { phone: newNumber, password: 'wrong password here' });
    expect(noPassword.status).toBe(422);
    expect(noPassword.body).toContain('That is not your current password.');
    await expect(latestDevCode(t.app, newNumber)).rejects.toThrow();

    expect((await client.submit('/two-factor/sms/enable', { phone: newNumber, password: user.password })).location).toBe('/two-factor/sms/confirm');
    expect((await findUserById(t.app.ctx.db, user.id))?.phone).toBe(phone); // nothing changes before the code
    const before = client.cookies.get('gatehouse_session')?.value;
    const done = await client.submit('/two-factor/sms/confirm', { code: await latestDevCode(t.app, newNumber) });
    expect(flashIn((await client.follow(done)).body)).toBe('Your two-factor phone has been changed.');
    expect(client.cookies.get('gatehouse_session')?.value).not.toBe(before);
    expect((await findUserById(t.app.ctx.db, user.id))?.phone).toBe(newNumber);
    const notice = await waitForDevMail(t.app, user.email, 'Your two-factor phone number was changed');
    expect(notice.text_body).toContain(`+1 ••• ${newNumber.slice(-4)}`);
    expect(notice.text_body).toContain('/wasnt-me/');
  });
});

describe('disable two-factor', () => {
  it('needs the current password', async () => {
    const phone = freshPhone();
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });

    const security = await client.get('/security');
    expect(security.body).toContain('href="/two-factor/disable"');
    const wrong = await client.submit('/two-factor/disable', { password: 'not it' });
    expect(wrong.status).toBe(422);
    expect((await findUserById(t.app.ctx.db, user.id))?.two_factor_enabled).toBe(1);

    const before = client.cookies.get('gatehouse_session')?.value;
    const ok = await client.submit('/two-factor/disable', { password: user.password });
    expect(ok.status).toBe(302);
    const stored = await findUserById(t.app.ctx.db, user.id);
    expect(stored?.two_factor_enabled).toBe(0);
    expect(stored?.phone).toBeNull();
    // Re-authentication rotates the session id.
    expect(client.cookies.get('gatehouse_session')?.value).not.toBe(before);
    expect((await client.get('/')).status).toBe(200);
    await waitForDevMail(t.app, user.email, 'Two-factor authentication was turned off');
  });

  it('is not reachable without signing in', async () => {
    const client = new TestClient(t.app);
    const page = await client.get('/two-factor/disable');
    expect(page.location).toBe('/login?next=%2Ftwo-factor%2Fdisable');
    const post = await client.request('POST', '/two-factor/disable', { form: { _csrf: 'forged', password: 'x' } });
    expect(post.status).toBe(403);
  });
});
