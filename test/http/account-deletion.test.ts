/** Deleting one's own account from the security page. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/db/users.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { enrolAuthenticator } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 10, 25, 20, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

describe('deleting an account', () => {
  it('needs a recent password and the username typed; then everything goes, every session ends, and a mail confirms it', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const other = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    await signIn(other, user.username, user.password);
    await enrolAuthenticator(client, () => clock.now());

    clock.advance(minutes(11));
    expect((await client.get('/security/delete')).location).toBe('/reauthenticate?next=%2Fsecurity%2Fdelete');
    await client.submit('/reauthenticate', { password: user.password });

    const page = await client.get('/security/delete');
    expect(page.status).toBe(200);
    const wrong = await client.submit('/security/delete', { confirm_username: 'someone_else' });
    expect(wrong.status).toBe(422);
    expect(await findUserById(t.app.ctx.db, user.id)).toBeDefined();

    const done = await client.submit('/security/delete', { confirm_username: user.username.toUpperCase() });
    expect(done.location).toBe('/login');
    expect(flashIn((await client.follow(done)).body)).toContain('Your account has been deleted.');
    expect(await findUserById(t.app.ctx.db, user.id)).toBeUndefined();
    for (const table of ['sessions', 'totp_factors', 'recovery_codes', 'security_events', 'trusted_devices'] as const) {
      expect(await t.app.ctx.db.selectFrom(table).select('user_id').where('user_id', '=', user.id).execute(), table).toEqual([]);
    }
    expect((await other.get('/')).location).toMatch(/^\/login/);
    expect((await signIn(new TestClient(t.app), user.username, user.password)).status).toBe(401);
    const mail = await waitForDevMail(t.app, user.email, 'Your Gatehouse account was deleted');
    expect(mail.text_body).toContain(user.username);
  });

  it("drops the account's mail not yet sent (a reset link waiting out an SMTP outage); its own confirmation still goes", async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    await t.app.outbox.stop(); // nothing is delivered meanwhile, as in an outage
    try {
      const asker = new TestClient(t.app, '203.0.113.7');
      await asker.submit('/reset-password', { email: user.email });
      const queued = () => t.app.ctx.db.selectFrom('mail_outbox').select(['kind', 'user_id', 'sent_at']).where('to_address', '=', user.email).execute();
      expect(await queued()).toEqual([{ kind: 'password_reset', user_id: user.id, sent_at: null }]);

      await client.submit('/security/delete', { confirm_username: user.username });
      expect(await findUserById(t.app.ctx.db, user.id)).toBeUndefined();
      expect(await queued()).toEqual([{ kind: 'account_deleted', user_id: null, sent_at: null }]);
    } finally {
      t.app.outbox.start();
    }
    await waitForDevMail(t.app, user.email, 'Your Gatehouse account was deleted');
    const delivered = await t.app.ctx.db.selectFrom('dev_outbox').select('subject').where('recipient', '=', user.email).execute();
    expect(delivered.map((m) => m.subject)).toEqual(['Your Gatehouse account was deleted']);
  });

  it('a visitor cannot reach it', async () => {
    expect((await new TestClient(t.app).get('/security/delete')).location).toMatch(/^\/login/);
  });
});
