import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/db/users.js';
import { ManualClock, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { signedIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(async () => t.close());

describe('profile page', () => {
  it('shows avatar, full name, about me, last seen and member since', async () => {
    const user = await createUser(t.app, { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com ' });
    clock.advance(minutes(3));
    const other = await createUser(t.app);
    const viewer = new TestClient(t.app);
    await signIn(viewer, other.username, other.password);
    const page = await viewer.get(`/user/${user.username}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Ada Lovelace');
    const md5 = createHash('md5').update('ada@example.com').digest('hex');
    expect(page.body).toContain(`https://www.gravatar.com/avatar/${md5}?d=identicon&amp;s=128`);
    expect(page.body).toContain('data-fallback="/static/img/avatar.svg"');
    expect(page.body).toMatch(/<dt>Last seen<\/dt><dd><time datetime="[^"]+" title="2026-11-25 09:00 UTC" data-relative>3 minutes ago<\/time>/);
    // Someone else's profile has no edit link or 2FA controls.
    expect(page.body).not.toContain('href="/profile/edit"');
    expect(page.body).not.toContain('Two-factor authentication');
  });

  it('one\'s own page has "Edit profile" and the link to the security page', async () => {
    const { user, client } = await signedIn(t.app);
    const page = await client.get(`/user/${user.username.toUpperCase()}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="/profile/edit"');
    expect(page.body).toContain('href="/security"');
  });

  it('an unknown user is the 404 page', async () => {
    const { client } = await signedIn(t.app);
    const page = await client.get('/user/no_such_person');
    expect(page.status).toBe(404);
    expect(page.body).toContain('Page not found');
  });

  it('is for signed-in users only', async () => {
    const user = await createUser(t.app);
    const page = await new TestClient(t.app).get(`/user/${user.username}`);
    expect(page.status).toBe(302);
    expect(page.location).toBe(`/login?next=${encodeURIComponent(`/user/${user.username}`)}`);
  });
});

describe('last seen', () => {
  it('is written at most once a minute, not on every request', async () => {
    const { user, client } = await signedIn(t.app);
    const start = (await findUserById(t.app.ctx.db, user.id))!.last_seen_at;
    clock.advance(seconds(61));
    await client.get('/');
    const afterFirst = (await findUserById(t.app.ctx.db, user.id))!.last_seen_at;
    expect(afterFirst).toBe(start + seconds(61));
    clock.advance(seconds(30));
    await client.get('/');
    await client.get('/');
    expect((await findUserById(t.app.ctx.db, user.id))!.last_seen_at).toBe(afterFirst);
    clock.advance(seconds(31));
    await client.get('/');
    expect((await findUserById(t.app.ctx.db, user.id))!.last_seen_at).toBe(afterFirst + seconds(61));
  });
});

describe('edit profile', () => {
  it('saves username and about me, and shows them', async () => {
    const { user, client } = await signedIn(t.app);
    const form = await client.get('/profile/edit');
    expect(form.body).toContain(`value="${user.username}"`);
    const res = await client.submit('/profile/edit', { username: 'renamed_' + user.id, about_me: 'Line one\r\nLine <two>' });
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/user/renamed_${user.id}`);
    const page = await client.follow(res);
    expect(flashIn(page.body)).toBe('Your profile has been saved.');
    expect(page.body).toContain('Line one\nLine &lt;two&gt;');
  });

  it('counts about me as the user sees it: 140 emoji with skin tones fit, 141 do not', async () => {
    const { client } = await signedIn(t.app);
    const ok = await client.submit('/profile/edit', { username: `emoji${Date.now()}`, about_me: '👍🏽'.repeat(140) });
    expect(ok.status).toBe(302);
    const tooLong = await client.submit('/profile/edit', { username: `emoji${Date.now()}`, about_me: '👍🏽'.repeat(141) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toContain('Use at most 140 characters.');
  });

  it('refuses a username someone else has, in any case, and keeps what was typed', async () => {
    await createUser(t.app, { username: 'TakenName' });
    const { client } = await signedIn(t.app);
    const res = await client.submit('/profile/edit', { username: 'takenname', about_me: 'hello there' });
    expect(res.status).toBe(422);
    expect(res.body).toContain('That username is taken');
    expect(res.body).toContain('hello there');
  });

  it('lets users keep their own username, changing only its case', async () => {
    const { user, client } = await signedIn(t.app, { username: 'CaseChange' });
    const res = await client.submit('/profile/edit', { username: 'casechange', about_me: '' });
    expect(res.status).toBe(302);
    expect((await findUserById(t.app.ctx.db, user.id))?.username).toBe('casechange');
  });
});
