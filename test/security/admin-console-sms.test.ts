/**
 * Attack: phone numbers harvested from the console's SMS record. Every code send is now recorded for the
 * console's text-message page (src/db/sms-sends.ts). If a row kept the number it went to (or the account), a copy
 * of the database, a backup or a console session would be a list of people's phone numbers and when they signed
 * in — what SIM-swap and phishing crews buy.
 * Requirement (issue #14): the record keeps the country, never the full number; the console never shows a number.
 *
 * Also: text messages resumed from a stale sign-in — an admin's browser left signed in is used later to turn SMS
 * back on while toll fraud is running. "Resume" needs step-up like every console action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { DEFAULT_TEST_PASSWORD, createUser, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
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

describe('text messages resumed from a stale sign-in', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 9, 0, 0));
  let budgeted: TestApp;
  beforeAll(async () => {
    budgeted = await startTestApp({ ...MEMORY_RATE_LIMITS, SMS_HOURLY_BUDGET: '3' }, { clock });
  });
  afterAll(() => budgeted?.close());

  it('is sent through a fresh two-step sign-in, back to the page, and the breaker stays open until then', async () => {
    const t = budgeted;
    const { client } = await signedInAdmin(t);
    // Spend the hourly budget (the admin's own code was one of the three): the next send opens the breaker.
    for (let i = 0; (await t.app.ctx.limits.sms.pausedForMs()) === 0 && i < 5; i++) {
      const user = await createUser(t.app);
      const asker = new TestClient(t.app, `198.51.100.${80 + i}`);
      await signIn(asker, user.username, user.password);
      await asker.submit('/two-factor/sms/enable', { phone: `+1201555${String(3000 + i)}`, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
    }
    expect(await t.app.ctx.limits.sms.pausedForMs()).toBeGreaterThan(0);

    clock.advance(minutes(11));
    const page = await client.get('/admin/sms');
    expect(page.body).toContain('Resuming first asks you to sign in again');
    const refused = await client.post('/admin/sms/resume', { _csrf: csrfTokenIn(page.body) });
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(`/login?fresh=1&require=two-factor&next=${encodeURIComponent('/admin/sms')}`);
    expect(await t.app.ctx.limits.sms.pausedForMs()).toBeGreaterThan(0);
    expect(await listAdminAudit(t.app.ctx.db, { action: 'sms_resumed' }, { limit: 5 })).toEqual([]);
  });
});
