/**
 * Builds a Gatehouse app for one test file, on the backend the run asks for:
 *
 * - default (SQLite): its own SQLite file in a temp folder (a copy of the run's
 *   migrated file, test/support/migrated-sqlite.ts), rate limits in this
 *   process's memory;
 * - `GATEHOUSE_TEST_DB=postgres`: its own throw-away PostgreSQL schema
 *   (`gh_test_<random>` in TEST_POSTGRES_URL) and, unless the test sets
 *   REDIS_URL itself, rate limits in Redis (TEST_REDIS_URL, default
 *   redis://127.0.0.1:6379) under a key prefix of its own.
 *
 * close() drops the schema and deletes the prefix's keys, also when the app
 * failed to build. Silent logs; the real adapters run unless the test passes
 * stand-ins. `npm test` runs the whole suite once per backend
 * (test/support/backend-pass.ts).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { buildApp, type BuildOptions, type GatehouseApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { hashPassword, setNewHashCost } from '../../src/auth/password.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { listOutbox, MailSeal, type Mail, type MailKind, type SealedMail } from '../../src/db/mail-outbox.js';
import { enableTwoFactor, insertUser, normalizeEmail, normalizeUsername } from '../../src/db/users.js';
import type { OutboxMail, User } from '../../src/db/schema.js';
import { createPostgresSchema, TEST_POSTGRES_URL, whileNoSchemaIsDropped, type PostgresSchema } from './databases.js';
import { TEST_HASH_COST } from './hash-cost.js';
import { TEST_REDIS_URL } from './services.js';

// Every test file that builds an app or an account hashes new passwords at the suite's cost (decision 023). Set
// here, when the file's modules load (test/support/fresh-modules.ts loads them afresh per file), not in a setup
// file: that would load src/auth/password.ts before a test file's vi.mock of @node-rs/argon2 could apply.
setNewHashCost(TEST_HASH_COST);

export const TEST_SECRET = 'test-secret-key-that-is-at-least-32-bytes-long';

export type TestBackend = 'sqlite' | 'postgres';

/** The backend of this run: `GATEHOUSE_TEST_DB=postgres` for PostgreSQL + Redis, anything else (or unset) for SQLite. */
export const TEST_BACKEND: TestBackend = process.env.GATEHOUSE_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** The test Redis (test/support/services.ts), where the tests have always imported it from. */
export { TEST_REDIS_URL };

/**
 * Pass to startTestApp to keep rate limits in this process's memory on every
 * run: for tests that wait out lockout windows by faking `Date` (support/time.ts),
 * which Redis TTLs ignore. The Redis store's counting and lockouts are tested
 * across instances in security/distributed-brute-force and scale/two-instances.
 */
export const MEMORY_RATE_LIMITS: Record<string, string> = Object.freeze({ REDIS_URL: '' });

export interface TestApp {
  app: GatehouseApp;
  config: Config;
  /** A temp folder of the test's own (the SQLite file lives here on the SQLite backend). */
  dir: string;
  /** The database this app runs on (a test that names its own DATABASE_URL may differ from the run's). */
  backend: TestBackend;
  /**
   * Another connection to the app's database (the same SQLite file or PostgreSQL
   * schema), e.g. for a second app instance. Closed by close().
   */
  openSharedDatabase(): DatabaseHandle;
  close(): Promise<void>;
}

/**
 * DATABASE_URL for a PostgreSQL schema: the server's URL with `options=-c
 * search_path=<schema>`, which node-postgres sends at connect, so the app opens
 * its own pool on the schema exactly as it would in production.
 */
export function postgresUrlForSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** A unique RATE_LIMIT_KEY_PREFIX for one test app (or one group of instances). */
export function uniqueRedisPrefix(): string {
  return `gh-test-${randomBytes(6).toString('hex')}`;
}

/** Deletes every Redis key under `prefix:` (SCAN, not KEYS, so a shared Redis is not blocked). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  redis.on('error', () => undefined); // connect() and the commands reject with it
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function startTestApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const shared: DatabaseHandle[] = [];
  const cleanUp = async () => {
    // Every step runs even when an earlier one throws; the first error is reported.
    const errors: unknown[] = [];
    for (const step of [async () => void (await Promise.all(shared.splice(0).map((h) => h.destroy()))), ...cleanups.splice(0).reverse()]) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  try {
    const sqliteFile = join(dir, 'test.db');
    const backendEnv: Record<string, string> = { DATABASE_URL: `sqlite:${sqliteFile}` };
    // A test that names its own DATABASE_URL keeps it; otherwise the PostgreSQL run gives every app a fresh schema.
    if (TEST_BACKEND === 'postgres' && env.DATABASE_URL === undefined && options.database === undefined) {
      const schema: PostgresSchema = await createPostgresSchema(TEST_POSTGRES_URL, { migrated: true });
      cleanups.push(() => schema.drop());
      backendEnv.DATABASE_URL = postgresUrlForSchema(TEST_POSTGRES_URL, schema.name);
    }
    // …and rate limits in Redis under a prefix of its own, unless the test chose a store (REDIS_URL, even '').
    if (TEST_BACKEND === 'postgres' && env.REDIS_URL === undefined) {
      const prefix = env.RATE_LIMIT_KEY_PREFIX ?? uniqueRedisPrefix();
      cleanups.push(() => deleteRedisKeys(TEST_REDIS_URL, prefix));
      backendEnv.REDIS_URL = TEST_REDIS_URL;
      backendEnv.RATE_LIMIT_KEY_PREFIX = prefix;
    }
    // On its own SQLite file, the app starts from a copy of the run's migrated file (test/support/migrated-sqlite.ts).
    if (backendEnv.DATABASE_URL === `sqlite:${sqliteFile}` && env.DATABASE_URL === undefined && options.database === undefined) {
      copyFileSync(inject('migratedSqliteFile'), sqliteFile);
    }
    const config = loadConfig(
      { NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent', ...backendEnv, ...env },
      { envFile: null, dataDir: dir },
    );
    const backend: TestBackend = config.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
    // On PostgreSQL the start migrates, which reads the catalog a schema drop must not change meanwhile.
    const build = () => buildApp(config, { logger: false, ...options });
    const app = backend === 'sqlite' ? await build() : await whileNoSchemaIsDropped(config.databaseUrl, build);
    cleanups.push(() => app.close());
    await app.ready();
    return {
      app,
      config,
      dir,
      backend,
      openSharedDatabase: () => {
        const handle = options.database ? null : openDatabase(config.databaseUrl);
        if (!handle) throw new Error('openSharedDatabase(): the test passed its own database handle; open another one itself');
        shared.push(handle);
        return handle;
      },
      close: cleanUp,
    };
  } catch (error) {
    await cleanUp().catch(() => undefined); // the build error is the one worth seeing
    throw error;
  }
}

/** The password of users made by createUser unless a test chooses one. */
export const DEFAULT_TEST_PASSWORD = 'correct horse battery staple';

let counter = 0;

export interface UserSpec {
  username?: string;
  email?: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** Default true: users made here have confirmed their address (no banner); false for an unconfirmed account. */
  emailConfirmed?: boolean;
}

/** Inserts a user straight into the database (the register flow has its own tests). */
export async function createUser(app: GatehouseApp, spec: UserSpec = {}): Promise<User & { password: string }> {
  counter++;
  const username = spec.username ?? `user${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const email = spec.email ?? `${username}@example.com`;
  const password = spec.password ?? DEFAULT_TEST_PASSWORD;
  const now = app.ctx.clock.now();
  const user = await insertUser(app.ctx.db, {
    username,
    username_normalized: normalizeUsername(username),
    email,
    email_normalized: normalizeEmail(email),
    first_name: spec.firstName ?? 'Test',
    last_name: spec.lastName ?? 'User',
    password_hash: await hashPassword(password),
    about_me: '',
    phone: null,
    two_factor_enabled: 0,
    created_at: now,
    last_seen_at: now,
    email_confirmed_at: (spec.emailConfirmed ?? true) ? now : null,
  });
  if (spec.phone) await enableTwoFactor(app.ctx.db, user.id, spec.phone);
  return { ...user, phone: spec.phone ?? null, two_factor_enabled: spec.phone ? 1 : 0, password };
}

/** The newest code the development Verify adapter sent to `phone`, read from the dev outbox. */
export async function latestDevCode(app: GatehouseApp, phone: string): Promise<string> {
  const message = (await listDevMessages(app.ctx.db)).find((m) => m.recipient === phone && (m.kind === 'sms' || m.kind === 'call'));
  if (!message) throw new Error(`no code was sent to ${phone}`);
  const digits = message.text_body.replace(/[^0-9]/g, '');
  return digits.slice(-6);
}

/** Waits (up to 3 s) for the outbox worker to deliver a mail with this subject to `email` in the dev outbox. */
export async function waitForDevMail(app: GatehouseApp, email: string, subject: string) {
  for (let i = 0; i < 150; i++) {
    const mail = (await listDevMessages(app.ctx.db)).find((m) => m.kind === 'email' && m.recipient === email && m.subject === subject);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no mail "${subject}" reached ${email}`);
}

/** Waits (up to 3 s) until `count` mails to `email` have reached the dev outbox; returns them oldest first. */
export async function waitForDevMails(app: GatehouseApp, email: string, count: number) {
  for (let i = 0; i < 150; i++) {
    const mails = (await listDevMessages(app.ctx.db)).filter((m) => m.kind === 'email' && m.recipient === email).reverse();
    if (mails.length >= count) return mails;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} mails reached ${email}`);
}

/**
 * Runs the outbox worker once (so mail that is due is sent now), then returns
 * the mail that reached `address` in the dev outbox, newest first (at most the
 * 200 newest messages are looked at).
 */
export async function deliveredMailTo(app: GatehouseApp, address: string) {
  await app.outbox.deliverDue();
  return (await listDevMessages(app.ctx.db)).filter((m) => m.kind === 'email' && m.recipient === address);
}

/**
 * The mail that has already reached `address` in the dev outbox, newest first,
 * with this subject if one is given. Unlike `deliveredMailTo` it sends nothing
 * itself: it sees what the outbox worker delivered in the background.
 */
export async function devMailTo(app: GatehouseApp, address: string, subject?: string) {
  let query = app.ctx.db.selectFrom('dev_outbox').selectAll().where('kind', '=', 'email').where('recipient', '=', address);
  if (subject) query = query.where('subject', '=', subject);
  return query.orderBy('id', 'desc').execute();
}

/** The rows of the app's mail outbox addressed to `address`, sent or not (what the app asked to send), oldest first. */
export async function queuedMailTo(app: GatehouseApp, address: string) {
  return (await listOutbox(app.ctx.db)).filter((m) => m.to_address === address);
}

/**
 * Every row of the app's mail outbox, oldest first, with its sealed content
 * opened under the app's SECRET_KEY (`mail`: null once sent): for tests that
 * look at mail before it is delivered.
 */
export async function openedOutbox(app: GatehouseApp): Promise<(OutboxMail & { mail: SealedMail | null })[]> {
  const seal = new MailSeal(app.ctx.config.secretKey);
  return (await listOutbox(app.ctx.db)).map((row) => ({ ...row, mail: row.content === null ? null : seal.open(row.content) }));
}

/** A mail with no expiring link in it, for tests that queue mail of their own. */
export function plainMail(to: string, subject: string, kind: MailKind = 'registration_attempt'): Mail {
  return { kind, message: { to, subject, text: `message ${subject}`, html: `<p>message ${subject}</p>` }, expiry: null };
}
