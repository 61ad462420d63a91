/** "New sign-in to your account": a mail when an account signs in from a browser it has not used before. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

const SUBJECT = 'New sign-in to your Gatehouse account';
const noticesTo = async (email: string) =>
  (await t.app.ctx.db.selectFrom('mail_outbox').select('id').where('to_address', '=', email).where('kind', '=', 'new_browser').execute()).length;

describe('new-browser sign-in notices', () => {
  it('the first browser is only recorded; a new one mails the owner once, with "This wasn\'t me"', async () => {
    const user = await createUser(t.app);
    const laptop = new TestClient(t.app);
    laptop.headers['user-agent'] = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
    await signIn(laptop, user.username, user.password);
    await signIn(laptop, user.username, user.password);
    expect(await noticesTo(user.email)).toBe(0);

    const phone = new TestClient(t.app, '203.0.113.50');
    phone.headers['user-agent'] = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
    await signIn(phone, user.username, user.password);
    const mail = await waitForDevMail(t.app, user.email, SUBJECT);
    expect(mail.text_body).toContain('Safari on iOS');
    expect(mail.text_body).toContain('203.0.113.50');
    expect(mail.text_body).toMatch(/\/wasnt-me\/[A-Za-z0-9_-]{43}/);

    await signIn(phone, user.username, user.password);
    await signIn(laptop, user.username, user.password);
    expect(await noticesTo(user.email)).toBe(1);
  });

  it("a wrong password from a new browser mails nothing", async () => {
    const user = await createUser(t.app);
    await signIn(new TestClient(t.app), user.username, user.password);
    await signIn(new TestClient(t.app), user.username, 'not the password at all');
    expect(await noticesTo(user.email)).toBe(0);
  });
});
