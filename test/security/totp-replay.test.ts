/**
 * Attack: replaying an authenticator-app code. Someone who saw a code (over a
 * shoulder, a phishing proxy, a log) uses it again within its 30 seconds, or
 * fires it from many connections at once hoping two get through.
 * (RFC 6238 §5.2; OWASP ASVS 5.0 V6.5.1: a time-based code is usable once.)
 * Defence: the newest accepted time step is stored per account and one
 * conditional UPDATE admits a step at most once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, seconds } from '../../src/lib/duration.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator, totpCode } from '../support/totp.js';
import { pendingSignIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 15, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(async () => t.close());

async function userWithApp() {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  const { key } = await enrolAuthenticator(client, () => clock.now());
  clock.advance(seconds(30));
  return { user, key };
}

describe('authenticator code replay', () => {
  it('a code that signed someone in does not sign in a second browser within the same 30 seconds', async () => {
    const { user, key } = await userWithApp();
    const code = totpCode(key, clock.now());
    const victim = await pendingSignIn(t.app, user, '/login/two-factor/app');
    expect((await victim.submit('/login/two-factor/app', { code })).location).toBe('/');

    const attacker = await pendingSignIn(t.app, user, '/login/two-factor/app');
    const replay = await attacker.submit('/login/two-factor/app', { code });
    expect(replay.status).toBe(422);
    expect((await attacker.get('/')).location).toBe('/login/two-factor');
  });

  it('an older code (the previous step, still inside the drift window) is refused once a newer one was used', async () => {
    const { user, key } = await userWithApp();
    const older = totpCode(key, clock.now() - seconds(30));
    const victim = await pendingSignIn(t.app, user, '/login/two-factor/app');
    expect((await victim.submit('/login/two-factor/app', { code: totpCode(key, clock.now()) })).location).toBe('/');
    const attacker = await pendingSignIn(t.app, user, '/login/two-factor/app');
    expect((await attacker.submit('/login/two-factor/app', { code: older })).status).toBe(422);
  });

  it('the same code sent by 10 browsers at once signs in exactly one of them', async () => {
    const { user, key } = await userWithApp();
    const code = totpCode(key, clock.now());
    // The password step one browser after another (one attempt per account runs at a time); then the codes all at once.
    const browsers: TestClient[] = [];
    for (let i = 0; i < 10; i++) browsers.push(await pendingSignIn(t.app, user, '/login/two-factor/app'));
    const tokens = await Promise.all(browsers.map(async (b) => /name="_csrf" value="([^"]+)"/.exec((await b.get('/login/two-factor/app')).body)![1]!));
    const results = await Promise.all(browsers.map((b, i) => b.post('/login/two-factor/app', { _csrf: tokens[i]!, code })));
    expect(results.filter((r) => r.status === 302 && r.location === '/')).toHaveLength(1);
    for (const r of results) expect([302, 422, 429]).toContain(r.status);
  });
});
