/**
 * Attacks on a suspended account (the console's "Suspend", src/features/admin/people.ts; decision record 020),
 * each named after it:
 * - a session kept open through the suspension: the suspended person (or whoever holds their cookie) keeps using
 *   a browser that was signed in — it is signed out at its next request;
 * - sign-in to a suspended account: the right password, or the account's own passkey, signs nobody in; only they
 *   learn the account is suspended and whom to contact — a wrong password gets the usual answer, so a guesser
 *   learns nothing;
 * - an admin suspending themselves (locking the console's last door from inside) is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';
import { addPasskey, signInWithPasskey } from '../support/passkeys.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SUPPORT_CONTACT: 'it-help@example.com' });
});
afterAll(() => t?.close());

async function suspend(admin: TestClient, personId: number, reason = '') {
  const page = await admin.get(`/admin/people/${personId}`);
  const done = await admin.post(`/admin/people/${personId}/suspend`, { _csrf: csrfTokenIn(page.body), reason });
  expect(done.status).toBe(303);
  return admin.get(done.location!);
}

describe('a session kept open through the suspension', () => {
  it('is signed out at its next request, and the person cannot sign back in until reactivated', async () => {
    const { client: admin } = await signedInAdmin(t);
    const person = await createUser(t.app);
    const theirs = new TestClient(t.app);
    expect((await signIn(theirs, person.username, person.password)).location).toBe('/');
    const after = await suspend(admin, person.id, 'reported by the team lead');
    expect(after.body).toContain(`${person.username} is suspended and signed out everywhere.`);
    expect(after.body).toContain('Suspended since');
    expect((await theirs.get('/security')).location).toMatch(/^\/login/);
    const [entry] = await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 1 });
    expect([entry!.action, JSON.parse(entry!.detail!)]).toEqual(['account_suspended', { reason: 'reported by the team lead', sessions: 1 }]);

    // Reactivated: the same password works again, and the person's activity says what happened.
    const page = await admin.get(`/admin/people/${person.id}`);
    const back = await admin.post(`/admin/people/${person.id}/reactivate`, { _csrf: csrfTokenIn(page.body) });
    expect(flashIn((await admin.get(back.location!)).body)).toBe(`${person.username} is active again.`);
    expect((await signIn(theirs, person.username, person.password)).location).toBe('/');
    const activity = (await theirs.get('/security')).body;
    expect(activity).toContain('Account suspended by an administrator');
    expect(activity).toContain('Account reactivated by an administrator');
  });
});

describe('sign-in to a suspended account', () => {
  it('the right password is told the account is suspended and whom to contact; a wrong one gets the usual answer', async () => {
    const { client: admin } = await signedInAdmin(t);
    const person = await createUser(t.app);
    await suspend(admin, person.id);
    const browser = new TestClient(t.app);
    const right = await signIn(browser, person.username, person.password);
    expect(right.status).toBe(403);
    expect(right.body).toContain('This account is suspended: it cannot sign in for now. To ask why, or to have it back, contact it-help@example.com.');
    expect((await browser.get('/')).location).toMatch(/^\/login/);
    const wrong = await signIn(browser, person.username, 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain('suspended');
    expect(wrong.body).toContain('That username or email and password do not match.');
  });

  it("the account's own passkey signs nobody in either", async () => {
    const { client: admin } = await signedInAdmin(t);
    const person = await createUser(t.app);
    const authenticator = new SoftAuthenticator();
    const theirs = new TestClient(t.app);
    await signIn(theirs, person.username, person.password);
    expect((await addPasskey(theirs, authenticator, t.app.ctx.config.appUrl, 'Laptop')).status).toBe(200);
    await suspend(admin, person.id);
    const browser = new TestClient(t.app);
    const refused = await signInWithPasskey(browser, authenticator, t.app.ctx.config.appUrl);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('This account is suspended');
    expect((await browser.get('/')).location).toMatch(/^\/login/);
  });
});

describe('an admin suspending themselves', () => {
  it('is refused, and nothing changes', async () => {
    const { user, client } = await signedInAdmin(t);
    const page = await client.get(`/admin/people/${user.id}`);
    expect(page.body).not.toContain(`/admin/people/${user.id}/suspend`);
    const done = await client.post(`/admin/people/${user.id}/suspend`, { _csrf: csrfTokenIn(page.body) });
    expect(flashIn((await client.get(done.location!)).body)).toBe('You cannot suspend your own account.');
    expect((await client.get('/admin')).status).toBe(200);
    expect(await listAdminAudit(t.app.ctx.db, { targetId: user.id }, { limit: 5 })).toEqual([]);
  });
});
