/**
 * Attacks on sessions: fixation (plant a known session id, wait for the victim
 * to sign in with it), a stolen or leaked database row being replayed as a
 * cookie, and a forgotten session on a shared computer staying signed in.
 * (OWASP ASVS 5.0 V7.2.4, V7.3.1, V7.3.2; NIST SP 800-63B §7.1.)
 * Defences: a new random token at every sign-in and at 2FA completion; only a
 * SHA-256 of the token is stored; idle timeout 2 h and absolute lifetime
 * server-side; HttpOnly/SameSite cookies, Secure + __Host- on https; a
 * password reset ends every session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/lib/tokens.js';
import { ManualClock, days, hours, minutes } from '../../src/lib/duration.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 8, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(async () => t.close());

const sessionValue = (client: TestClient) => client.cookies.get('gatehouse_session')?.value;

describe('session fixation', () => {
  it('a session id planted before sign-in is never authenticated', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const planted = 'A'.repeat(43);
    client.cookies.set('gatehouse_session', { value: planted });
    await signIn(client, user.username, user.password);
    expect(sessionValue(client)).not.toBe(planted);
    const attacker = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: `gatehouse_session=${planted}` } });
    expect(attacker.statusCode).toBe(302);
  });

  it('signing in again from a signed-in browser rotates the id and kills the previous one', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const first = sessionValue(client)!;
    const anyPage = await client.get('/'); // a form token of the signed-in browser
    await client.post('/login', { _csrf: csrfTokenIn(anyPage.body), login: user.username, password: user.password });
    const second = sessionValue(client)!;
    expect(second).not.toBe(first);
    const old = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: `gatehouse_session=${first}` } });
    expect(old.statusCode).toBe(302);
    expect((await client.get('/')).status).toBe(200);
  });

  it('completing the second factor issues a new id; the pending one is dead', async () => {
    const phone = '+14155550160';
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const pending = sessionValue(client)!;
    await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    expect(sessionValue(client)).not.toBe(pending);
    const replay = await t.app.inject({ method: 'GET', url: '/login/two-factor', headers: { cookie: `gatehouse_session=${pending}` } });
    expect(replay.headers.location).toBe('/login');
  });
});

describe('stolen session table', () => {
  it('stores only hashes: a row id used as a cookie signs nobody in', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const token = sessionValue(client)!;
    const rows = await t.app.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(rows.map((r) => r.id)).toEqual([hashToken(token)]);
    const replay = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: `gatehouse_session=${rows[0]!.id}` } });
    expect(replay.statusCode).toBe(302);
  });
});

describe('session lifetime', () => {
  it('without "remember me": ends after 2 hours idle, server-side', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    clock.advance(hours(1));
    expect((await client.get('/')).status).toBe(200); // activity slides the window
    clock.advance(hours(1) + minutes(59));
    expect((await client.get('/')).status).toBe(200);
    clock.advance(hours(2) + minutes(1));
    expect((await client.get('/')).location).toBe('/login?next=%2F');
  });

  it('without "remember me": ends after 24 hours even when active', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    for (let i = 0; i < 24; i++) {
      clock.advance(hours(1));
      if (i < 23) expect((await client.get('/')).status).toBe(200);
    }
    expect((await client.get('/')).status).toBe(302);
  });

  it('with "remember me": survives idle days, ends after 30 days', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password, { remember: 'on' });
    clock.advance(days(29));
    expect((await client.get('/')).status).toBe(200);
    clock.advance(days(1));
    expect((await client.get('/')).status).toBe(302);
  });
});

describe('cookies', () => {
  it('on https: Secure, HttpOnly, SameSite=Lax and the __Host- prefix', async () => {
    const https = await startTestApp({ APP_URL: 'https://gatehouse.example' });
    try {
      const user = await createUser(https.app);
      const client = new TestClient(https.app);
      const res = await signIn(client, user.username, user.password);
      const cookie = res.setCookies.find((c) => c.startsWith('__Host-gatehouse_session='));
      expect(cookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax/);
      expect(cookie).not.toMatch(/Domain=/i);
      expect(res.headers['strict-transport-security']).toContain('max-age=31536000');
    } finally {
      await https.close();
    }
  });
});
