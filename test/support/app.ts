/**
 * Builds a Gatehouse app for one test file: its own SQLite file in a temp
 * folder (or a database handle the test opened), silent logs, and whatever
 * stand-ins the test passes. The real adapters run unless replaced.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type BuildOptions, type GatehouseApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { hashPassword } from '../../src/auth/password.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { enableTwoFactor, insertUser, normalizeEmail, normalizeUsername } from '../../src/db/users.js';
import type { User } from '../../src/db/schema.js';

export const TEST_SECRET = 'test-secret-key-that-is-at-least-32-bytes-long';

export interface TestApp {
  app: GatehouseApp;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const config = loadConfig(
    { NODE_ENV: 'test', SECRET_KEY: TEST_SECRET, DATABASE_URL: `sqlite:${join(dir, 'test.db')}`, LOG_LEVEL: 'silent', ...env },
    { envFile: null, dataDir: dir },
  );
  const app = await buildApp(config, { logger: false, ...options });
  await app.ready();
  return {
    app,
    config,
    dir,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
