/**
 * Attacks on a suspended account (the console's "Suspend", src/features/admin/people.ts; decision record 020),
 * each named after it:
 * - a session kept open through the suspension: the suspended person (or whoever holds their cookie) keeps using
 *   a browser that was signed in — it is signed out at its next request;
 * - sign-in to a suspended account: the right password, or the account's own passkey, signs nobody in; only they
 *   learn the account is suspended and whom to contact — a wrong password gets the usual answer, so a guesser
 *   learns nothing;
 * - a sign-in racing the suspension: a second step completed, or a session left over, after the suspension;
 * - an admin suspending, deleting or stripping another admin or themselves (locking the console's doors from
 *   inside) is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { setSuspended } from '../../src/db/users.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
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

describe('a sign-in racing the suspension', () => {
  // The suspension ends every session in its transaction, but a sign-in whose password was being hashed at that
  // moment creates its pending session just after. As if that had happened: the account is suspended, the session
  // was not ended.
  it('a second step completed after the suspension signs nobody in, and a session left over counts for nothing', async () => {
    const phone = '+14155550155';
    const person = await createUser(t.app, { phone });
    const browser = new TestClient(t.app);
    expect((await signIn(browser, person.username, person.password)).location).toBe('/login/two-factor');
    await setSuspended(t.app.ctx.db, person.id, t.app.ctx.clock.now());
    const done = await browser.post('/login/two-factor', { _csrf: csrfTokenIn((await browser.get('/login')).body), code: await latestDevCode(t.app, phone) });
    expect(done.location).not.toBe('/');
    expect((await browser.get('/security')).location).toMatch(/^\/login/);

    // A signed-in session that outlived it (the same race, a step later) reaches no page.
    const other = await createUser(t.app);
    const signedIn = new TestClient(t.app);
    await signIn(signedIn, other.username, other.password);
    await setSuspended(t.app.ctx.db, other.id, t.app.ctx.clock.now());
    expect((await signedIn.get('/security')).location).toMatch(/^\/login/);
  });
});

describe('an admin suspending, deleting or stripping another admin (or themselves)', () => {
  // Two admins could lock each other out of the console, or one the last way in: the console leaves admins alone;
  // the shell takes the role away first (revoke-admin).
  it('is refused for every admin account, their own included, and nothing changes', async () => {
    const { user, client } = await signedInAdmin(t);
    const { user: colleague } = await signedInAdmin(t);
    for (const target of [user, colleague]) {
      const page = await client.get(`/admin/people/${target.id}`);
      expect(page.body).not.toContain(`/admin/people/${target.id}/suspend`);
      expect(page.body).not.toContain(`/admin/people/${target.id}/delete`);
      expect(page.body).not.toContain(`/admin/people/${target.id}/reset-factors`);
      for (const action of ['suspend', 'reset-factors', 'delete']) {
        const done = await client.post(`/admin/people/${target.id}/${action}`, { _csrf: csrfTokenIn(page.body), confirm_username: target.username });
        expect(flashIn((await client.get(done.location!)).body), action).toBe(
          `${target.username} is an admin: the console does not suspend, delete or remove the factors of an admin (yours included). Take the role away first, from the shell: npm run admin -- revoke-admin ${target.username}`,
        );
      }
      expect(await listAdminAudit(t.app.ctx.db, { targetId: target.id }, { limit: 5 })).toEqual([]);
    }
    expect((await client.get('/admin')).status).toBe(200);
  });
});
