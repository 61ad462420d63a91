/**
 * Attack: using a recovery code twice. A code copied from a printout or a
 * phishing page is tried again after its owner used it, or fired from many
 * connections at once. (OWASP ASVS 5.0 V6.5.1: look-up secrets are used once.)
 * Defence: a code is marked used by one conditional UPDATE; only the request
 * that changed the row signs in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countUnusedRecoveryCodes } from '../../src/db/factors.js';
import { ManualClock } from '../../src/lib/duration.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator } from '../support/totp.js';
import { pendingSignIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 16, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(async () => t.close());

describe('recovery code reuse', () => {
  it('the same code sent by 10 browsers at once signs in exactly one, and is spent', async () => {
    const user = await createUser(t.app);
    const owner = new TestClient(t.app);
    await signIn(owner, user.username, user.password);
    const { recoveryCodes } = await enrolAuthenticator(owner, () => clock.now());
    const code = recoveryCodes[0]!;

    // The password step one browser after another (one attempt per account runs at a time); then the codes all at once.
    const browsers: TestClient[] = [];
    for (let i = 0; i < 10; i++) browsers.push(await pendingSignIn(t.app, user));
    const tokens = await Promise.all(browsers.map(async (b) => csrfTokenIn((await b.get('/login/two-factor/recovery')).body)));
    const results = await Promise.all(browsers.map((b, i) => b.post('/login/two-factor/recovery', { _csrf: tokens[i]!, code })));
    expect(results.filter((r) => r.status === 302 && r.location === '/')).toHaveLength(1);
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(9);

    // Nine wrong tries lock the account's codes for a while (in real time); the spent code stays spent either way.
    const later = await pendingSignIn(t.app, user);
    expect([422, 429]).toContain((await later.submit('/login/two-factor/recovery', { code })).status);
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(9);
  });

  it("one account's codes do not work for another account", async () => {
    const alice = await createUser(t.app);
    const a = new TestClient(t.app);
    await signIn(a, alice.username, alice.password);
    const { recoveryCodes } = await enrolAuthenticator(a, () => clock.now());

    const bob = await createUser(t.app);
    const b = new TestClient(t.app);
    await signIn(b, bob.username, bob.password);
    await enrolAuthenticator(b, () => clock.now());

    const attacker = await pendingSignIn(t.app, bob);
    expect((await attacker.submit('/login/two-factor/recovery', { code: recoveryCodes[0]! })).status).toBe(422);
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, alice.id)).toBe(10);
  });
});
