/**
 * Attack: locking someone out on purpose. Anyone who knows a username can type
 * wrong passwords until the account's lockout engages, hoping to keep its
 * owner out. (OWASP Authentication Cheat Sheet, "account lockout" and device
 * cookies; NIST SP 800-63B-4 §3.2.2 rate limiting must not deny service.)
 * Defence: a browser the account remembered after a second factor counts its
 * own failures, so the owner's devices keep working while the account is
 * locked for everyone else; a remembered browser that guesses is forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedDevicesOfUser } from '../../src/db/trusted-devices.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

async function ownerWithRememberedBrowser(phone: string) {
  const user = await createUser(t.app, { phone });
  const owner = new TestClient(t.app, '198.51.100.7');
  await signIn(owner, user.username, user.password);
  await owner.submit('/login/two-factor', { code: await latestDevCode(t.app, phone), remember_device: 'on' });
  await owner.submit('/', {}, '/logout');
  return { user, owner };
}

describe('lockout as denial of service', () => {
  it("an attacker's wrong passwords lock the account for others, but not its owner's remembered browser", async () => {
    const { user, owner } = await ownerWithRememberedBrowser('+14155557501');
    const attacker = new TestClient(t.app, '203.0.113.9');
    for (let i = 0; i < 6; i++) await signIn(attacker, user.username, `guess number ${i}`);
    // Locked for the attacker, even with the right password.
    expect((await signIn(attacker, user.username, user.password)).status).toBe(429);
    // The owner's remembered browser signs straight in.
    expect((await signIn(owner, user.username, user.password)).location).toBe('/');
  });

  it('a remembered browser that keeps guessing is forgotten: it needs the code again and counts against the account', async () => {
    const { user, owner } = await ownerWithRememberedBrowser('+14155557502');
    for (let i = 0; i < 5; i++) expect((await signIn(owner, user.username, `guess number ${i}`)).status).toBe(401);
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, Date.now())).toEqual([]);
    expect((await signIn(owner, user.username, user.password)).location).toBe('/login/two-factor');
  });
});
