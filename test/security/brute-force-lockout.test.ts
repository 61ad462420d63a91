/**
 * Attack: online password guessing against one account — sequentially, in
 * parallel bursts (to race the lockout), and with case/whitespace variants of
 * the username (to get separate counters). Also the lockout as a weapon: an
 * attacker locks the victim out on purpose.
 * Requirements: OWASP ASVS 5.0 V6.3.1 (brute force and credential stuffing
 * are prevented), NIST SP 800-63B §5.2.2 (no more than 100 consecutive failed
 * attempts on one account); issue #3: 5 failures → 1 min lockout, doubling,
 * capped at 1 h; the right password is refused during a lockout; the owner can
 * still reset the password by email, which ends it. Issue #12: a lockout is not
 * silent — the person is told sign-in is paused, for how long, and the way out
 * (with the same words for a login that matches no account: user-enumeration),
 * and the owner is mailed once per lockout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKey, loginKey } from '../../src/auth/lockout.js';
import { FREE_CONSECUTIVE_FAILURES, lockoutMsAfter, MAX_CONSECUTIVE_FAILURES, MAX_LOCKOUT_MS } from '../../src/auth/policy.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { pendingMailCount } from '../../src/db/mail-outbox.js';
import { hours, minutes, seconds } from '../../src/lib/duration.js';
import { createUser, latestDevCode, MEMORY_RATE_LIMITS, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient, type Page } from '../support/client.js';
import { newResetLinkIn } from '../support/password-forms.js';
import { fakeDate, type FakeTime } from '../support/time.js';
import { responseStartsSession } from '../support/sign-in.js';

let t: TestApp;
let time: FakeTime;
beforeAll(async () => {
  time = fakeDate();
  // Rate limits in memory on the PostgreSQL run too: these tests wait out lockout windows with a fake Date, which Redis TTLs ignore.
  t = await startTestApp({ ...MEMORY_RATE_LIMITS }, { outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => {
  await t.close();
  time.restore();
});

let ipCounter = 0;
/** Each test attacks from its own address, so per-IP limits never decide a per-account test. */
const freshIp = () => `198.18.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;

const GENERIC = 'That username or email and password do not match.';
const PAUSED = /Sign-in to this account is paused for (\d+) minutes? after too many failed attempts\.<\/p>\s*<p><a href="\/reset-password">Reset your password to get in sooner<\/a>/;
const PAUSED_UNTIL_RESET = /Sign-in to this account is paused after too many failed attempts, until its password is reset\.<\/p>\s*<p><a href="\/reset-password">Reset your password to get back in<\/a>/;
const errorOf = (page: Page) => /<main[\s\S]*<\/main>/.exec(page.body)?.[0].replace(/name="_csrf" value="[^"]+"/g, '');

async function attempt(login: string, password: string, ip: string): Promise<Page> {
  return signIn(new TestClient(t.app, ip), login, password);
}

const failures = (userId: number) => t.app.ctx.limits.password.failureCount(accountKey(userId));
const lockStatus = (userId: number) => t.app.ctx.limits.password.status(accountKey(userId));

describe('brute force against one account', () => {
  it('after 5 wrong passwords the right one is refused with the same status and page as a wrong one, until the minute is over', async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    for (let i = 1; i < FREE_CONSECUTIVE_FAILURES; i++) expect((await attempt(user.username, `wrong ${i}`, ip)).status).toBe(401);
    // The 5th wrong password starts the lockout, and the answer says so at once.
    const fifth = await attempt(user.username, 'wrong 5', ip);
    expect(fifth.status).toBe(429);
    expect(fifth.body).toMatch(PAUSED);
    expect(PAUSED.exec(fifth.body)![1]).toBe('1');
    expect(fifth.headers['retry-after']).toBe('60');

    const right = await attempt(user.username, user.password, ip);
    const wrong = await attempt(user.username, 'wrong again', ip);
    expect(right.status).toBe(429);
    expect(right.body).toMatch(PAUSED);
    expect(right.body).not.toContain(GENERIC);
    expect(errorOf(right)).toBe(errorOf(wrong));
    expect(responseStartsSession(right)).toBe(false);

    time.advance(seconds(59));
    expect(responseStartsSession(await attempt(user.username, user.password, ip))).toBe(false);
    time.advance(seconds(2));
    expect(responseStartsSession(await attempt(user.username, user.password, ip))).toBe(true);
    expect(await failures(user.id)).toBe(0); // a success clears the account's own counter
  });

  it('the lockout doubles with each further failure and stops growing at 1 hour', async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    const seen: number[] = [];
    for (let n = 1; n <= 13; n++) {
      expect((await attempt(user.username, `guess ${n}`, ip)).status).toBe(n < FREE_CONSECUTIVE_FAILURES ? 401 : 429);
      const status = await lockStatus(user.id);
      const lockedFor = status.ok ? 0 : status.retryAfterMs!;
      seen.push(Math.round(lockedFor / minutes(1)));
      time.advance(lockedFor + seconds(1)); // the attacker waits out each lockout
    }
    expect(seen).toEqual([0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
    expect(lockoutMsAfter(50)).toBe(MAX_LOCKOUT_MS);
  });

  it('case and whitespace variants of the username, and the email, share the account\'s counter', async () => {
    const user = await createUser(t.app, { username: `Mallory${Date.now() % 100000}` });
    const ip = freshIp();
    const variants = [user.username.toUpperCase(), `  ${user.username.toLowerCase()}  `, user.username, `\t${user.username}`, user.email.toUpperCase()];
    const statuses = [];
    for (const login of variants) statuses.push((await attempt(login, 'not it', ip)).status);
    // The page speaks for the login typed (four tries of the username, one of the address): no pause shown yet...
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // ...but the account counted all five and is locked, whichever login is typed.
    expect(await failures(user.id)).toBe(5);
    expect(responseStartsSession(await attempt(user.email, user.password, ip))).toBe(false);
    expect(responseStartsSession(await attempt(user.username.toLowerCase(), user.password, ip))).toBe(false);
  });

  it('the pause is told in the language of the page', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app, freshIp());
    client.headers['accept-language'] = 'es-ES,es;q=0.9';
    let last: Page | undefined;
    for (let i = 1; i <= FREE_CONSECUTIVE_FAILURES; i++) last = await signIn(client, user.username, `adivinanza ${i}`);
    expect(last!.status).toBe(429);
    expect(last!.body).toContain('El inicio de sesión en esta cuenta está en pausa durante 1 minuto tras demasiados intentos fallidos.');
    expect(last!.body).toContain('<a href="/reset-password">Restablece tu contraseña para entrar antes</a>');
  });

  it("locking an account through its username does not show on its address: the two cannot be linked, nor told from an unknown address", async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    for (let i = 1; i <= FREE_CONSECUTIVE_FAILURES; i++) await attempt(user.username, `guess ${i}`, ip);
    expect((await attempt(user.username, 'guess 6', ip)).status).toBe(429);
    // The prober now tries the address they suspect is this account's, and one that is nobody's.
    const suspected = await attempt(user.email, 'guess 7', ip);
    const nobodys = await attempt(`nobody-${ipCounter}@example.com`, 'guess 7', ip);
    expect(suspected.status).toBe(401);
    expect(errorOf(suspected)?.replace(user.email, 'X')).toBe(errorOf(nobodys)?.replace(`nobody-${ipCounter}@example.com`, 'X'));
    expect(suspected.headers['retry-after']).toBeUndefined();
    // The account's own lock holds all the same, and counted that try.
    expect(responseStartsSession(await attempt(user.email, user.password, ip))).toBe(false);
    expect(await failures(user.id)).toBe(8);
  });

  it('a day later a real login and one that matches no account still answer alike', async () => {
    const user = await createUser(t.app);
    const nobody = `nobody_${ipCounter}_x`;
    const ip = freshIp();
    for (const login of [user.username, nobody]) for (let i = 1; i <= FREE_CONSECUTIVE_FAILURES; i++) await attempt(login, `guess ${i}`, ip);
    time.advance(hours(25));
    const known = await attempt(user.username, 'one more', ip);
    const unknown = await attempt(nobody, 'one more', ip);
    expect(known.status).toBe(unknown.status);
    expect(errorOf(known)?.replace(user.username, 'X')).toBe(errorOf(unknown)?.replace(nobody, 'X'));
  });

  it("a success on another account (the attacker's own) never resets the victim's counter", async () => {
    const victim = await createUser(t.app);
    const attacker = await createUser(t.app);
    const ip = freshIp();
    for (let i = 0; i < 4; i++) await attempt(victim.username, `guess ${i}`, ip);
    expect(responseStartsSession(await attempt(attacker.username, attacker.password, ip))).toBe(true);
    await attempt(victim.username, 'guess 4', ip);
    expect(await failures(victim.id)).toBe(5);
    expect((await lockStatus(victim.id)).ok).toBe(false);
  });

  it('an unknown username locks exactly like a real one (the lockout tells nothing about which accounts exist)', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) await attempt('  No_Such_Person ', `guess ${i}`, ip);
    const status = await t.app.ctx.limits.password.status(loginKey('no_such_person'));
    expect(status).toEqual({ ok: false, retryAfterMs: minutes(1) });
  });

  it('50 parallel wrong passwords: every one is answered the same and all 50 are recorded, for the account and the IP', async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    const clients = Array.from({ length: 50 }, () => new TestClient(t.app, ip));
    const pages = await Promise.all(clients.map((c, i) => signIn(c, user.username, `parallel guess ${i}`)));
    // Each is refused as a wrong password or as a paused sign-in (or, on a loaded machine, "busy, try again" from the
    // hashing queue); none gets through, none crashes.
    const refused = (p: Page) => (p.status === 401 && p.body.includes(GENERIC)) || (p.status === 429 && PAUSED.test(p.body)) || p.status === 503;
    expect(pages.filter((p) => !refused(p)).map((p) => [p.status, errorOf(p)])).toEqual([]);
    expect(pages.some((p) => p.status === 429)).toBe(true);
    // The owner is told once, however many requests raced to lock the account.
    expect(await lockoutMails(user.email, 1)).toHaveLength(1);
    // One attempt per account at a time is checked; the others are refused, and every one counts.
    expect(await failures(user.id)).toBe(50);
    expect(await lockStatus(user.id)).toMatchObject({ ok: false });
    // The per-IP counter recorded all 50: this IP has exactly 50 of its 100 failures left.
    const others = Array.from({ length: 50 }, (_, i) => `nobody-${ipCounter}-${i}`);
    for (const login of others) expect((await attempt(login, 'x', ip)).status).toBe(401);
    const next = await attempt('nobody-else', 'x', ip);
    expect(next.status).toBe(429);
    expect(next.body).toMatch(/Too many sign-in attempts from your network\. Try again in \d+ minutes?\./);
  });

  it('50 parallel failures recorded through the lockout itself all count (atomic increments)', async () => {
    const user = await createUser(t.app);
    await Promise.all(Array.from({ length: 50 }, () => t.app.ctx.limits.password.fail(accountKey(user.id))));
    expect(await failures(user.id)).toBe(50);
  });
});

const LOCKOUT_SUBJECT = 'Sign-in to your Gatehouse account is paused';
/**
 * The lockout notices delivered to `email` (newest first): waits until `expected` have arrived (the notice is
 * queued just after the answer is sent) and the outbox is empty, so that one too many would show.
 */
async function lockoutMails(email: string, expected: number) {
  const delivered = async () => (await listDevMessages(t.app.ctx.db)).filter((m) => m.recipient === email && m.subject === LOCKOUT_SUBJECT);
  for (let i = 0; i < 150 && (await delivered()).length < expected; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 150 && (await pendingMailCount(t.app.ctx.db)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return delivered();
}

/** Asks for a reset link from `ip` and returns its path, read from the mail as the owner would. */
async function requestResetLink(email: string, ip: string): Promise<string> {
  const before = (await listDevMessages(t.app.ctx.db)).length;
  const page = await new TestClient(t.app, ip).submit('/reset-password', { email });
  expect(page.status).toBe(200);
  for (let i = 0; i < 200; i++) {
    // Wait until the outbox is empty too: mails asked for earlier (an attacker's) may still be on their way,
    // and only this request's mail, the newest reset mail, carries a live link (the lockout notices have none).
    const delivered = (await pendingMailCount(t.app.ctx.db)) === 0;
    const link = delivered ? newResetLinkIn(await listDevMessages(t.app.ctx.db), before, email) : undefined;
    if (link) return link;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the reset mail never arrived');
}

describe('the 100-failure cap (NIST SP 800-63B §5.2.2) and the way out', () => {
  it('after 100 consecutive failures the account stays locked however long one waits, and counts no further', async () => {
    const user = await createUser(t.app);
    const ip = freshIp();
    for (let n = 1; n <= MAX_CONSECUTIVE_FAILURES; n++) {
      await attempt(user.username, `guess ${n}`, ip);
      // The first lockouts are waited out, so those guesses are checked; after that, refused tries count as well.
      const status = await lockStatus(user.id);
      if (n <= 12 && !status.ok && status.retryAfterMs !== null) time.advance(status.retryAfterMs + seconds(1));
      // The owner hears of the lockout once, when it starts, not at each of the failures that prolong it.
      if (n === 30) expect((await lockoutMails(user.email, 1)).map((m) => m.text_body)).toEqual([expect.stringContaining('sign-in to it is paused for 1 minute')]);
    }
    expect(await failures(user.id)).toBe(MAX_CONSECUTIVE_FAILURES);
    // ...and once more when it becomes the lock that only a reset lifts: two mails for a hundred failures.
    const told = await lockoutMails(user.email, 2);
    expect(told).toHaveLength(2);
    expect(told[0]!.text_body).toContain('paused until its password is reset');
    expect(told[0]!.text_body).toMatch(/\/wasnt-me\/[A-Za-z0-9_-]{43}/);
    expect(await lockStatus(user.id)).toEqual({ ok: false, retryAfterMs: null });

    time.advance(hours(48));
    const right = await attempt(user.username, user.password, freshIp());
    expect(responseStartsSession(right)).toBe(false);
    expect(right.status).toBe(429);
    expect(right.body).toMatch(PAUSED_UNTIL_RESET);
    expect(right.headers['retry-after']).toBeUndefined();
    await attempt(user.username, 'one more guess', freshIp());
    expect(await failures(user.id)).toBe(MAX_CONSECUTIVE_FAILURES);

    // The owner resets the password by email; that ends the lockout.
    const link = await requestResetLink(user.email, freshIp());
    const owner = new TestClient(t.app, freshIp());
    const newPassword = 'violet submarine orchestra lantern';
    const done = await owner.submit(link, { password: newPassword, confirm_password: newPassword });
    expect(done.location).toBe('/login');
    expect(await failures(user.id)).toBe(0);
    expect(responseStartsSession(await signIn(owner, user.username, newPassword))).toBe(true);
  });

  it('wrong codes after the right password lock the codes and tell the owner once, in their language', async () => {
    const phone = '+14155550188';
    const user = await createUser(t.app, { phone });
    await t.app.ctx.db.updateTable('users').set({ locale: 'es' }).where('id', '=', user.id).execute();
    const ip = freshIp();
    const client = new TestClient(t.app, ip);
    expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor');
    const wrong = String((Number(await latestDevCode(t.app, phone)) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 1; i < FREE_CONSECUTIVE_FAILURES; i++) expect((await client.submit('/login/two-factor', { code: wrong })).status).toBe(422);
    // The 5th ends the pending sign-in (5 per sign-in) and locks the account's codes (5 in a row).
    expect((await client.submit('/login/two-factor', { code: wrong })).location).toBe('/login');
    expect((await t.app.ctx.limits.code.status(accountKey(user.id))).ok).toBe(false);
    await lockoutMails(user.email, 0);
    const mails = (await listDevMessages(t.app.ctx.db)).filter((m) => m.recipient === user.email && m.subject === 'El inicio de sesión en tu cuenta de Gatehouse está en pausa');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text_body).toContain('escribió bien tu contraseña de Gatehouse y después varios códigos');
  });

  it("an attacker who locks the account and floods \"forgot password\" cannot stop the owner's reset", async () => {
    const user = await createUser(t.app);
    const attackerIp = freshIp();
    for (let i = 0; i < 6; i++) await attempt(user.username, `guess ${i}`, attackerIp);
    expect((await lockStatus(user.id)).ok).toBe(false);
    // The attacker asks for reset mails for the victim until refused.
    let refused: Page | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const page = await new TestClient(t.app, attackerIp).submit('/reset-password', { email: user.email });
      if (page.status === 429) refused = page;
    }
    expect(refused?.body).toMatch(/Too many reset requests from your network\. Try again in \d+ minutes?\./);

    // The owner, from their own network, still gets a link; using it ends the lockout at once.
    const ownerIp = freshIp();
    const link = await requestResetLink(user.email, ownerIp);
    const owner = new TestClient(t.app, ownerIp);
    const newPassword = 'marmalade telescope quietly humming';
    expect((await owner.submit(link, { password: newPassword, confirm_password: newPassword })).location).toBe('/login');
    expect((await lockStatus(user.id)).ok).toBe(true);
    expect(responseStartsSession(await signIn(owner, user.username, newPassword))).toBe(true);
  });
});
