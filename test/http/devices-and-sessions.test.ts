/**
 * Trusted devices ("Remember this device for 30 days") and the sessions list
 * on the security page: remembering, skipping the code, forgetting one or
 * all, forgetting automatically on password, phone and factor changes; ending
 * one session or every other one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedDevicesOfUser } from '../../src/db/trusted-devices.js';
import { ManualClock, days } from '../../src/lib/duration.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { phoneNumbers } from '../support/phones.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 18, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(async () => t.close());

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

const freshPhone = phoneNumbers('+1415555', { after: 7100 });

function browser(userAgent?: string): TestClient {
  const client = new TestClient(t.app);
  if (userAgent) client.headers['user-agent'] = userAgent;
  return client;
}

/** A user with SMS two-factor, signed in on `client` with its code; `remember` ticks "Remember this device". */
async function signInWithCode(client: TestClient, user: { username: string; password: string; phone: string | null }, remember: boolean) {
  const password = await signIn(client, user.username, user.password);
  expect(password.location).toBe('/login/two-factor');
  const done = await client.submit('/login/two-factor', { code: await latestDevCode(t.app, user.phone!), ...(remember ? { remember_device: 'on' } : {}) });
  expect(done.location).toBe('/');
  return done;
}

describe('remembered devices', () => {
  it('a remembered browser skips the code (never the password) for 30 days; another browser does not', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const laptop = new TestClient(t.app);
    const done = await signInWithCode(laptop, user, true);
    const cookie = done.setCookies.find((c) => c.startsWith('gatehouse_device='));
    expect(cookie).toMatch(/Max-Age=2592000/);
    expect(cookie).toMatch(/HttpOnly/);
    await laptop.submit('/', {}, '/logout');

    expect((await signIn(laptop, user.username, 'wrong password entirely')).status).toBe(401);
    expect((await signIn(laptop, user.username, user.password)).location).toBe('/');

    const phone = new TestClient(t.app);
    expect((await signIn(phone, user.username, user.password)).location).toBe('/login/two-factor');

    await laptop.submit('/', {}, '/logout');
    clock.advance(days(31));
    expect((await signIn(laptop, user.username, user.password)).location).toBe('/login/two-factor');
  });

  it('without the box ticked nothing is remembered', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const client = new TestClient(t.app);
    const done = await signInWithCode(client, user, false);
    expect(done.setCookies.some((c) => c.startsWith('gatehouse_device='))).toBe(false);
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toEqual([]);
  });

  it('the security page lists them by browser and system; forgetting one makes it ask again', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const laptop = browser(CHROME_MAC);
    await signInWithCode(laptop, user, true);
    const page = await laptop.get('/security');
    expect(page.body).toContain('Chrome on macOS');
    const [device] = await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now());
    const forgot = await laptop.submit('/security', { id: device!.token_hash }, '/security/devices/forget');
    expect(flashIn((await laptop.follow(forgot)).body)).toBe('That device will ask for a code at its next sign-in.');
    await laptop.submit('/', {}, '/logout');
    expect((await signIn(laptop, user.username, user.password)).location).toBe('/login/two-factor');
  });

  it.each([
    ['turning SMS off', async (c: TestClient, u: { password: string }) => void (await c.submit('/two-factor/disable', { password: u.password }))],
    ['changing the password', async (c: TestClient, u: { password: string }) => void (await c.submit('/profile/password', { current_password: u.password, password: 'an entirely new passphrase 42', confirm_password: 'an entirely new passphrase 42' }))],
    ['"Forget all devices"', async (c: TestClient) => void (await c.submit('/security', {}, '/security/devices/forget-all'))],
  ])('%s forgets every remembered device', async (_what, change) => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const client = new TestClient(t.app);
    await signInWithCode(client, user, true);
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toHaveLength(1);
    await change(client, user);
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toEqual([]);
  });
});

describe('sessions on the security page', () => {
  it('lists each signed-in browser; one can be signed out, or every other one', async () => {
    const user = await createUser(t.app);
    const laptop = browser(CHROME_MAC);
    const office = browser(FIREFOX_WIN);
    const tablet = new TestClient(t.app);
    for (const c of [laptop, office, tablet]) await signIn(c, user.username, user.password);

    const page = await laptop.get('/security');
    expect(page.body).toContain('Chrome on macOS');
    expect(page.body).toContain('Firefox on Windows');
    expect(page.body).toContain('This device');
    const ids = [...page.body.matchAll(/name="id" value="([0-9a-f]{64})"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2); // not this one

    await laptop.submit('/security', { id: ids[0]! }, '/security/sessions/end');
    const statuses = await Promise.all([office, tablet].map(async (c) => (await c.get('/')).status));
    expect(statuses.sort()).toEqual([200, 302]);

    const all = await laptop.submit('/security', {}, '/security/sessions/end-others');
    expect(flashIn((await laptop.follow(all)).body)).toBe('You are signed out everywhere else.');
    expect((await office.get('/')).status).toBe(302);
    expect((await tablet.get('/')).status).toBe(302);
    expect((await laptop.get('/')).status).toBe(200);
  });

  it("cannot sign out another account's session", async () => {
    const alice = await createUser(t.app);
    const bob = await createUser(t.app);
    const a = new TestClient(t.app);
    const b = new TestClient(t.app);
    await signIn(a, alice.username, alice.password);
    await signIn(b, bob.username, bob.password);
    await signIn(new TestClient(t.app), bob.username, bob.password);
    const bobsIds = [...(await b.get('/security')).body.matchAll(/name="id" value="([0-9a-f]{64})"/g)].map((m) => m[1]!);
    await a.submit('/security', { id: bobsIds[0]! }, '/security/sessions/end');
    expect([...(await b.get('/security')).body.matchAll(/name="id" value="([0-9a-f]{64})"/g)]).toHaveLength(1);
  });
});
