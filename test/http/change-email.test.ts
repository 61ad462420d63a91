/** Changing the email address: a link to the new address, a notice to the old one, nothing changes before the link. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/db/users.js';
import { ManualClock, hours, minutes } from '../../src/lib/duration.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { signedIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 22, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

const linkIn = (text: string) => /https?:\/\/[^/\s]+(\/confirm-email-change\/[A-Za-z0-9_-]+)/.exec(text)?.[1];

describe('changing the email address', () => {
  it('mails a link to the new address and a notice to the old; the address changes only when the link is used', async () => {
    const { user, client } = await signedIn(t.app);
    const newEmail = `new-${user.username}@example.org`;
    const sent = await client.submit('/security/email', { email: newEmail });
    expect(flashIn((await client.follow(sent)).body)).toContain('We sent a link to');
    expect((await findUserById(t.app.ctx.db, user.id))?.email).toBe(user.email);

    const notice = await waitForDevMail(t.app, user.email, 'A change of your Gatehouse email address was asked for');
    expect(notice.text_body).toContain('/wasnt-me/');
    expect(notice.text_body).not.toContain(newEmail); // masked
    const link = linkIn((await waitForDevMail(t.app, newEmail, 'Confirm your new Gatehouse email address')).text_body)!;

    const page = await client.get(link);
    expect(page.body).toContain(newEmail);
    const done = await client.submit(link, {});
    expect(flashIn((await client.follow(done)).body)).toBe('Your email address has been changed.');
    const stored = await findUserById(t.app.ctx.db, user.id);
    expect(stored?.email).toBe(newEmail);
    expect(stored?.email_confirmed_at).toBe(clock.now());
    expect((await client.get(link)).status).toBe(410);
    expect((await signIn(new TestClient(t.app), newEmail, user.password)).location).toBe('/');
  });

  it('needs a recent password, and refuses an invalid or unchanged address', async () => {
    const { user, client } = await signedIn(t.app);
    expect((await client.submit('/security/email', { email: 'not an address' })).status).toBe(422);
    expect((await client.submit('/security/email', { email: user.email.toUpperCase() })).status).toBe(422);
    clock.advance(minutes(11));
    expect((await client.get('/security/email')).location).toBe('/reauthenticate?next=%2Fsecurity%2Femail');
  });

  it("an address another account has gets the same answer and no link; an expired or replaced link does nothing", async () => {
    const { user, client } = await signedIn(t.app);
    const other = await createUser(t.app);
    const answer = await client.submit('/security/email', { email: other.email });
    expect(flashIn((await client.follow(answer)).body)).toContain('We sent a link to');
    const toOther = await t.app.ctx.db.selectFrom('dev_outbox').select('subject').where('recipient', '=', other.email).execute();
    expect(toOther.map((m) => m.subject)).not.toContain('Confirm your new Gatehouse email address');

    const first = `first-${user.username}@example.org`;
    const second = `second-${user.username}@example.org`;
    await client.submit('/security/email', { email: first });
    const firstLink = linkIn((await waitForDevMail(t.app, first, 'Confirm your new Gatehouse email address')).text_body)!;
    await client.submit('/security/email', { email: second });
    expect((await client.get(firstLink)).status).toBe(410); // replaced
    const secondLink = linkIn((await waitForDevMail(t.app, second, 'Confirm your new Gatehouse email address')).text_body)!;
    clock.advance(hours(25));
    expect((await client.get(secondLink)).status).toBe(410); // expired
    expect((await findUserById(t.app.ctx.db, user.id))?.email).toBe(user.email);
  });
});
