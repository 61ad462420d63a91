/**
 * Fault: the server process is killed (kill -9: power cut, OOM killer, a
 * container stopped hard) while people register, reset their password and turn
 * on two-factor. Requirement (issue 3, "Faults: clear errors, nothing lost"):
 * afterwards the data is either all before or all after each flow — one
 * transaction per flow. Checked on the database file the killed process left:
 *
 * - every user row is complete (names as sent, normalised forms that match, a
 *   real argon2id hash), and a registered account has its confirmation link;
 * - a reset or confirmation token exists only with its mail, queued (sealed)
 *   or delivered to the dev outbox (the mail holds the very token whose hash is
 *   stored);
 * - a password changed by a reset link has its token used up and every one of
 *   that user's sessions ended;
 * - two-factor is on only with a phone (and a phone is kept only with it on),
 *   and no enrolment is half-applied (started without its code's send time, or
 *   2FA on while its enrolment is still open).
 *
 * The real server runs as a child process (`node --import tsx src/server.ts`) on
 * an SQLite file; each round starts it, fires a burst of those flows over HTTP,
 * and SIGKILLs it at a different moment. A last run checks the app still works
 * on the file afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { openDatabase } from '../../src/db/database.js';
import { MailSeal } from '../../src/db/mail-outbox.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { normalizeEmail, normalizeUsername } from '../../src/db/users.js';
import { TEST_SECRET } from '../support/app.js';
import { freePort } from '../support/net.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** Passes the password rules being added (long, no account words, not common). */
const USER_PASSWORD = 'quartz lantern meadow 4821 drift';
const NEW_PASSWORD = 'copper heron whistles 7305 at dusk';
/**
 * When each round's kill lands: as soon as the database shows the flows have got that far, so the
 * kill falls among the writes whatever the machine's speed. Each round costs a server start.
 */
const KILL_WHEN: { label: string; reached: (db: SQLite.Database, round: number, users: RoundUsers, passwordHash: string) => boolean }[] = [
  { label: 'the first account is written', reached: (db, round) => count(db, `select count(*) as n from users where username like 'k9_r${round}_%'`) > 0 },
  { label: 'the first reset link is written', reached: (db, _round, users) => count(db, `select count(*) as n from password_reset_tokens where user_id in (${ids(users.reset)})`) > 0 },
  {
    label: 'the first phone enrolment is started',
    reached: (db, _round, users) => count(db, `select count(*) as n from phone_enrollments where user_id in (${ids(users.twoFactor)})`) + count(db, `select count(*) as n from users where two_factor_enabled = 1 and id in (${ids(users.twoFactor)})`) > 0,
  },
  { label: 'the first password is changed', reached: (db, _round, users, hash) => count(db, `select count(*) as n from users where password_hash <> '${hash}' and id in (${ids(users.reset)})`) > 0 },
];
const count = (db: SQLite.Database, query: string) => (db.prepare(query).get() as { n: number }).n;
const SEAL = new MailSeal(TEST_SECRET);

/** The text of every mail (to `to`, or to anyone) still queued — opened, since it is sealed — or delivered to the dev outbox. */
function mailTexts(db: SQLite.Database, to?: string): string[] {
  const queued = db.prepare('select to_address as recipient, content from mail_outbox where content is not null').all() as { recipient: string; content: string }[];
  const delivered = db.prepare("select recipient, text_body from dev_outbox where kind = 'email'").all() as { recipient: string; text_body: string }[];
  return [
    ...queued.filter((m) => to === undefined || m.recipient === to).map((m) => SEAL.open(m.content)?.message.text ?? ''),
    ...delivered.filter((m) => to === undefined || m.recipient === to).map((m) => m.text_body),
  ];
}
const ids = (users: { id: number }[]) => users.map((u) => u.id).join(', ');
const USERS_PER_FLOW = 3;
const REGISTRATIONS_PER_ROUND = 6;

let dir: string;
let dbPath: string;

// ---------------------------------------------------------------------------
// The server as a child process

interface Server {
  child: ChildProcess;
  origin: string;
  exited: Promise<void>;
}

async function startServer(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `sqlite:${dbPath}`, PORT: String(port), NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const origin = `http://127.0.0.1:${port}`;
  const began = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} during start:\n${stderr}`);
    try {
      if ((await fetch(`${origin}/login`)).status === 200) return { child, origin, exited };
    } catch {
      // not listening yet
    }
    if (Date.now() - began > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer within 20 s:\n${stderr}`);
    }
    await sleep(25);
  }
}

async function killHard(server: Server): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// A browser over fetch: keeps cookies, fills in a page's form

class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; body: string; location: string | null }> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(this.origin + path, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined, redirect: 'manual' });
    for (const raw of res.headers.getSetCookie()) {
      const [pair] = raw.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(raw)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, body: await res.text(), location: res.headers.get('location') };
  }

  /** GET `path` (following redirects), then POST `fields` with the page's CSRF token to its form (the first whose action matches). */
  async submit(path: string, fields: Record<string, string>, actionMatch?: RegExp) {
    let page = await this.request('GET', path);
    for (let hops = 0; page.location && hops < 5; hops++) page = await this.request('GET', page.location);
    const forms = [...page.body.matchAll(/<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((f) => (actionMatch ? actionMatch.test(f[1]!) : f[1] === path.split('?')[0])) ?? forms.find((f) => !/logout/.test(f[1]!));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form?.[2] ?? page.body)?.[1];
    if (!form || !csrf) throw new Error(`no form on ${path} (status ${page.status})`);
    return this.request('POST', form[1]!.replace(/&amp;/g, '&'), { _csrf: csrf, ...fields });
  }
}

// ---------------------------------------------------------------------------
// The database, read by the test

function openFile(): SQLite.Database {
  const db = new SQLite(dbPath);
  db.pragma('busy_timeout = 5000');
  return db;
}

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

function hasTable(db: SQLite.Database, name: string): boolean {
  return db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined;
}

interface Expectations {
  /** Accounts the register flow may have created: username → what was sent. */
  registered: Map<string, { first_name: string; last_name: string; email: string }>;
  /** Users whose password a reset link may have changed: id → their hash before. */
  resetUsers: Map<number, string>;
}

/** Every broken invariant, as a readable line; [] when the file is consistent. */
export function violations(db: SQLite.Database, expected: Expectations): string[] {
  const found: string[] = [];
  const users = db.prepare('select * from users').all() as Record<string, unknown>[];
  const confirmations = hasTable(db, 'email_confirmation_tokens');

  // Tokens that a queued mail actually carries (links end in a 43-character base64url token).
  const mailedTokenHashes = new Set<string>();
  for (const text of mailTexts(db)) {
    for (const m of text.matchAll(/\/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g)) mailedTokenHashes.add(sha256(m[1]!));
  }

  for (const u of users) {
    const who = `user ${String(u.username)}`;
    if (u.username_normalized !== normalizeUsername(String(u.username))) found.push(`${who}: username_normalized does not match`);
    if (u.email_normalized !== normalizeEmail(String(u.email))) found.push(`${who}: email_normalized does not match`);
    if (!/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(String(u.password_hash))) found.push(`${who}: password_hash is not an argon2id hash`);
    if (!u.first_name || !u.last_name || !u.email) found.push(`${who}: a required field is empty`);
    const sent = expected.registered.get(String(u.username));
    if (sent) {
      if (u.first_name !== sent.first_name || u.last_name !== sent.last_name || u.email !== sent.email) found.push(`${who}: fields differ from the form`);
      if (confirmations && db.prepare('select 1 from email_confirmation_tokens where user_id = ?').get(u.id) === undefined && !u.email_confirmed_at) {
        found.push(`${who}: registered without its confirmation link`);
      }
    }
    // Two-factor on ⇔ a phone.
    if ((u.two_factor_enabled === 1) !== (u.phone !== null)) found.push(`${who}: two_factor_enabled=${String(u.two_factor_enabled)} with phone ${String(u.phone)}`);
    if (u.two_factor_enabled === 1 && db.prepare('select 1 from phone_enrollments where user_id = ? and phone = ?').get(u.id, u.phone) !== undefined) {
      found.push(`${who}: two-factor is on and its enrolment is still open (half-applied)`);
    }
    const before = expected.resetUsers.get(Number(u.id));
    if (before !== undefined && u.password_hash !== before) {
      if (db.prepare('select 1 from password_reset_tokens where user_id = ?').get(u.id) !== undefined) found.push(`${who}: password changed but the reset token is still live`);
      if (db.prepare('select 1 from sessions where user_id = ?').get(u.id) !== undefined) found.push(`${who}: password changed by reset but old sessions survive`);
    }
  }

  for (const table of ['password_reset_tokens', ...(confirmations ? ['email_confirmation_tokens'] : [])]) {
    for (const row of db.prepare(`select token_hash, user_id from ${table}`).all() as { token_hash: string; user_id: number }[]) {
      if (!mailedTokenHashes.has(row.token_hash)) found.push(`${table}: a token of user ${row.user_id} without the mail that carries it`);
    }
  }
  for (const e of db.prepare('select e.user_id from phone_enrollments e left join users u on u.id = e.user_id where u.id is null').all() as { user_id: number }[]) {
    found.push(`phone_enrollments: enrolment of missing user ${e.user_id}`);
  }
  // An enrolment is started when its code has gone out: the row and its send time are one write.
  for (const e of db.prepare('select user_id from phone_enrollments where code_sent_at is null').all() as { user_id: number }[]) {
    found.push(`phone_enrollments: enrolment of user ${e.user_id} without its code-sent time (half-applied start)`);
  }
  return found;
}

// ---------------------------------------------------------------------------
// The flows

interface RoundUsers {
  reset: { id: number; username: string; email: string }[];
  twoFactor: { id: number; username: string; phone: string }[];
}

let userSeq = 0;
function insertUsers(db: SQLite.Database, passwordHash: string, count: number): { id: number; username: string; email: string }[] {
  const now = Date.now();
  const insert = db.prepare(`insert into users (username, username_normalized, email, email_normalized, first_name, last_name, password_hash,
    about_me, phone, two_factor_enabled, created_at, last_seen_at) values (?, ?, ?, ?, 'Kill', 'Nine', ?, '', null, 0, ?, ?)`);
  return Array.from({ length: count }, () => {
    const username = `k9_user${++userSeq}`;
    const email = `${username}@example.com`;
    const { lastInsertRowid } = insert.run(username, normalizeUsername(username), email, normalizeEmail(email), passwordHash, now, now);
    return { id: Number(lastInsertRowid), username, email };
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined, isDead: () => boolean, ms = 10_000): Promise<T> {
  const began = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (isDead() || Date.now() - began > ms) throw new Error(`gave up waiting for ${what}`);
    await sleep(15);
  }
}

/** Runs every flow once for the round's users; resolves when all have finished or failed (the server died). */
function burst(origin: string, round: number, users: RoundUsers, expected: Expectations, reader: SQLite.Database, isDead: () => boolean) {
  const flows: Promise<unknown>[] = [];
  for (let i = 0; i < REGISTRATIONS_PER_ROUND; i++) {
    const form = { first_name: `Reg${round}`, last_name: `Number${i}`, username: `k9_r${round}_${i}`, email: `k9.r${round}.${i}@example.com` };
    expected.registered.set(form.username, form);
    flows.push(new Browser(origin).submit('/register', { ...form, password: NEW_PASSWORD, confirm_password: NEW_PASSWORD }));
  }
  for (const user of users.reset) {
    flows.push(
      (async () => {
        const b = new Browser(origin);
        // Signed in first: the reset must end this session together with changing the password.
        await b.submit('/login', { login: user.username, password: USER_PASSWORD });
        await new Browser(origin).submit('/reset-password', { email: user.email });
        const token = await waitFor(`the reset mail to ${user.email}`, () => {
          return mailTexts(reader, user.email).map((text) => /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(text)?.[1]).find(Boolean);
        }, isDead);
        await new Browser(origin).submit(`/reset-password/${token}`, { password: NEW_PASSWORD, confirm_password: NEW_PASSWORD }, /reset-password/);
      })(),
    );
  }
  for (const user of users.twoFactor) {
    flows.push(
      (async () => {
        const b = new Browser(origin);
        await b.submit('/login', { login: user.username, password: USER_PASSWORD });
        await b.submit('/two-factor/sms/enable', { phone: user.phone, channel: 'sms', password: USER_PASSWORD }, /two-factor\/sms\/enable/);
        const code = await waitFor(`the code sent to ${user.phone}`, () => {
          const row = reader.prepare("select text_body from dev_outbox where recipient = ? and kind = 'sms' order by id desc").get(user.phone) as { text_body: string } | undefined;
          return row ? /\b(\d{6})\b/.exec(row.text_body)?.[1] : undefined;
        }, isDead);
        await b.submit('/two-factor/sms/confirm', { code }, /two-factor\/sms\/confirm/);
      })(),
    );
  }
  return Promise.allSettled(flows);
}

// ---------------------------------------------------------------------------

describe('kill -9 during registration, password reset and turning on two-factor', () => {
  let passwordHash: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-kill9-'));
    dbPath = join(dir, 'gatehouse.db');
    const handle = openDatabase(`sqlite:${dbPath}`);
    await migrateToLatest(handle);
    await handle.destroy();
    passwordHash = await hashPassword(USER_PASSWORD);
  });

  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) await killHard(s);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the invariant check catches each kind of half-written flow', () => {
    const db = openFile();
    try {
      db.exec('begin');
      const [a, b, c] = insertUsers(db, passwordHash, 3);
      db.prepare("insert into password_reset_tokens (token_hash, user_id, created_at, expires_at) values (?, ?, 0, 1)").run(sha256('x'.repeat(43)), a!.id);
      db.prepare("update users set two_factor_enabled = 1 where id = ?").run(b!.id);
      db.prepare("update users set phone = '+12015550999', two_factor_enabled = 1 where id = ?").run(c!.id);
      db.prepare("insert into phone_enrollments (user_id, phone, code_sent_at, failed_code_attempts, created_at) values (?, '+12015550999', 0, 0, 0)").run(c!.id);
      db.prepare("update users set password_hash = 'plain' where id = ?").run(a!.id);
      db.prepare('insert into phone_enrollments (user_id, phone, code_sent_at, failed_code_attempts, created_at) values (?, ?, null, 0, 0)').run(b!.id, '+12015550998');
      const found = violations(db, { registered: new Map(), resetUsers: new Map() });
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringContaining('password_reset_tokens: a token of user'),
          expect.stringContaining('two_factor_enabled=1 with phone null'),
          expect.stringContaining('half-applied'),
          expect.stringContaining('not an argon2id hash'),
          expect.stringContaining('without its code-sent time'),
        ]),
      );
    } finally {
      db.exec('rollback');
      db.close();
    }
  });

  it('leaves every flow all-before or all-after, at every kill point, and the app runs on afterwards', async () => {
    const expected: Expectations = { registered: new Map(), resetUsers: new Map() };
    const reader = openFile();
    try {
      for (const [round, when] of KILL_WHEN.entries()) {
        const reset = insertUsers(reader, passwordHash, USERS_PER_FLOW);
        for (const u of reset) expected.resetUsers.set(u.id, passwordHash);
        const twoFactor = insertUsers(reader, passwordHash, USERS_PER_FLOW).map((u, i) => ({ ...u, phone: `+1201555${String(700 + round * 10 + i).padStart(4, '0')}` }));

        const server = await startServer();
        servers.push(server);
        let dead = false;
        const flows = burst(server.origin, round, { reset, twoFactor }, expected, reader, () => dead);
        const began = Date.now();
        while (!when.reached(reader, round, { reset, twoFactor }, passwordHash)) {
          if (Date.now() - began > 15_000) throw new Error(`the flows never got as far as "${when.label}"`);
          await sleep(2);
        }
        await killHard(server);
        dead = true;
        await flows;

        expect(violations(reader, expected), `after the kill when ${when.label}`).toEqual([]);
      }

      // The file the kills left behind still serves: one more burst, run to the end this time.
      const server = await startServer();
      servers.push(server);
      const reset = insertUsers(reader, passwordHash, 1);
      for (const u of reset) expected.resetUsers.set(u.id, passwordHash);
      const twoFactor = insertUsers(reader, passwordHash, 1).map((u) => ({ ...u, phone: '+12015550799' }));
      const results = await burst(server.origin, 99, { reset, twoFactor }, expected, reader, () => false);
      await killHard(server);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(violations(reader, expected)).toEqual([]);
      // …and those flows did complete: the guard above is not passing on an empty database.
      const after = reader.prepare('select password_hash, two_factor_enabled from users where id in (?, ?)').all(reset[0]!.id, twoFactor[0]!.id) as { password_hash: string; two_factor_enabled: number }[];
      expect(after.some((u) => u.password_hash !== passwordHash)).toBe(true);
      expect(after.some((u) => u.two_factor_enabled === 1)).toBe(true);
      expect(reader.prepare("select count(*) as n from users where username like 'k9_r99_%'").get()).toEqual({ n: REGISTRATIONS_PER_ROUND });
    } finally {
      reader.close();
    }
  }, 90_000);
});
