/**
 * The admin CLI's commands (src/admin/commands.ts), called in-process on a real
 * SQLite file and a real PostgreSQL schema: what each prints, what it refuses,
 * and what it writes. The process around them (argv, stdin, exit codes) is
 * tested once, end to end, in cli.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely, KyselyPlugin } from 'kysely';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { PwnedPasswordsRangeApi } from '../../src/adapters/pwned-passwords/range-api.js';
import { ADMIN_USER_AGENT, createUser, listUsers, resetFactors, showUser, type AdminContext } from '../../src/admin/commands.js';
import { verifyPassword } from '../../src/auth/password.js';
import { maskPhone } from '../../src/auth/two-factor.js';
import { loadConfig } from '../../src/config.js';
import { factorsOf, hasSecondFactor } from '../../src/auth/factors.js';
import { setEmailCodesEnabled } from '../../src/db/email-codes.js';
import { confirmTotpFactor, countUnusedRecoveryCodes, findTotpFactor, replaceRecoveryCodes, startTotpEnrollment, useRecoveryCode } from '../../src/db/factors.js';
import { MailSeal } from '../../src/db/mail-outbox.js';
import { insertPasskey } from '../../src/db/passkeys.js';
import type { Database, User } from '../../src/db/schema.js';
import { recordSecurityEvent } from '../../src/db/security-events.js';
import { insertSession } from '../../src/db/sessions.js';
import { insertTrustedDevice, trustedDevicesOfUser } from '../../src/db/trusted-devices.js';
import { enableTwoFactor, findUserById, findUserByUsername } from '../../src/db/users.js';
import { days, hours, ManualClock } from '../../src/lib/duration.js';
import { exactUtc } from '../../src/lib/relative-time.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';
import { productionHashCost } from '../support/hash-cost.js';
import { PwnedPasswordsStandIn } from '../support/pwned-passwords-stand-in.js';

const T0 = Date.UTC(2026, 2, 10, 12, 0);
const PHONE = '+14155552671';
const APP_URL = 'https://auth.example.com';

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'admin-test-secret-key-that-is-long-enough', APP_URL }, { envFile: null, dataDir });

const newUser = { username: 'grace.h', email: 'Grace@Example.com', firstName: 'Grace', lastName: 'Hopper', password: 'compiler nanosecond cobol' };

describe.each(forEachDatabase())('admin commands on $name', (target) => {
  const handle = useDatabase(target);

  /** A context on this database whose output is kept in `lines`; the clock stands at T0. */
  function admin(options: { db?: Kysely<Database>; pwnedPasswords?: AdminContext['pwnedPasswords'] } = {}) {
    const lines: string[] = [];
    const ctx: AdminContext = {
      db: options.db ?? handle().db,
      config,
      clock: new ManualClock(T0),
      pwnedPasswords: options.pwnedPasswords ?? pwnedPasswordsOff,
      output: { out: (line) => lines.push(line) },
    };
    return { ctx, lines, text: () => lines.join('\n') };
  }

  const userCount = async () => Number((await handle().db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
  const mailOf = (to: string) => handle().db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).execute();
  const eventsOf = (userId: number) => handle().db.selectFrom('security_events').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  const sessionsOf = (userId: number) => handle().db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();

  /** A user with every factor: a confirmed app, SMS, 3 recovery codes (1 used), and two sessions. */
  async function userWithEverything(spec: { username?: string } = {}): Promise<User> {
    const { db } = handle();
    const user = await insertTestUser(db, { username: spec.username, now: T0 - days(30) });
    await startTotpEnrollment(db, user.id, 'sealed-key', T0 - days(2));
    await confirmTotpFactor(db, user.id, 1000, T0 - days(2));
    await enableTwoFactor(db, user.id, PHONE);
    await db.transaction().execute((trx) => replaceRecoveryCodes(trx, user.id, ['h1', 'h2', 'h3'], T0 - days(2)));
    await useRecoveryCode(db, user.id, 'h1', T0 - days(1));
    await insertTrustedDevice(db, { tokenHash: `device-${user.id}`, userId: user.id, name: 'Firefox on Linux', now: T0 - days(1), ip: null, expiresAt: T0 + days(29) });
    for (const id of ['a', 'b']) {
      await insertSession(db, {
        id: `${id}-${user.id}`,
        userId: user.id,
        twoFactorPending: id === 'b',
        remember: false,
        nextPath: null,
        now: T0 - hours(1),
        expiresAt: T0 + hours(1),
        csrfSecret: 'csrf',
        authenticatedAt: T0 - hours(1),
      });
    }
    return (await findUserById(db, user.id))!;
  }

  describe('create-user', () => {
    productionHashCost();
    it('creates an unconfirmed account whose password verifies, and prints its id', async () => {
      const { ctx, text } = admin();
      const result = await createUser(ctx, newUser);
      expect(result.ok).toBe(true);
      const user = await findUserByUsername(handle().db, 'GRACE.H');
      expect(result).toEqual({ ok: true, userId: user!.id });
      expect(text()).toContain(`Created user grace.h with id ${user!.id}.`);
      expect(user).toMatchObject({ email: 'Grace@Example.com', email_normalized: 'grace@example.com', first_name: 'Grace', last_name: 'Hopper', created_at: T0, email_confirmed_at: null });
      expect(user!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await verifyPassword(user!.password_hash, newUser.password)).toBe(true);
      expect(await verifyPassword(user!.password_hash, 'compiler nanosecond cobol!')).toBe(false);
    });

    it("refuses a password the registration form refuses, saying why, and creates nothing", async () => {
      for (const [password, why] of [
        ['short one', 'at least 15 characters'],
        ['PasswordPassword', 'most common passwords'],
        ['grace.h likes compilers', 'must not contain your username'],
        ['gatehouse is my home', 'must not contain "Gatehouse"'],
      ] as const) {
        const { ctx, lines } = admin();
        const result = await createUser(ctx, { ...newUser, password });
        expect(result.ok, password).toBe(false);
        if (!result.ok) expect(result.problem).toContain(why);
        expect(lines).toEqual([]);
      }
      const { ctx } = admin();
      const bad = await createUser(ctx, { ...newUser, username: 'x', email: 'not-an-address', firstName: ' ' });
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(bad.problem).toContain('--username: Use 3 to 32 characters');
        expect(bad.problem).toContain('--email: Enter an email address');
        expect(bad.problem).toContain('--first-name: Enter your first name.');
      }
      expect(await userCount()).toBe(0);
    });

    it('refuses a taken username (in any case) and an address that already has an account', async () => {
      const { db } = handle();
      await insertTestUser(db, { username: 'Grace.H', email: 'someone@example.com' });
      await insertTestUser(db, { username: 'someone', email: 'grace@example.com' });
      const { ctx } = admin();
      expect(await createUser(ctx, newUser)).toEqual({ ok: false, problem: 'That username is taken.' });
      expect(await createUser(ctx, { ...newUser, username: 'grace2' })).toEqual({ ok: false, problem: 'That email address already has an account.' });
      expect(await userCount()).toBe(2);
    });

    it('refuses a breached password when PWNED_PASSWORDS_CHECK is on, as registration does', async () => {
      const standIn = await PwnedPasswordsStandIn.start();
      try {
        standIn.breach(newUser.password, 42);
        const pwned = new PwnedPasswordsRangeApi({ apiUrl: standIn.url }, pino({ level: 'silent' }));
        const { ctx } = admin({ pwnedPasswords: pwned });
        const result = await createUser(ctx, newUser);
        expect(result).toEqual({ ok: false, problem: expect.stringContaining('appeared in a data breach') as string });
        expect(await userCount()).toBe(0);
        expect((await createUser(ctx, { ...newUser, password: 'a different long passphrase' })).ok).toBe(true);
      } finally {
        await standIn.close();
      }
    });
  });

  describe('list-users', () => {
    it('lists users newest first with their 2FA state, up to the limit, and finds them by username or email in any case', async () => {
      const { db } = handle();
      const old = await insertTestUser(db, { username: 'old_timer', email: 'old@corp.example', now: T0 - days(3) });
      const sms = await insertTestUser(db, { username: 'texter', email: 'Tex@Example.com', now: T0 - days(2) });
      await enableTwoFactor(db, sms.id, PHONE);
      const app = await insertTestUser(db, { username: 'app_user', email: 'app@example.com', now: T0 - days(1) });
      await startTotpEnrollment(db, app.id, 'sealed', T0);
      await confirmTotpFactor(db, app.id, 1, T0);
      const half = await insertTestUser(db, { username: 'half_set_up', email: 'half@example.com', now: T0 });
      await startTotpEnrollment(db, half.id, 'sealed', T0); // never confirmed: not a factor

      const all = admin();
      expect(await listUsers(all.ctx, { limit: 50, search: null })).toEqual({ ok: true });
      const rows = all.lines.map((line) => line.split(/ {2,}/));
      expect(rows).toEqual([
        ['id', 'username', 'email', 'created', '2FA'],
        [String(half.id), 'half_set_up', 'half@example.com', exactUtc(T0), 'off'],
        [String(app.id), 'app_user', 'app@example.com', exactUtc(T0 - days(1)), 'on'],
        [String(sms.id), 'texter', 'Tex@Example.com', exactUtc(T0 - days(2)), 'on'],
        [String(old.id), 'old_timer', 'old@corp.example', exactUtc(T0 - days(3)), 'off'],
      ]);
      // Columns line up under their headings.
      expect(new Set(all.lines.map((line, i) => line.indexOf(i === 0 ? 'created' : '2026-')))).toEqual(new Set([all.lines[0]!.indexOf('created')]));

      const two = admin();
      await listUsers(two.ctx, { limit: 2, search: null });
      expect(two.lines.slice(1, -1).map((l) => l.split(/\s+/)[1])).toEqual(['half_set_up', 'app_user']);
      expect(two.lines.at(-1)).toBe('(the newest 2; there are more: use --limit or --search)');

      const found = async (search: string) => {
        const run = admin();
        await listUsers(run.ctx, { limit: 50, search });
        return run.lines.slice(1).map((l) => l.split(/\s+/)[1]);
      };
      expect(await found('TEX@example')).toEqual(['texter']);
      expect(await found('CORP')).toEqual(['old_timer']);
      expect(await found('_')).toEqual(['half_set_up', 'app_user', 'old_timer']); // "_" is a character, not a wildcard
      expect(await found('%')).toEqual([]);
      const none = admin();
      await listUsers(none.ctx, { limit: 50, search: 'nobody' });
      expect(none.lines).toEqual(['No user\'s username or email contains "nobody".']);
    });
  });

  describe('list-users and the two-factor rule', () => {
    it('a passkey alone is two-factor on, as on the security page; recovery codes, email codes or a half-set-up app alone are not', async () => {
      const { db } = handle();
      const passkeyOnly = await insertTestUser(db, { username: 'key_only', email: 'key-only@rule.example', now: T0 - days(1) });
      await insertPasskey(db, { id: 'cred-key-only', userId: passkeyOnly.id, publicKey: 'pk', counter: 0, transports: ['usb'], backedUp: false, name: 'YubiKey', now: T0 });
      const codesOnly = await insertTestUser(db, { username: 'codes_only', email: 'codes-only@rule.example', now: T0 - days(2) });
      await db.transaction().execute((trx) => replaceRecoveryCodes(trx, codesOnly.id, ['h1'], T0));
      await setEmailCodesEnabled(db, codesOnly.id, true);

      const { ctx, lines } = admin();
      await listUsers(ctx, { limit: 50, search: 'rule.example' });
      expect(lines.slice(1).map((line) => line.split(/ {2,}/).filter(Boolean).map((cell) => cell.trim()))).toEqual([
        [String(passkeyOnly.id), 'key_only', 'key-only@rule.example', exactUtc(T0 - days(1)), 'on'],
        [String(codesOnly.id), 'codes_only', 'codes-only@rule.example', exactUtc(T0 - days(2)), 'off'],
      ]);
      // The same answer as the rule the pages use (src/auth/factors.ts).
      for (const user of [passkeyOnly, codesOnly]) {
        expect(hasSecondFactor(await factorsOf(db, (await findUserById(db, user.id))!))).toBe(user === passkeyOnly);
      }
    });
  });

  describe('show-user', () => {
    it("shows the user's details, factors (phone masked) and the last 90 days of events, by username or email", async () => {
      const { db } = handle();
      const user = await userWithEverything({ username: 'lin' });
      await db.updateTable('users').set({ first_name: 'Evil\u001b]0;owned\u0007', last_name: 'Name\u202E' }).where('id', '=', user.id).execute();
      await recordSecurityEvent(db, { userId: user.id, kind: 'sign_in', now: T0 - days(100), ip: '198.51.100.9', userAgent: null });
      await recordSecurityEvent(db, { userId: user.id, kind: 'sign_in', now: T0 - hours(3), ip: '192.0.2.7', userAgent: 'Firefox' });
      await recordSecurityEvent(db, { userId: user.id, kind: 'totp_enabled', now: T0 - hours(2), ip: '2001:db8::1', userAgent: 'Firefox' });

      const { ctx, lines, text } = admin();
      expect(await showUser(ctx, 'LIN@example.com')).toEqual({ ok: true });
      expect(lines[0]).toBe(`User ${user.id}: lin`);
      expect(text()).toContain('lin@example.com (not confirmed)');
      expect(text()).toMatch(/authenticator app +yes/);
      expect(text()).toMatch(new RegExp(`text-message codes +${maskPhone(PHONE).replace(/[+]/g, '\\+')}$`, 'm'));
      expect(maskPhone(PHONE)).not.toContain('555');
      expect(text()).not.toContain('5552671');
      expect(text()).toMatch(/recovery codes +2 unused/);
      const events = lines.slice(lines.findIndex((l) => l.startsWith('Security events')) + 2);
      expect(events).toEqual([
        expect.stringMatching(new RegExp(`^  ${exactUtc(T0 - hours(2))} +Authenticator app added +2001:db8::1$`)),
        expect.stringMatching(new RegExp(`^  ${exactUtc(T0 - hours(3))} +Signed in +192\\.0\\.2\\.7$`)),
      ]);
      expect(text()).not.toContain('198.51.100.9'); // older than 90 days
      // Names are attacker-chosen: no escape sequence or bidi override reaches the terminal.
      for (const unsafe of ['\u001b', '\u0007', '\u202E']) expect(text()).not.toContain(unsafe);
      expect(text()).toContain('Evil\uFFFD]0;owned\uFFFD Name\uFFFD');

      const byName = admin();
      await showUser(byName.ctx, 'Lin');
      expect(byName.lines).toEqual(lines);
    });

    it('says when a user has no factors or events, and refuses an unknown user', async () => {
      const user = await insertTestUser(handle().db, { username: 'plain' });
      const { ctx, text } = admin();
      await showUser(ctx, 'plain');
      expect(text()).toMatch(/authenticator app +no/);
      expect(text()).toMatch(/text-message codes +off/);
      expect(text()).toMatch(/recovery codes +0 unused/);
      expect(text()).toContain('Security events, last 90 days, newest first\n  (none)');
      expect(await eventsOf(user.id)).toEqual([]);
      expect(await showUser(admin().ctx, 'nobody@example.com')).toEqual({ ok: false, problem: 'No user has the username or email address "nobody@example.com".' });
    });
  });

  describe('reset-factors', () => {
    it('without --yes says what it would do, refuses, and changes nothing', async () => {
      const user = await userWithEverything();
      const { ctx, text } = admin();
      const result = await resetFactors(ctx, user.username, { confirmed: false });
      expect(result).toEqual({ ok: false, problem: 'Nothing was changed. Run it again with --yes to do it.' });
      expect(text()).toContain('remove the authenticator app');
      expect(text()).toContain(`turn off text-message codes to ${maskPhone(PHONE)}`);
      expect(text()).toContain('delete the recovery codes (2 unused)');
      expect(text()).toContain('sign out 2 sessions');

      expect(await findTotpFactor(handle().db, user.id)).toBeDefined();
      expect(await findUserById(handle().db, user.id)).toMatchObject({ phone: PHONE, two_factor_enabled: 1 });
      expect(await countUnusedRecoveryCodes(handle().db, user.id)).toBe(2);
      expect(await sessionsOf(user.id)).toHaveLength(2);
      expect(await eventsOf(user.id)).toEqual([]);
      expect(await mailOf(user.email)).toEqual([]);
    });

    it('with --yes removes the app, SMS, recovery codes and sessions, records the event and queues one notice, touching no one else', async () => {
      const user = await userWithEverything();
      const bystander = await userWithEverything();
      const { ctx, text } = admin();
      expect(await resetFactors(ctx, user.email.toUpperCase(), { confirmed: true })).toEqual({ ok: true });

      const { db } = handle();
      expect(await findTotpFactor(db, user.id)).toBeUndefined();
      expect(await findUserById(db, user.id)).toMatchObject({ phone: null, two_factor_enabled: 0 });
      expect(await db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute()).toEqual([]);
      expect(await sessionsOf(user.id)).toEqual([]);
      expect(await trustedDevicesOfUser(db, user.id, T0)).toEqual([]);
      expect(await trustedDevicesOfUser(db, bystander.id, T0)).toHaveLength(1);
      expect(await eventsOf(user.id)).toEqual([
        expect.objectContaining({ kind: 'factors_reset_by_admin', created_at: T0, ip: null, user_agent: ADMIN_USER_AGENT }),
      ]);
      const mail = await mailOf(user.email);
      expect(mail).toHaveLength(1);
      expect(mail[0]).toMatchObject({ kind: 'factors_reset', user_id: user.id, sent_at: null, created_at: T0, next_attempt_at: T0 });
      // Sealed, as the server seals it: the server's worker opens it with the same SECRET_KEY.
      const notice = new MailSeal(config.secretKey).open(mail[0]!.content!)!.message;
      expect(notice.subject).toBe('Your two-factor sign-in was reset');
      expect(notice.text).toContain(exactUtc(T0));
      expect(notice.text).toContain(`${APP_URL}/security`);
      expect(notice.text).toContain(`${APP_URL}/reset-password`);
      expect(await db.selectFrom('mail_outbox').select('id').execute()).toHaveLength(1);
      expect(text()).toContain('the notice is queued; a running Gatehouse delivers it');
      expect(text()).toContain('signed out 2 sessions');

      expect(await findTotpFactor(db, bystander.id)).toBeDefined();
      expect(await findUserById(db, bystander.id)).toMatchObject({ phone: PHONE, two_factor_enabled: 1 });
      expect(await countUnusedRecoveryCodes(db, bystander.id)).toBe(2);
      expect(await sessionsOf(bystander.id)).toHaveLength(2);

      // Done once: a second run has nothing left to reset and mails nothing more.
      const again = await resetFactors(admin().ctx, user.username, { confirmed: true });
      expect(again.ok).toBe(false);
      if (!again.ok) expect(again.problem).toContain('nothing to reset');
      expect(await mailOf(user.email)).toHaveLength(1);
    });

    it('is one transaction: when the notice cannot be queued, nothing is removed', async () => {
      const user = await userWithEverything();
      // A fault at the database layer: every INSERT into mail_outbox fails, as a full disk would.
      const failingOutbox: KyselyPlugin = {
        transformQuery: ({ node }) => {
          if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'mail_outbox') throw new Error('injected: outbox write failed');
          return node;
        },
        transformResult: async ({ result }) => result,
      };
      const { ctx } = admin({ db: handle().db.withPlugin(failingOutbox) });
      await expect(resetFactors(ctx, user.username, { confirmed: true })).rejects.toThrow('injected: outbox write failed');
      const { db } = handle();
      expect(await findTotpFactor(db, user.id)).toBeDefined();
      expect(await findUserById(db, user.id)).toMatchObject({ phone: PHONE, two_factor_enabled: 1 });
      expect(await countUnusedRecoveryCodes(db, user.id)).toBe(2);
      expect(await sessionsOf(user.id)).toHaveLength(2);
      expect(await eventsOf(user.id)).toEqual([]);
    });

    it('refuses an unknown user, and a user with nothing to reset', async () => {
      const plain = await insertTestUser(handle().db, { username: 'no_factors' });
      expect(await resetFactors(admin().ctx, 'ghost', { confirmed: true })).toEqual({ ok: false, problem: 'No user has the username or email address "ghost".' });
      const result = await resetFactors(admin().ctx, 'no_factors', { confirmed: true });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problem).toContain('nothing to reset');
      expect(await eventsOf(plain.id)).toEqual([]);
      expect(await mailOf(plain.email)).toEqual([]);
    });
  });
});

