/**
 * Attack: a stolen or left-open session used for lasting changes. Whoever has
 * the cookie of a session signed in an hour ago tries to add their own
 * authenticator app, print the recovery codes, or remove a factor.
 * (NIST SP 800-63B-4 §7.2 reauthentication; OWASP ASVS 5.0 V7.5.1.)
 * Defence: these need the password entered in this session within the last
 * 10 minutes; guessing it counts against the account's lockout. And a cookie
 * copied before the owner re-enters the password is worth nothing after it:
 * the step-up gives the session a new id (OWASP ASVS 5.0 V7.2.4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTotpFactor } from '../../src/db/factors.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { keyIn, recoveryCodesIn, totpCode } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 17, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(async () => t.close());

async function oldSession() {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  return { user, client };
}

describe('step-up after 10 minutes', () => {
  it('within 10 minutes of signing in no password is asked; after that, adding an app needs it again', async () => {
    const { user, client } = await oldSession();
    clock.advance(minutes(10));
    expect((await client.get('/two-factor/app/enable')).status).toBe(200);
    clock.advance(minutes(1));
    const page = await client.get('/two-factor/app/enable');
    expect(page.location).toBe('/reauthenticate?next=%2Ftwo-factor%2Fapp%2Fenable');
    // Posting a code directly does not skip the step either.
    const key = keyIn((await (async () => { await client.submit('/reauthenticate', { password: user.password }); return client.get('/two-factor/app/enable'); })()).body);
    clock.advance(minutes(11));
    const direct = await client.submit('/security', { code: totpCode(key, clock.now()) }, '/two-factor/app/enable');
    expect(direct.location).toBe('/reauthenticate?next=%2Ftwo-factor%2Fapp%2Fenable');
    expect((await findTotpFactor(t.app.ctx.db, user.id))?.confirmed_at).toBeNull();
  });

  it('new recovery codes are not shown to a stale session', async () => {
    const { user, client } = await oldSession();
    const key = keyIn((await client.get('/two-factor/app/enable')).body);
    await client.submit('/two-factor/app/enable', { code: totpCode(key, clock.now()) });
    clock.advance(minutes(30));
    const res = await client.submit('/security', {}, '/security/recovery-codes');
    expect(res.status).toBe(302);
    expect(recoveryCodesIn(res.body)).toEqual([]);
    void user;
  });

  it('guessing the password at the step-up page locks like sign-in does, even with the right one afterwards', async () => {
    const { user, client } = await oldSession();
    clock.advance(minutes(11));
    for (let i = 0; i < 5; i++) expect((await client.submit('/reauthenticate', { password: `guess ${i}` })).status).toBe(422);
    const locked = await client.submit('/reauthenticate', { password: user.password });
    expect(locked.status).toBe(422);
    expect(locked.body).toContain('Too many wrong passwords');
    expect((await client.get('/two-factor/app/enable')).location).toMatch(/^\/reauthenticate/);
  });

  it('a session cookie stolen before the step-up cannot use the window it opens: the session id is new', async () => {
    const { user, client } = await oldSession();
    clock.advance(minutes(11));
    // The thief copies every cookie of the owner's browser (session, CSRF secret) before the owner steps up.
    const thief = new TestClient(t.app, '203.0.113.77');
    for (const [name, cookie] of client.cookies) thief.cookies.set(name, { ...cookie });
    const before = client.cookies.get('gatehouse_session')!.value;
    expect((await thief.get('/security')).status).toBe(200); // the copy works, for now

    const stepUp = await client.submit('/reauthenticate?next=%2Ftwo-factor%2Fapp%2Fenable', { password: user.password, next: '/two-factor/app/enable' });
    expect(stepUp.location).toBe('/two-factor/app/enable');
    const after = client.cookies.get('gatehouse_session')!.value;
    expect(after).not.toBe(before);
    expect((await client.get('/two-factor/app/enable')).status).toBe(200);

    // The old cookie names no session any more: no step-up window, not even a plain page.
    expect((await thief.get('/two-factor/app/enable')).location).toBe('/login?next=%2Ftwo-factor%2Fapp%2Fenable');
    expect((await thief.get('/security')).location).toBe('/login?next=%2Fsecurity');
    // The renewed session keeps how it was signed in, and is still the owner's only one.
    const sessions = await t.app.ctx.db.selectFrom('sessions').select(['sign_in_methods', 'user_id']).where('user_id', '=', user.id).execute();
    expect(sessions).toEqual([{ sign_in_methods: 'password', user_id: user.id }]);
  });

  it('the step-up page sends only to this site', async () => {
    const { user, client } = await oldSession();
    clock.advance(minutes(11));
    const page = await client.get('/reauthenticate?next=https%3A%2F%2Fevil.example%2F');
    expect(page.body).toContain('name="next" value="/security"');
    const res = await client.post('/reauthenticate', { _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!, password: user.password, next: '//evil.example/' });
    expect(res.location).toBe('/security');
  });
});
