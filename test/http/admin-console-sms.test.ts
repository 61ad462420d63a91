/**
 * The console's text-message page (src/features/admin/sms.ts): the code sends of the last 7 days by country (each
 * send recorded where codes go out, src/auth/two-factor.ts), the SMS circuit breaker with "Resume", and the hourly
 * budget. The breaker is tested in both stores: this instance's memory (no REDIS_URL), and Redis shared by two
 * instances — one trips it, the other shows why and resumes it, and the first sends again.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CheckResult, StartResult, VerifyService } from '../../src/adapters/verify/types.js';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { SMS_ERROR_MIN_SENDS } from '../../src/auth/policy.js';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { countSmsSends } from '../../src/db/sms-sends.js';
import { days } from '../../src/lib/duration.js';
import { escapeHtml } from '../../src/views/html.js';
import { createUser, DEFAULT_TEST_PASSWORD, deleteRedisKeys, startTestApp, TEST_REDIS_URL, uniqueRedisPrefix, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient, type Page } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';
import { ipAddresses } from '../support/net.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const freshIp = ipAddresses('100.70');

/** A new signed-in account on a fresh address asking for a code to `phone` on the set-up page. */
async function askForCode(app: GatehouseApp, phone: string): Promise<Page> {
  const user = await createUser(app);
  const client = new TestClient(app, freshIp());
  expect((await signIn(client, user.username, user.password)).location).toBe('/');
  return client.submit('/two-factor/sms/enable', { phone, channel: 'sms', password: DEFAULT_TEST_PASSWORD });
}

/** The breaker's and the budget's store: this instance's memory, or Redis under a prefix of the test's own. */
function storeEnv(store: 'memory' | 'redis'): Record<string, string> {
  if (store === 'memory') return { REDIS_URL: '' };
  const prefix = uniqueRedisPrefix();
  cleanups.push(() => deleteRedisKeys(TEST_REDIS_URL, prefix));
  return { REDIS_URL: TEST_REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix };
}

async function app(env: Record<string, string>): Promise<TestApp> {
  const t = await startTestApp(env);
  cleanups.push(() => t.close());
  return t;
}

const tbody = (body: string, caption: string) => {
  const at = body.indexOf(caption);
  return at < 0 ? '' : body.slice(body.indexOf('<tbody>', at), body.indexOf('</tbody>', at));
};

describe.each(['memory', 'redis'] as const)('the console’s text-message page (breaker in %s)', (store) => {
  it('shows the sends by country, the budget spent, the open breaker and why; "Resume" closes it, audited, and codes go again', async () => {
    // A budget of 4 an hour, codes to the US and the UK only.
    const t = await app({ ...storeEnv(store), SMS_HOURLY_BUDGET: '4', SMS_ALLOWED_COUNTRIES: 'US,GB' });
    const { user: admin, client } = await signedInAdmin(t); // 1: the admin's own code (US)
    const before = await client.get('/admin/sms');
    expect(before.status).toBe(200);
    expect(before.body).toContain('Closed: codes are sent.');
    expect(before.body).toContain('1 of 4 code sends used this hour.');
    expect(before.body).toContain('Codes may go to: United States (US), United Kingdom (GB).');
    expect(before.body.includes('each instance counts for itself')).toBe(store === 'memory');
    expect(before.body).not.toContain('action="/admin/sms/resume"');

    expect((await askForCode(t.app, '+447400123456')).status).toBe(302); // 2: GB
    expect((await askForCode(t.app, '+12015550123')).status).toBe(302); // 3: US
    expect((await askForCode(t.app, '+12015550124')).status).toBe(302); // 4: US, the budget is spent
    expect((await askForCode(t.app, '+33612345678')).status).toBe(422); // France: refused by the country list
    const paused = await askForCode(t.app, '+12015550125'); // the fifth: the breaker opens
    expect(paused.status).toBe(422);
    expect(paused.body).toMatch(/We cannot send codes right now/);

    const page = await client.get('/admin/sms');
    expect(page.body).toMatch(/Open: no code is sent until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\./);
    expect(page.body).toContain('The hourly budget (SMS_HOURLY_BUDGET) was spent.');
    expect(page.body).toContain('4 of 4 code sends used this hour.');
    expect(page.body).toContain('action="/admin/sms/resume"');
    // Per day and country: sent today, refused by Gatehouse (the paused one and France), failed at the provider.
    const perDay = tbody(page.body, 'Codes sent per day and country');
    expect(perDay).toMatch(/<th scope="row">United States \(US\)<\/th>(<td>0<\/td>){6}<td>3<\/td><td>3<\/td><td>1<\/td><td>0<\/td>/);
    expect(perDay).toMatch(/<th scope="row">United Kingdom \(GB\)<\/th>(<td>0<\/td>){6}<td>1<\/td><td>1<\/td><td>0<\/td><td>0<\/td>/);
    expect(perDay).toMatch(/<th scope="row">France \(FR\)<\/th>(<td>0<\/td>){6}<td>0<\/td><td>0<\/td><td>1<\/td><td>0<\/td>/);
    // Per hour, newest first, the busiest countries first (US, then France and the UK by name): this hour has the
    // four sent and two not sent.
    expect(page.body).toMatch(/<th scope="col">Hour<\/th><th scope="col">United States \(US\)<\/th><th scope="col">France \(FR\)<\/th><th scope="col">United Kingdom \(GB\)<\/th><th scope="col">Sent<\/th><th scope="col">Not sent<\/th>/);
    expect(tbody(page.body, 'Codes sent per hour')).toMatch(/^<tbody><tr><th scope="row"><time[^>]*>\d\d:00<\/time><\/th><td>3<\/td><td>0<\/td><td>1<\/td><td>4<\/td><td>2<\/td><\/tr>/);
    expect(page.body).toContain('4 text messages and 0 voice calls sent in the last 7 days.');
    // Never a number: not the admin's, not the ones codes went to.
    for (const phone of ['+447400123456', '+12015550123', '+33612345678', '2015550124']) expect(page.body).not.toContain(phone);

    const done = await client.post('/admin/sms/resume', { _csrf: csrfTokenIn(page.body) });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/admin/sms');
    const after = await client.get('/admin/sms');
    expect(after.body).toContain(escapeHtml('The breaker is closed: codes are sent again.'));
    expect(after.body).toContain('Closed: codes are sent.');
    expect(after.body).not.toContain('action="/admin/sms/resume"');
    const [entry] = await listAdminAudit(t.app.ctx.db, { action: 'sms_resumed' }, { limit: 1 });
    expect(entry).toMatchObject({ actor_user_id: admin.id, ip: '127.0.0.1' });
    expect(JSON.parse(entry!.detail!)).toEqual({ reason: 'budget', budget_restarted: true });
    // The spent budget started again: a code goes out.
    expect((await askForCode(t.app, '+12015550126')).status).toBe(302);
    expect((await client.get('/admin/sms')).body).toContain('1 of 4 code sends used this hour.');

    // Resuming a closed breaker changes nothing and records nothing.
    const again = await client.post('/admin/sms/resume', { _csrf: csrfTokenIn(after.body) });
    expect((await client.get(again.location!)).body).toContain('The breaker was closed already: nothing changed.');
    expect(await listAdminAudit(t.app.ctx.db, { action: 'sms_resumed' }, { limit: 5 })).toHaveLength(1);
  }, 60_000);
});

/** Verify answering every send as an outage (HTTP 5xx, timeouts): what trips the breaker on the error rate. */
class OutageVerify implements VerifyService {
  start(): Promise<StartResult> {
    return Promise.resolve({ ok: false, reason: 'unavailable' });
  }
  check(): Promise<CheckResult> {
    return Promise.resolve({ ok: false, reason: 'unavailable' });
  }
}

describe('two instances sharing Redis', () => {
  it('the breaker tripped on one by provider failures is shown on the other with why, and resumed there for both', async () => {
    const a = await app(storeEnv('redis'));
    // Instance B: the same configuration and database, its own process; its Verify is in an outage.
    const shared = a.openSharedDatabase();
    const b = await buildApp(a.config, { database: shared, logger: false, verify: new OutageVerify() });
    cleanups.push(() => b.close());
    await b.ready();

    const { client } = await signedInAdmin(a);
    for (let i = 0; i < SMS_ERROR_MIN_SENDS; i++) expect((await askForCode(b, `+1201555${String(2000 + i)}`)).status).toBe(422);
    expect(await a.app.ctx.limits.sms.pausedForMs()).toBeGreaterThan(0);

    const onA = await client.get('/admin/sms');
    expect(onA.body).toMatch(/Open: no code is sent until/);
    // The admin's own code counted among the sends: the breaker opened at the 20th, of which 19 had failed.
    const why = `${SMS_ERROR_MIN_SENDS - 1} sends of the last ${SMS_ERROR_MIN_SENDS} failed at the provider (Twilio).`;
    expect(onA.body).toContain(why);
    expect(onA.body).not.toContain('each instance counts for itself');
    // B's sends are in the shared database: the admin's sent, 19 failed at the provider, the 20th refused (paused).
    expect(tbody(onA.body, 'Codes sent per day and country')).toMatch(new RegExp(`<th scope="row">United States \\(US\\)</th>.*<td>1</td><td>1</td><td>${SMS_ERROR_MIN_SENDS - 1}</td></tr>`));

    // The admin's session on B (the same database): B shows the same breaker, and resumes it.
    const onB = new TestClient(b);
    for (const [k, v] of client.cookies) onB.cookies.set(k, v);
    const pageB = await onB.get('/admin/sms');
    expect(pageB.body).toContain(why);
    expect((await onB.post('/admin/sms/resume', { _csrf: csrfTokenIn(pageB.body) })).status).toBe(303);
    expect(await a.app.ctx.limits.sms.pausedForMs()).toBe(0);
    expect((await client.get('/admin/sms')).body).toContain('Closed: codes are sent.');
    const [entry] = await listAdminAudit(a.app.ctx.db, { action: 'sms_resumed' }, { limit: 1 });
    expect(JSON.parse(entry!.detail!)).toEqual({ reason: 'provider', budget_restarted: false });
    // A sends again.
    expect((await askForCode(a.app, '+12015550199')).status).toBe(302);
  }, 90_000);
});

describe('the record of sends', () => {
  it('speaks Spanish, and sends older than 7 days are gone from the page and the table', async () => {
    const t = await app({ REDIS_URL: '' });
    const { client } = await signedInAdmin(t);
    client.headers['accept-language'] = 'es';
    const page = await client.get('/admin/sms');
    expect(page.headers['content-language']).toBe('es');
    expect(page.body).toContain('Cortacircuitos');
    expect(page.body).toContain('Cerrado: los códigos se envían.');
    expect(page.body).toContain('Estados Unidos (US)');
    const now = t.app.ctx.clock.now();
    expect((await countSmsSends(t.app.ctx.db, 0, days(1))).length).toBe(1);
    await t.app.ctx.db.updateTable('sms_sends').set({ created_at: now - days(8) }).execute();
    expect((await client.get('/admin/sms')).body).toContain('No se envió ningún código en los últimos 7 días.');
  });
});
