/** /dev/outbox: what the development adapters "sent", newest first, with HTML mail viewable in a sandbox. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDevMessage } from '../../src/db/dev-outbox.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

describe('dev outbox', () => {
  it('lists codes and mail, newest first, with recipient, time and full text', async () => {
    const phone = '+14155550133';
    const user = await createUser(t.app, { phone });
    await signIn(new TestClient(t.app), user.username, user.password); // sends an SMS code
    await new TestClient(t.app).submit('/reset-password', { email: user.email }); // queues a mail
    const client = new TestClient(t.app);
    let page = await client.get('/dev/outbox');
    for (let i = 0; i < 100 && !page.body.includes('data-kind="email"'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      page = await client.get('/dev/outbox');
    }
    expect(page.status).toBe(200);
    const kinds = [...page.body.matchAll(/data-kind="(\w+)" data-recipient="([^"]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(kinds).toEqual([`email:${user.email}`, `sms:${phone}`]);
    expect(page.body).toMatch(/Your Gatehouse verification code is: \d{6}/);
    expect(page.body).toContain('/reset-password/');
    expect(page.body).toMatch(/<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC" data-relative>just now<\/time>/);
  });

  it('shows an HTML mail as HTML, sandboxed with no scripts', async () => {
    await addDevMessage(t.app.ctx.db, {
      kind: 'email',
      recipient: 'x@example.com',
      subject: 'Hello',
      text_body: 'plain',
      html_body: '<p>Hi <script>alert(1)</script></p>',
      created_at: t.app.ctx.clock.now(),
    });
    const list = await new TestClient(t.app).get('/dev/outbox');
    const href = /href="(\/dev\/outbox\/\d+\/html)"/.exec(list.body)![1]!;
    const res = await new TestClient(t.app).get(href);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
    expect(res.body).toContain('<p>Hi');
  });

  it('an unknown message is a 404', async () => {
    expect((await new TestClient(t.app).get('/dev/outbox/999999/html')).status).toBe(404);
    expect((await new TestClient(t.app).get('/dev/outbox/abc/html')).status).toBe(400);
  });
});
