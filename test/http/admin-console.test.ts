/**
 * The operators' console at /admin (src/features/admin), as an admin signed in with both steps uses it: the
 * overview, the people search (prefixes of usernames and addresses, keyset pages), a person's page (factors,
 * lockout, sessions, groups, activity, what admins did), and the audit log with its filters and JSON lines
 * export. Who may not see it is test/security/admin-console.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import type { AdminContext } from '../../src/admin/commands.js';
import { grantAdmin } from '../../src/admin/role-commands.js';
import { listAdminAudit, recordAdminAction } from '../../src/db/admin-audit.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { addUserToGroup, groupsOf } from '../../src/db/user-groups.js';
import { findUserById, nameKeysOf } from '../../src/db/users.js';
import { PEOPLE_PAGE_SIZE } from '../../src/features/admin/people.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';
import { insertTestUser } from '../support/databases.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

/** The usernames in the people table of a page, in order. */
const usernamesIn = (body: string) => [...body.matchAll(/<th scope="row"><a href="\/admin\/people\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]!);
const nextLink = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replaceAll('&amp;', '&') ?? null;

describe('the console, for an admin signed in with both steps', () => {
  it('the overview counts people, admins and apps; the site navigation links to it', async () => {
    const { client } = await signedInAdmin(t);
    const home = await client.get('/');
    expect(home.body).toContain('<a href="/admin">Console</a>');
    const page = await client.get('/admin');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toMatch(/<a href="\/admin" aria-current="page">Overview<\/a>/);
    expect(page.body).toMatch(/\d+ accounts?/);
    expect(page.body).toMatch(/\d+ admins?/);
  });

  it('finds people by the start of a username or address, a page at a time, each once, in order', async () => {
    const { client } = await signedInAdmin(t);
    const total = PEOPLE_PAGE_SIZE + 7;
    const made: string[] = [];
    for (let i = 0; i < total; i++) made.push((await insertTestUser(t.app.ctx.db, { username: `pager${String(i).padStart(3, '0')}`, email: `p${i}@pager.example` })).username);
    const first = await client.get('/admin/people?q=Pager');
    expect(first.status).toBe(200);
    const page1 = usernamesIn(first.body);
    expect(page1).toEqual(made.slice(0, PEOPLE_PAGE_SIZE));
    const second = await client.get(nextLink(first.body)!);
    expect(usernamesIn(second.body)).toEqual(made.slice(PEOPLE_PAGE_SIZE));
    expect(nextLink(second.body)).toBeNull();

    // By address: the "@" says so.
    const byEmail = await client.get(`/admin/people?q=${encodeURIComponent('p1@pager')}`);
    expect(usernamesIn(byEmail.body)).toEqual(['pager001']);
    // A prefix is taken literally: no wildcards.
    expect(usernamesIn((await client.get('/admin/people?q=pager_')).body)).toEqual([]);
    const none = await client.get('/admin/people?q=%25');
    expect(none.status).toBe(200);
    expect(none.body).toContain('No username, name or email address starts with “%”.');
    // No query: the newest accounts first.
    expect(usernamesIn((await client.get('/admin/people')).body)[0]).toBe(made[made.length - 1]);
    // A forged cursor starts over rather than failing.
    expect((await client.get('/admin/people?q=pager&after=zzz')).status).toBe(200);
  });

  it('finds people by the start of their first name, their last name or both; each once; pages merge the lists in order', async () => {
    const { client } = await signedInAdmin(t);
    await createUser(t.app, { username: 'ghopper', firstName: 'Grace', lastName: 'Hopper' });
    await createUser(t.app, { username: 'gracey', firstName: 'Grace', lastName: 'Brewster Murray' });
    const byFirst = usernamesIn((await client.get('/admin/people?q=grace')).body);
    expect(byFirst).toEqual(expect.arrayContaining(['ghopper', 'gracey']));
    expect(byFirst.filter((u) => u === 'gracey')).toHaveLength(1); // its username and its name both match: listed once
    expect(usernamesIn((await client.get(`/admin/people?q=${encodeURIComponent('Grace  Hop')}`)).body)).toEqual(['ghopper']);
    expect(usernamesIn((await client.get('/admin/people?q=hopper')).body)).toEqual(['ghopper']);
    expect(usernamesIn((await client.get(`/admin/people?q=${encodeURIComponent('brewster m')}`)).body)).toEqual(['gracey']);

    // Sixty people named Zed Quincy-<n>, usernames zq<n>: "zed" and "quincy" page through all of them, in order.
    for (let i = 0; i < 60; i++) await insertTestUser(t.app.ctx.db, { username: `zq${String(i).padStart(2, '0')}` });
    const names = await t.app.ctx.db.selectFrom('users').select(['id', 'username']).where('username', 'like', 'zq%').execute();
    for (const n of names) {
      const keys = nameKeysOf('Zed', `Quincy-${n.username}`);
      await t.app.ctx.db.updateTable('users').set({ first_name: 'Zed', last_name: `Quincy-${n.username}`, ...keys }).where('id', '=', n.id).execute();
    }
    // Sixty whose username is also their surname: each is in two lists, yet every page is full and no one repeats.
    for (let i = 0; i < 60; i++) await createUser(t.app, { username: `dup${String(i).padStart(2, '0')}`, firstName: 'Ann', lastName: `Dup${String(i).padStart(2, '0')}` });
    const firstPage = await client.get('/admin/people?q=dup');
    expect(usernamesIn(firstPage.body)).toHaveLength(50);
    const secondPage = usernamesIn((await client.get(nextLink(firstPage.body)!)).body);
    expect([...usernamesIn(firstPage.body), ...secondPage]).toEqual(Array.from({ length: 60 }, (_, i) => `dup${String(i).padStart(2, '0')}`));

    for (const q of ['zed', 'quincy']) {
      const listed: string[] = [];
      let next: string | null = `/admin/people?q=${q}`;
      while (next) {
        const page = await client.get(next);
        listed.push(...usernamesIn(page.body));
        next = nextLink(page.body);
      }
      expect(listed, q).toEqual(names.map((n) => n.username).sort());
    }
  });

  it("a person's page: profile, factors, lockout, sessions, groups, recent activity and what admins did", async () => {
    const { user: admin, client } = await signedInAdmin(t);
    const person = await createUser(t.app, { phone: '+14155550177', firstName: 'Grace', lastName: 'Hopper' });
    await addUserToGroup(t.app.ctx.db, person.id, 'engineering');
    // Three wrong passwords, then a sign-in elsewhere.
    const other = new TestClient(t.app, '198.51.100.7');
    for (let i = 0; i < 3; i++) await signIn(other, person.username, 'not the password at all');
    await recordAdminAction(t.app.ctx.db, { action: 'group_added', now: t.app.ctx.clock.now(), actor: { id: admin.id, name: admin.username }, target: { id: person.id, username: person.username }, detail: { group: 'engineering' } });

    const page = await client.get(`/admin/people/${person.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Grace Hopper');
    expect(page.body).toContain(person.email);
    expect(page.body).toContain('Text-message codes to the number ending 0177');
    expect(page.body).toContain('3 wrong passwords in a row');
    expect(page.body).toMatch(/<li>engineering <form method="post" action="\/admin\/people\/\d+\/groups\/remove"/);
    expect(page.body).toContain('Wrong password at sign-in');
    expect(page.body).toContain('198.51.100.7');
    expect(page.body).toContain('Added to a group');
    expect(page.body).toContain('group: engineering');
    // Never a secret: no password hash, no phone number in full.
    expect(page.body).not.toContain(person.password_hash);
    expect(page.body).not.toContain('+14155550177');

    expect((await client.get('/admin/people/987654321')).status).toBe(404);
    expect((await client.get('/admin/people/not-a-number')).status).toBe(400);
  });

  it('the audit log: newest first, filtered by action, person or admin; a name that matches nobody is said', async () => {
    const { user: admin, client } = await signedInAdmin(t);
    const person = await insertTestUser(t.app.ctx.db, { username: 'audited' });
    const lines: string[] = [];
    const cli: AdminContext = { db: t.app.ctx.db, config: t.config, clock: t.app.ctx.clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (l) => lines.push(l) } };
    expect(await grantAdmin(cli, 'audited')).toEqual({ ok: true });
    await recordAdminAction(t.app.ctx.db, { action: 'lockout_cleared', now: t.app.ctx.clock.now(), actor: { id: admin.id, name: admin.username }, target: { id: person.id, username: person.username }, ip: '203.0.113.9' });

    const all = await client.get('/admin/audit');
    expect(all.status).toBe(200);
    const rows = all.body.slice(all.body.indexOf('<tbody>'));
    expect(rows.indexOf('Cleared a sign-in lockout')).toBeGreaterThan(0);
    expect(rows.indexOf('Cleared a sign-in lockout')).toBeLessThan(rows.indexOf('Made an admin'));
    expect(all.body).toContain('203.0.113.9');
    expect(all.body).toMatch(/cli \(.+\)/);

    const granted = await client.get('/admin/audit?action=admin_granted&person=audited');
    const tableOf = (body: string) => body.slice(body.indexOf('<tbody>'));
    expect(tableOf(granted.body)).toContain('Made an admin');
    expect(tableOf(granted.body)).not.toContain('Cleared a sign-in lockout');
    const byAdmin = await client.get(`/admin/audit?actor=${admin.username}`);
    expect(tableOf(byAdmin.body)).toContain('Cleared a sign-in lockout');
    expect(tableOf(byAdmin.body)).not.toContain('Made an admin');
    const nobody = await client.get('/admin/audit?person=no-such-person');
    expect(nobody.status).toBe(200);
    expect(nobody.body).toContain('No account is called “no-such-person”.');
    expect((await client.get('/admin/audit?action=drop_tables')).status).toBe(400);
  });

  it('the export: JSON lines of the filtered log, as a download, never cached', async () => {
    const { user: admin, client } = await signedInAdmin(t);
    const person = await insertTestUser(t.app.ctx.db, { username: 'exported' });
    for (let i = 0; i < 3; i++) {
      await recordAdminAction(t.app.ctx.db, { action: 'sessions_ended', now: t.app.ctx.clock.now() + i, actor: { id: admin.id, name: admin.username }, target: { id: person.id, username: person.username }, detail: { count: i } });
    }
    const res = await client.get('/admin/audit/export?person=exported');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/jsonl; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="gatehouse-audit-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const entries = res.body.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => [e.action, e.target, e.actor, (e.detail as { count: number }).count])).toEqual([
      ['sessions_ended', 'exported', admin.username, 2],
      ['sessions_ended', 'exported', admin.username, 1],
      ['sessions_ended', 'exported', admin.username, 0],
    ]);
    expect(entries[0]!.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('clears a sign-in lockout: the counts and the pause are gone, the person can sign in, and both logs say so', async () => {
    const { user: admin, client } = await signedInAdmin(t);
    const person = await createUser(t.app);
    const elsewhere = new TestClient(t.app, '198.51.100.20');
    // Paused: six wrong passwords typed as the username (the page's answer follows the typed login).
    for (let i = 0; i < 6; i++) await signIn(elsewhere, person.username, 'wrong password, again and again');
    expect((await signIn(elsewhere, person.username, person.password)).status).toBe(429);
    const before = await client.get(`/admin/people/${person.id}`);
    expect(before.body).toMatch(/Locked out for another|6 wrong passwords in a row/);

    const done = await client.post(`/admin/people/${person.id}/unlock`, { _csrf: csrfTokenIn(before.body) });
    expect(done.status).toBe(303);
    const after = await client.get(done.location!);
    expect(after.body).toContain(`The sign-in lockout of ${person.username} is cleared.`);
    expect(after.body).toContain('Not locked out.');
    expect(after.body).not.toContain('wrong passwords in a row');
    expect((await signIn(elsewhere, person.username, person.password)).location).toBe('/');

    const [entry] = await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 1 });
    expect([entry!.action, entry!.actor_user_id, entry!.ip, entry!.request_id]).toEqual(['lockout_cleared', admin.id, '127.0.0.1', expect.any(String)]);
    const security = await elsewhere.get('/security');
    expect(security.body).toContain('Sign-in lockout cleared by an administrator');
  });

  /** POSTs a person's action as the person's page offers it (its CSRF token), and returns the page it leads to. */
  async function act(client: TestClient, personId: number, action: string, fields: Record<string, string> = {}) {
    const page = await client.get(`/admin/people/${personId}`);
    const done = await client.post(`/admin/people/${personId}/${action}`, { _csrf: csrfTokenIn(page.body), ...fields });
    expect(done.status, action).toBe(303);
    expect(done.location).toBe(`/admin/people/${personId}`);
    return client.get(done.location!);
  }

  /** The subjects of the mail that reached `address`, once `subject` has (the outbox worker sends it in the background). */
  async function subjectsTo(address: string, subject: string) {
    await waitForDevMail(t.app, address, subject);
    return (await listDevMessages(t.app.ctx.db)).filter((m) => m.kind === 'email' && m.recipient === address).map((m) => m.subject);
  }

  it('signs a person out everywhere: their browser is signed out at its next request, and both logs say so', async () => {
    const { client } = await signedInAdmin(t);
    const person = await createUser(t.app);
    const theirs = new TestClient(t.app);
    expect((await signIn(theirs, person.username, person.password)).location).toBe('/');
    const after = await act(client, person.id, 'sign-out');
    expect(after.body).toContain(`${person.username} is signed out everywhere (1 session ended).`);
    expect((await theirs.get('/security')).location).toMatch(/^\/login/);
    const [entry] = await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 1 });
    expect([entry!.action, JSON.parse(entry!.detail!)]).toEqual(['sessions_ended', { sessions: 1 }]);
    expect((await signIn(theirs, person.username, person.password)).location).toBe('/');
    expect((await theirs.get('/security')).body).toContain('Signed out everywhere by an administrator');
  });

  it('removes the second factors: gone, signed out, mailed; a second time there is nothing to remove and nothing is recorded', async () => {
    const { client } = await signedInAdmin(t);
    const person = await createUser(t.app, { phone: '+14155550188' });
    const after = await act(client, person.id, 'reset-factors');
    expect(after.body).toContain(`The second factors of ${person.username} are removed`);
    expect(after.body).toContain('No second factor: a password alone signs this account in.');
    expect(await subjectsTo(person.email, 'Your two-factor sign-in was reset')).toContain('Your two-factor sign-in was reset');
    const again = await act(client, person.id, 'reset-factors');
    expect(again.body).toContain('nothing was removed');
    expect((await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 5 })).map((e) => e.action)).toEqual(['factors_reset']);
    // The person signs in with the password alone now, and reads what happened.
    const theirs = new TestClient(t.app);
    expect((await signIn(theirs, person.username, person.password)).location).toBe('/');
    expect((await theirs.get('/security')).body).toContain('Second factors removed by an administrator');
  });

  it('sends the email confirmation again, only to an address not yet confirmed', async () => {
    const { client } = await signedInAdmin(t);
    const person = await createUser(t.app, { emailConfirmed: false });
    const after = await act(client, person.id, 'resend-confirmation');
    expect(after.body).toContain(`A new confirmation link is on its way to ${person.username}.`);
    expect(await subjectsTo(person.email, 'Confirm your email address for Gatehouse')).toContain('Confirm your email address for Gatehouse');
    const confirmed = await createUser(t.app);
    expect((await act(client, confirmed.id, 'resend-confirmation')).body).toContain('has already confirmed their address');
    expect(await listAdminAudit(t.app.ctx.db, { targetId: confirmed.id }, { limit: 5 })).toEqual([]);
  });

  it('adds and removes groups; a name that is not a group name is refused and nothing is stored', async () => {
    const { client } = await signedInAdmin(t);
    const person = await createUser(t.app);
    expect((await act(client, person.id, 'groups/add', { group: 'ops' })).body).toContain(`${person.username} is now in ops.`);
    expect(await groupsOf(t.app.ctx.db, person.id)).toEqual(['ops']);
    const refused = await act(client, person.id, 'groups/add', { group: 'Ops, Admins' });
    expect(refused.body).toContain('is not a group name');
    expect(await groupsOf(t.app.ctx.db, person.id)).toEqual(['ops']);
    expect((await act(client, person.id, 'groups/remove', { group: 'ops' })).body).toContain(`${person.username} is no longer in ops.`);
    expect(await groupsOf(t.app.ctx.db, person.id)).toEqual([]);
    expect((await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 5 })).map((e) => [e.action, e.detail])).toEqual([
      ['group_removed', '{"group":"ops"}'],
      ['group_added', '{"group":"ops"}'],
    ]);
  });

  it('sends a password-reset link to the person\'s own address, never showing it to the admin', async () => {
    const { client } = await signedInAdmin(t);
    const person = await createUser(t.app);
    const after = await act(client, person.id, 'send-reset-link');
    expect(after.body).toContain(`A password-reset link is on its way to ${person.username}.`);
    const mail = await waitForDevMail(t.app, person.email, 'Reset your Gatehouse password');
    const link = /\/reset-password\/[A-Za-z0-9_-]{20,}/.exec(mail.text_body)![0];
    expect(after.body).not.toContain(link);
    expect(JSON.stringify(await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 5 }))).not.toContain(link.split('/').pop());
    // The link works as any reset link does.
    expect((await new TestClient(t.app).get(link)).location).toBe('/reset-password/new');
  });

  it('deletes an account once its username is typed: gone, its apps told, the owner mailed, the audit entry kept', async () => {
    const { user: admin, client } = await signedInAdmin(t);
    const person = await createUser(t.app);
    const theirs = new TestClient(t.app);
    await signIn(theirs, person.username, person.password);
    const page = await client.get(`/admin/people/${person.id}`);
    const mismatch = await client.post(`/admin/people/${person.id}/delete`, { _csrf: csrfTokenIn(page.body), confirm_username: 'someone-else' });
    expect(flashIn((await client.get(mismatch.location!)).body)).toBe(`The username typed does not match: ${person.username} was not deleted.`);
    expect(await findUserById(t.app.ctx.db, person.id)).toBeDefined();

    const done = await client.post(`/admin/people/${person.id}/delete`, { _csrf: csrfTokenIn(page.body), confirm_username: person.username.toUpperCase() });
    expect(done.location).toBe('/admin/people');
    expect(flashIn((await client.get(done.location!)).body)).toBe(`${person.username} is deleted.`);
    expect(await findUserById(t.app.ctx.db, person.id)).toBeUndefined();
    expect((await theirs.get('/security')).location).toMatch(/^\/login/);
    expect(await subjectsTo(person.email, 'Your Gatehouse account was deleted')).toContain('Your Gatehouse account was deleted');
    const [entry] = await listAdminAudit(t.app.ctx.db, { targetId: person.id }, { limit: 1 });
    expect([entry!.action, entry!.target, entry!.actor_user_id]).toEqual(['account_deleted', person.username, admin.id]);
    expect((await client.get(`/admin/people/${person.id}`)).status).toBe(404);
  });

  it('speaks Spanish to an admin who reads it', async () => {
    const { client } = await signedInAdmin(t);
    client.headers['accept-language'] = 'es';
    const page = await client.get('/admin/people');
    expect(page.headers['content-language']).toBe('es');
    expect(page.body).toContain('Buscar a una persona');
    expect(page.body).toContain('Registro de auditoría');
  });
});
