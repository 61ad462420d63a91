/**
 * The console's overview (/admin): the charts of sign-ins, failed sign-ins, lockouts and codes sent, per UTC hour
 * for the last 24 hours and per UTC day for the last 7, read through their table twins — events made at known times
 * (a ManualClock), counted in their bucket, 0 where nothing happened, nothing from outside the range; in English and
 * Spanish. And the lockout, recorded as an event once when it starts, not at each refused attempt after it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { accountKey } from '../../src/auth/lockout.js';
import { FREE_CONSECUTIVE_FAILURES } from '../../src/auth/policy.js';
import { recentSecurityEvents, recordSecurityEvent, type SecurityEventKind } from '../../src/db/security-events.js';
import { recordSmsSend, type SmsSendOutcome } from '../../src/db/sms-sends.js';
import { hours, ManualClock } from '../../src/lib/duration.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient, type Page } from '../support/client.js';
import { signedInAdmin } from '../support/console.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Saturday 5 December 2026, 14:30 UTC: the last 24 hours are 15:00 on the 4th to 14:00 on the 5th; the 7 days 29 November to 5 December. */
const NOW = Date.UTC(2026, 11, 5, 14, 30);
const at = (iso: string) => Date.parse(iso);

async function app(clock: ManualClock): Promise<TestApp> {
  const t = await startTestApp({}, { clock });
  cleanups.push(() => t.close());
  return t;
}

/** A chart's table twin, as a screen reader reads it: the datetime of each row and its number. */
function twin(page: Page, id: string): Map<string, string> {
  const start = page.body.indexOf(`<table class="visually-hidden" aria-labelledby="${id}">`);
  expect(start, `the table twin of ${id}`).toBeGreaterThan(0);
  const table = page.body.slice(start, page.body.indexOf('</table>', start));
  return new Map([...table.matchAll(/<tr><th scope="row"><time datetime="([^"]+)">[^<]*<\/time><\/th><td>([^<]*)<\/td><\/tr>/g)].map((m) => [m[1]!, m[2]!]));
}

/** The rows that are not 0. */
const nonZero = (rows: Map<string, string>) => Object.fromEntries([...rows].filter(([, n]) => n !== '0'));

const hourKeys = Array.from({ length: 24 }, (_, i) => new Date(Date.UTC(2026, 11, 4, 15) + hours(i)).toISOString().slice(0, 13) + ':00Z');
const dayKeys = ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'];

describe('the console’s overview charts', () => {
  it('count each kind per UTC hour and day, fill empty buckets with 0, and leave out what is older', async () => {
    const clock = new ManualClock(NOW);
    const t = await app(clock);
    const db = t.app.ctx.db;
    // The admin signs in now with a text-message code: one sign-in and one code sent, at 14:30.
    const { client } = await signedInAdmin(t);
    const someone = await createUser(t.app);
    const event = (kind: SecurityEventKind, when: number, times = 1) =>
      Promise.all(Array.from({ length: times }, () => recordSecurityEvent(db, { userId: someone.id, kind, now: when, ip: null, userAgent: null })));
    const send = (outcome: SmsSendOutcome, when: number, times = 1, channel: 'sms' | 'call' = 'sms') =>
      Promise.all(Array.from({ length: times }, () => recordSmsSend(db, { at: when, country: 'ES', callingCode: '34', channel, outcome, reason: null })));

    // This hour: every way of signing in counts as a sign-in.
    await event('sign_in', at('2026-12-05T14:05:00Z'), 2);
    await event('sign_in_passkey', at('2026-12-05T14:10:00Z'));
    // 10:00: failures, a lockout, a recovery code; wrong codes and a password change are none of the four.
    await event('sign_in_failed', at('2026-12-05T10:59:59.999Z'), 3);
    await event('sign_in_locked', at('2026-12-05T10:20:00Z'));
    await event('recovery_code_used', at('2026-12-05T10:00:00Z'));
    await event('code_failed', at('2026-12-05T10:10:00Z'), 2);
    await event('password_changed', at('2026-12-05T10:10:00Z'));
    // Codes by text message and by call both count.
    await send('sent', at('2026-12-05T10:30:00Z'), 2);
    await send('sent', at('2026-12-05T10:31:00Z'), 1, 'call');
    // The first hour of the 24 starts exactly at 15:00 yesterday; a millisecond before is only in the days.
    await event('sign_in_email_code', at('2026-12-04T15:00:00Z'));
    await event('sign_in_trusted_device', at('2026-12-04T14:59:59.999Z'));
    // Two days ago: codes refused and failed are not "sent".
    await event('sign_in_trusted_device', at('2026-12-03T08:00:00Z'), 2);
    await send('sent', at('2026-12-03T08:00:00Z'), 2);
    await send('refused', at('2026-12-03T08:00:00Z'));
    await send('failed', at('2026-12-03T08:00:00Z'));
    // The first of the 7 days, and the day before it (not shown).
    await event('sign_in_failed', at('2026-11-29T00:00:00Z'));
    await event('sign_in', at('2026-11-28T23:59:59.999Z'), 5);
    await event('sign_in_locked', at('2026-11-28T12:00:00Z'));

    const page = await client.get('/admin');
    expect(page.status).toBe(200);
    const hour = (h: string) => `2026-12-05T${h}:00Z`;

    const hourly = (metric: string) => twin(page, `chart-hours-${metric}`);
    for (const metric of ['signIns', 'failedSignIns', 'lockouts', 'codesSent']) expect([...hourly(metric).keys()]).toEqual(hourKeys);
    // The admin's own sign-in and code at 14:30 count too.
    expect(nonZero(hourly('signIns'))).toEqual({ [hour('14')]: '4', [hour('10')]: '1', '2026-12-04T15:00Z': '1' });
    expect(nonZero(hourly('failedSignIns'))).toEqual({ [hour('10')]: '3' });
    expect(nonZero(hourly('lockouts'))).toEqual({ [hour('10')]: '1' });
    expect(nonZero(hourly('codesSent'))).toEqual({ [hour('14')]: '1', [hour('10')]: '3' });

    const daily = (metric: string) => twin(page, `chart-days-${metric}`);
    for (const metric of ['signIns', 'failedSignIns', 'lockouts', 'codesSent']) expect([...daily(metric).keys()]).toEqual(dayKeys);
    expect(nonZero(daily('signIns'))).toEqual({ '2026-12-05': '5', '2026-12-04': '2', '2026-12-03': '2' });
    expect(nonZero(daily('failedSignIns'))).toEqual({ '2026-12-05': '3', '2026-11-29': '1' });
    expect(nonZero(daily('lockouts'))).toEqual({ '2026-12-05': '1' });
    expect(nonZero(daily('codesSent'))).toEqual({ '2026-12-05': '4', '2026-12-03': '2' });

    // Titles and totals beside each drawing; the drawing itself is hidden from screen readers.
    expect(page.body).toContain('<figcaption id="chart-hours-signIns"><span class="chart-title">Sign-ins per hour</span> <span class="chart-note">6 in all</span></figcaption>');
    expect(page.body).toContain('<figcaption id="chart-days-codesSent"><span class="chart-title">Codes sent per day</span> <span class="chart-note">6 in all</span></figcaption>');
    expect(page.body.match(/<svg class="chart-drawing"[^>]*aria-hidden="true"/g)).toHaveLength(8);
    expect(page.body).toContain('<th scope="col">Hour (UTC)</th>');
    expect(page.body).toContain('<time datetime="2026-12-05T14:00Z">14:00</time>');
    expect(page.body).toContain('<time datetime="2026-12-03">Dec 3</time>');
    // Under the daily bars the weekday (5 December 2026 is a Saturday), under the hourly ones every sixth hour.
    expect(page.body).toContain('text-anchor="middle">Sat</text>');
    expect(page.body).toContain('text-anchor="middle">18:00</text>');
    expect(page.body).not.toContain('text-anchor="middle">17:00</text>');

    // In Spanish: titles, headers and dates the Spanish way, still UTC.
    client.headers['accept-language'] = 'es';
    const es = await client.get('/admin');
    expect(es.body).toContain('<span class="chart-title">Inicios de sesión por hora</span> <span class="chart-note">6 en total</span>');
    expect(es.body).toContain('<th scope="col">Día (UTC)</th><th scope="col">Bloqueos</th>');
    expect(es.body).toContain('<time datetime="2026-12-03">3 dic</time>');
    expect(es.body).toContain('text-anchor="middle">sáb</text>');
    expect(twin(es, 'chart-days-failedSignIns').get('2026-12-05')).toBe('3');

    // An hour later the 24 hours start at 16:00 yesterday: the sign-in at 15:00 yesterday has left them.
    clock.advance(hours(1));
    const later = await client.get('/admin');
    expect(nonZero(twin(later, 'chart-hours-signIns'))).toEqual({ [hour('14')]: '4', [hour('10')]: '1' });
  });

  it('shows every chart at 0 on an installation with nothing to count but the admin’s own sign-in', async () => {
    const t = await app(new ManualClock(NOW));
    const { client } = await signedInAdmin(t);
    const page = await client.get('/admin');
    expect(nonZero(twin(page, 'chart-hours-failedSignIns'))).toEqual({});
    expect(nonZero(twin(page, 'chart-days-lockouts'))).toEqual({});
    expect(nonZero(twin(page, 'chart-hours-signIns'))).toEqual({ '2026-12-05T14:00Z': '1' });
    expect(page.body).not.toMatch(/NaN|Infinity/);
  });
});

describe('a lockout in the activity and the charts', () => {
  it('is recorded once when it starts, however many refused attempts follow, with the wrong passwords before it', async () => {
    const clock = new ManualClock(NOW);
    const t = await app(clock);
    const { client } = await signedInAdmin(t);
    const user = await createUser(t.app);
    // Five wrong passwords lock the account; five more are refused while it is locked (each still counts).
    for (let i = 0; i < 10; i++) {
      const page = await signIn(new TestClient(t.app, `198.51.100.${i + 1}`), user.username, `wrong ${i}`);
      expect(page.status).toBe(i < 4 ? 401 : 429);
    }
    expect(await t.app.ctx.limits.password.failureCount(accountKey(user.id))).toBe(10);
    // The event is written with the owner's notice, just after the answer: wait for it, then a little more.
    const locks = async () => (await recentSecurityEvents(t.app.ctx.db, user.id, 0)).filter((e) => e.kind === 'sign_in_locked');
    for (let i = 0; i < 150 && (await locks()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));

    const events = await recentSecurityEvents(t.app.ctx.db, user.id, 0);
    expect(events.filter((e) => e.kind === 'sign_in_locked')).toHaveLength(1);
    expect(events.find((e) => e.kind === 'sign_in_locked')).toMatchObject({ created_at: NOW, ip: '198.51.100.5' });
    // Only the checked wrong passwords are failed sign-ins; the refused ones are not.
    expect(events.filter((e) => e.kind === 'sign_in_failed')).toHaveLength(5);

    const page = await client.get('/admin');
    expect(nonZero(twin(page, 'chart-hours-lockouts'))).toEqual({ '2026-12-05T14:00Z': '1' });
    expect(nonZero(twin(page, 'chart-hours-failedSignIns'))).toEqual({ '2026-12-05T14:00Z': '5' });
    expect(nonZero(twin(page, 'chart-days-lockouts'))).toEqual({ '2026-12-05': '1' });
  });

  it('wrong codes after the right password: the lockout of the codes is recorded once too, and counted', async () => {
    const t = await app(new ManualClock(NOW));
    const { client: admin } = await signedInAdmin(t);
    const phone = '+14155550188';
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app, '198.51.100.77');
    expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor');
    const wrong = String((Number(await latestDevCode(t.app, phone)) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 1; i <= FREE_CONSECUTIVE_FAILURES; i++) await client.submit('/login/two-factor', { code: wrong });
    expect((await t.app.ctx.limits.code.status(accountKey(user.id))).ok).toBe(false);
    // Written in the request that locked the codes, before its answer.
    const kinds = (await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'sign_in_locked')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'code_failed')).toHaveLength(FREE_CONSECUTIVE_FAILURES);
    const page = await admin.get('/admin');
    expect(nonZero(twin(page, 'chart-hours-lockouts'))).toEqual({ '2026-12-05T14:00Z': '1' });
    // Wrong codes are not failed sign-ins: the password was right.
    expect(nonZero(twin(page, 'chart-hours-failedSignIns'))).toEqual({});
  });
});
