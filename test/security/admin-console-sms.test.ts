/**
 * Attack: phone numbers harvested from the console's SMS record. Every code send is now recorded for the
 * console's text-message page (src/db/sms-sends.ts). If a row kept the number it went to (or the account), a copy
 * of the database, a backup or a console session would be a list of people's phone numbers and when they signed
 * in — what SIM-swap and phishing crews buy.
 * Requirement (issue #14): the record keeps the country, never the full number; the console never shows a number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_PASSWORD, createUser, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(MEMORY_RATE_LIMITS);
});
afterAll(() => t?.close());

describe('phone numbers harvested from the console’s SMS record', () => {
  it('no row of the record and no part of the page holds a number a code went to, nor the account', async () => {
    const { phone: adminPhone, client: admin } = await signedInAdmin(t);
    const phones = ['+447400123987', '+12015550987'];
    const victims = [];
    for (const [i, phone] of phones.entries()) {
      const victim = await createUser(t.app);
      const client = new TestClient(t.app, `198.51.100.${61 + i}`);
      await signIn(client, victim.username, victim.password);
      expect((await client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD })).status).toBe(302);
      victims.push(victim);
    }

    const rows = await t.app.ctx.db.selectFrom('sms_sends').selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const stored = JSON.stringify(rows);
    for (const phone of [adminPhone, ...phones]) {
      expect(stored).not.toContain(phone.slice(-7)); // not even the subscriber part
    }
    expect(Object.keys(rows[0]!).sort()).toEqual(['calling_code', 'channel', 'country', 'created_at', 'id', 'outcome', 'reason']);

    const page = await admin.get('/admin/sms');
    expect(page.status).toBe(200);
    for (const phone of [adminPhone, ...phones]) expect(page.body).not.toContain(phone.slice(-7));
    for (const victim of victims) expect(page.body).not.toContain(victim.username);
  });
});
