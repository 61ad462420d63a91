/**
 * Attacks on the operators' console at /admin (src/features/admin, decision record 020), each named after it:
 * - console discovery: a visitor, a signed-in person without the role, or a sign-in still waiting for its second
 *   factor probes the console's addresses (any method, with or without a CSRF token) to learn it exists or to
 *   reach it — every answer must be the plain 404 of an unknown address;
 * - an admin account taken with its password alone: without a second factor set up the console shows nothing
 *   but the offer to set one up; a sign-in where a remembered browser stood in for the second factor signs in
 *   again with it before anything is shown;
 * - a role taken away: the next request is a 404, with the same session;
 * - a console action from a stale sign-in: an admin's browser left signed in is used later to act on an account —
 *   every action needs the password and a second factor proved within the last 10 minutes (step-up);
 * - cross-site request forgery against a console action: no token, another session's token, or another site;
 * - an admin account taken over through self-service recovery: the recovered account loses the role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { insertRecovery } from '../../src/db/account-recoveries.js';
import { findUserById, setAdmin } from '../../src/db/users.js';
import { hours, ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, DEFAULT_TEST_PASSWORD, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient, type Page } from '../support/client.js';
import { consoleRoutes, signedInAdmin } from '../support/console.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Every console address to probe: the registered routes (`:id` filled in) and a few that do not exist. */
function probes(existingId: number): string[] {
  const paths = new Set(consoleRoutes(t).map((r) => r.path.replace(/:[a-zA-Z]+/g, String(existingId))));
  // Percent-encoded as the router decodes it: a 405 with Allow there would say the console exists.
  for (const extra of ['/admin/', '/admin/nothing-here', '/admin/people/999999', '/admin/audit/export?action=admin_granted', '/%61dmin', '/%61dmin/people']) paths.add(extra);
  return [...paths];
}

/** The 404 page an unknown address gets, for comparison (title and status; the CSRF token differs per page). */
function expectPlainNotFound(page: Page, unknown: Page, label: string): void {
  expect(page.status, label).toBe(404);
  if (page.body === '') return; // HEAD
  expect(page.body.match(/<title>[^<]*<\/title>/)?.[0], label).toBe(unknown.body.match(/<title>[^<]*<\/title>/)?.[0]);
  expect(page.body, label).not.toContain('console-nav');
  expect(page.headers.allow, label).toBeUndefined();
}

async function sweep(client: TestClient, who: string, existingId: number): Promise<void> {
  const unknown = await client.get('/no-such-page-anywhere');
  expect(unknown.status).toBe(404);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(unknown.body)?.[1] ?? '';
  for (const path of probes(existingId)) {
    for (const method of METHODS) {
      const withBody = method !== 'GET' && method !== 'HEAD';
      const plain = await client.request(method, path, withBody ? { form: { reason: 'probe' } } : {});
      expectPlainNotFound(plain, unknown, `${who}: ${method} ${path}`);
      if (withBody) {
        const withToken = await client.request(method, path, { form: { _csrf: csrf, reason: 'probe' } });
        expectPlainNotFound(withToken, unknown, `${who}: ${method} ${path} with a CSRF token`);
      }
    }
  }
}

describe('console discovery', () => {
  it('a visitor gets the plain 404 of an unknown address for every console address and method', async () => {
    const someone = await createUser(t.app);
    await sweep(new TestClient(t.app), 'visitor', someone.id);
  });

  it('a signed-in person without the role gets the same 404s', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    expect((await client.get('/')).body).not.toContain('href="/admin"'); // no link in the navigation either
    await sweep(client, 'member', user.id);
  });

  it('an admin whose sign-in waits for its second factor gets the same 404s', async () => {
    const phone = '+14155550142';
    const user = await createUser(t.app, { phone });
    await setAdmin(t.app.ctx.db, user.id, true);
    const client = new TestClient(t.app);
    expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor');
    await sweep(client, 'pending admin', user.id);
  });
});

describe('an admin account taken with its password alone', () => {
  it('without a second factor, every console page and action is only the offer to set one up', async () => {
    const user = await createUser(t.app);
    await setAdmin(t.app.ctx.db, user.id, true);
    const client = new TestClient(t.app);
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    const csrf = csrfTokenIn((await client.get('/')).body);
    for (const { method, path } of consoleRoutes(t).filter((r) => r.method !== 'HEAD')) {
      const url = path.replace(/:[a-zA-Z]+/g, String(user.id));
      const page = await client.request(method, url, method === 'GET' ? {} : { form: { _csrf: csrf } });
      expect(page.status, `${method} ${url}`).toBe(403);
      expect(page.body, url).toContain('The console needs a second factor');
      expect(page.body, url).toContain('href="/security"');
      expect(page.body, url).not.toContain('console-nav');
      expect(page.body, url).not.toContain(user.email);
    }
    expect(await listAdminAudit(t.app.ctx.db, { actorId: user.id }, { limit: 5 })).toEqual([]);
  });

  it('a sign-in where a remembered browser stood in for the second factor signs in again with it', async () => {
    const { user, client } = await signedInAdmin(t);
    expect((await client.get('/admin')).status).toBe(200);
    // As a remembered browser's sign-in is recorded: the password, the second step skipped.
    await t.app.ctx.db.updateTable('sessions').set({ second_step_skipped: 1, sign_in_methods: 'password' }).where('user_id', '=', user.id).execute();
    const page = await client.get('/admin/people?q=a');
    expect(page.status).toBe(302);
    expect(page.location).toBe(`/login?fresh=1&require=two-factor&next=${encodeURIComponent('/admin/people?q=a')}`);
  });
});

describe('a role taken away', () => {
  it('the very next request of the same session is a 404', async () => {
    const { user, client } = await signedInAdmin(t);
    expect((await client.get('/admin/audit')).status).toBe(200);
    await setAdmin(t.app.ctx.db, user.id, false);
    const unknown = await client.get('/no-such-page-anywhere');
    expectPlainNotFound(await client.get('/admin/audit'), unknown, 'after revoke-admin');
  });
});

describe('a console action from a stale sign-in (step-up)', () => {
  // Attack: an admin's browser left signed in (an unlocked laptop, a session cookie copied an hour ago) is used to
  // act on someone's account. Every action needs the password and a second factor proved in the last 10 minutes.
  let clocked: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 9, 0, 0));
  beforeAll(async () => {
    clocked = await startTestApp({}, { clock });
  });
  afterAll(() => clocked?.close());

  it('is sent through a fresh two-step sign-in and back, and nothing is done or recorded until then', async () => {
    const { client, phone } = await signedInAdmin(clocked);
    const person = await createUser(clocked.app);
    const action = `/admin/people/${person.id}/unlock`;
    clock.advance(minutes(11));
    const page = await client.get(`/admin/people/${person.id}`);
    expect(page.body).toContain('Each action first asks you to sign in again');
    const refused = await client.post(action, { _csrf: csrfTokenIn(page.body) });
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(`/login?fresh=1&require=two-factor&next=${encodeURIComponent(`/admin/people/${person.id}`)}`);
    expect(await listAdminAudit(clocked.app.ctx.db, { targetId: person.id }, { limit: 5 })).toEqual([]);

    // The fresh sign-in: the password, then the second step (a remembered browser could not skip it), then back.
    const form = await client.get(refused.location!);
    expect(form.status).toBe(200);
    const loginForm = /<form method="post" action="\/login"[\s\S]*?<\/form>/.exec(form.body)![0];
    const fields = Object.fromEntries([...loginForm.matchAll(/<input type="hidden" name="(next|require)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replaceAll('&amp;', '&')]));
    expect(fields).toEqual({ next: `/admin/people/${person.id}`, require: 'two-factor' });
    const admin = (await clocked.app.ctx.db.selectFrom('users').select(['username']).where('phone', '=', phone).executeTakeFirstOrThrow()).username;
    const password = await client.post('/login', { _csrf: csrfTokenIn(form.body), login: admin, password: DEFAULT_TEST_PASSWORD, ...fields });
    expect(password.location).toBe('/login/two-factor');
    const done = await client.submit('/login/two-factor', { code: await latestDevCode(clocked.app, phone) });
    expect(done.location).toBe(`/admin/people/${person.id}`);
    const again = await client.get(done.location!);
    expect(again.body).not.toContain('Each action first asks you to sign in again');
    const unlocked = await client.post(action, { _csrf: csrfTokenIn(again.body) });
    expect(unlocked.status).toBe(303);
    expect(unlocked.location).toBe(`/admin/people/${person.id}`);
    expect((await listAdminAudit(clocked.app.ctx.db, { targetId: person.id }, { limit: 5 })).map((e) => e.action)).toEqual(['lockout_cleared']);
  });
});

describe('cross-site request forgery against a console action', () => {
  // Attack: a page on another site makes an admin's browser post "suspend" or "remove the factors" to the console,
  // with the admin's cookies but without the page's CSRF token (or with a token of another session).
  it('is refused with 403, and nothing is done or recorded', async () => {
    const { client } = await signedInAdmin(t);
    const person = await createUser(t.app, { phone: '+14155550133' });
    const other = await signedInAdmin(t);
    const othersToken = csrfTokenIn((await other.client.get('/admin')).body);
    for (const action of ['suspend', 'reset-factors', 'sign-out', 'groups/add']) {
      const none = await client.post(`/admin/people/${person.id}/${action}`, { group: 'ops' });
      expect(none.status, `${action} without a token`).toBe(403);
      const foreign = await client.post(`/admin/people/${person.id}/${action}`, { _csrf: othersToken, group: 'ops' });
      expect(foreign.status, `${action} with another session's token`).toBe(403);
      const crossSite = await client.request('POST', `/admin/people/${person.id}/${action}`, {
        form: { _csrf: csrfTokenIn((await client.get(`/admin/people/${person.id}`)).body), group: 'ops' },
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      expect(crossSite.status, `${action} from another site`).toBe(403);
    }
    expect(await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 5 })).toEqual([]);
    const page = await client.get(`/admin/people/${person.id}`);
    expect(page.body).toContain('Text-message codes to the number ending 0133');
    expect(page.body).not.toContain('Suspended since');
  });
});

describe('an admin account taken over through self-service recovery', () => {
  // Attack: someone with the admin's password and mailbox asks for a recovery and waits it out, unnoticed; the
  // factors go, they set up their own, and would reach the console. A recovered admin account loses the role.
  it('the recovery completes, and the role is gone: the console is a 404, and the audit log says why', async () => {
    const phone = '+14155550144';
    const user = await createUser(t.app, { phone });
    await setAdmin(t.app.ctx.db, user.id, true);
    const now = t.app.ctx.clock.now();
    await insertRecovery(t.app.ctx.db, { userId: user.id, startedAt: now - hours(49), completesAt: now - hours(1), cancelTokenHash: 'a'.repeat(64) });
    const client = new TestClient(t.app);
    // The password alone signs in now: the recovery completes at this sign-in.
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    expect((await findUserById(t.app.ctx.db, user.id))!.is_admin).toBe(0);
    const unknown = await client.get('/no-such-page-anywhere');
    expectPlainNotFound(await client.get('/admin'), unknown, 'after a self-service recovery');
    const [entry] = await listAdminAudit(t.app.ctx.db, { targetId: user.id }, { limit: 1 });
    expect([entry!.action, entry!.actor, JSON.parse(entry!.detail!)]).toEqual(['admin_revoked', 'account recovery', { reason: 'self-service account recovery completed' }]);
  });
});
