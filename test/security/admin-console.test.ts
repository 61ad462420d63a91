/**
 * Attacks on the operators' console at /admin (src/features/admin, decision record 020), each named after it:
 * - console discovery: a visitor, a signed-in person without the role, or a sign-in still waiting for its second
 *   factor probes the console's addresses (any method, with or without a CSRF token) to learn it exists or to
 *   reach it — every answer must be the plain 404 of an unknown address;
 * - an admin account taken with its password alone: without a second factor set up the console shows nothing
 *   but the offer to set one up; a sign-in where a remembered browser stood in for the second factor signs in
 *   again with it before anything is shown;
 * - a role taken away: the next request is a 404, with the same session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAdmin } from '../../src/db/users.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient, type Page } from '../support/client.js';
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
  for (const extra of ['/admin/', '/admin/nothing-here', '/admin/people/999999', '/admin/audit/export?action=admin_granted']) paths.add(extra);
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
  it('without a second factor, every console page is only the offer to set one up', async () => {
    const user = await createUser(t.app);
    await setAdmin(t.app.ctx.db, user.id, true);
    const client = new TestClient(t.app);
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    for (const path of probes(user.id)) {
      const page = await client.get(path);
      if (path.includes('nothing-here') || path.includes('999999')) continue; // unknown to admins too
      expect(page.status, path).toBe(403);
      expect(page.body, path).toContain('The console needs a second factor');
      expect(page.body, path).toContain('href="/security"');
      expect(page.body, path).not.toContain('console-nav');
      expect(page.body, path).not.toContain(user.email);
    }
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
