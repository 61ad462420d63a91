/**
 * Fills a database with many users, fast, for the benchmark (bench/run.ts) and
 * for trying Gatehouse with a realistic table size:
 *
 *     npm run seed -- --users 1000000 --database sqlite:./data/bench.db
 *     npm run seed -- --users 1000000 --database postgres://postgres@127.0.0.1:5432/gatehouse_bench
 *     npm run seed -- --users 1000 --two-factor 100          # DATABASE_URL, else sqlite:./data/bench.db
 *
 * Users are `user1` … `userN` (email `userN@bench.example`), all with the password
 * SEED_PASSWORD; with `--two-factor M`, also `tfa1` … `tfaM` with SMS two-factor on
 * (phones +1 415 555 0001 …). Rerunning tops the table up to N (existing names are
 * skipped), so the same command is safe to repeat.
 *
 * Speed: migrations first, then multi-row INSERTs of SEED_BATCH_ROWS rows, SEED_BATCH_ROWS
 * × SEED_BATCHES_PER_TRANSACTION rows per transaction. Every user gets the same
 * precomputed argon2id hash (the app's parameters, so sign-ins cost what they
 * cost in production): hashing a million passwords one by one at ~150 hashes/s
 * on 2 cores would take about two hours. Sharing one hash changes nothing the
 * app can see — each row still holds a full, salted argon2id hash.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { hashPassword } from '../src/auth/password.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { NewUser } from '../src/db/schema.js';
import { nameKeysOf, normalizeEmail, normalizeUsername } from '../src/db/users.js';

/** The password of every seeded user (≥ 15 characters, not on the blocklist). */
export const SEED_PASSWORD = 'seeded bench passphrase 4 gatehouse';
/** Rows per INSERT: 15 columns × 1,000 rows stays under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
export const SEED_BATCH_ROWS = 1_000;
/** INSERTs per transaction: 10,000 rows per commit keeps commits (fsyncs) few without one huge transaction. */
export const SEED_BATCHES_PER_TRANSACTION = 10;
/** Phones of two-factor users: +1 415 555 0000–9999 (valid for libphonenumber, reserved for fiction). */
export const MAX_TWO_FACTOR_USERS = 9_999;

export const seedUsername = (i: number) => `user${i}`;
export const seedTwoFactorUsername = (i: number) => `tfa${i}`;
export const seedPhone = (i: number) => `+1415555${String(i).padStart(4, '0')}`;

export interface SeedOptions {
  /** Ordinary users `user1` … `userN`. */
  users: number;
  /** Users `tfa1` … `tfaM` with SMS two-factor on. Default 0. */
  twoFactorUsers?: number;
  /** Called after each transaction with the rows written so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeedReport {
  /** Rows inserted (names that already existed are skipped). */
  inserted: number;
  durationMs: number;
}

/** Migrates `handle` to the latest schema and inserts the users. */
export async function seedUsers(handle: DatabaseHandle, options: SeedOptions): Promise<SeedReport> {
  const started = performance.now();
  const twoFactorUsers = options.twoFactorUsers ?? 0;
  if (twoFactorUsers > MAX_TWO_FACTOR_USERS) throw new Error(`at most ${MAX_TWO_FACTOR_USERS} two-factor users (one phone each)`);
  await migrateToLatest(handle);
  if (handle.dialect === 'sqlite') {
    // WAL + NORMAL is durable against a process crash; only a power cut can lose the last commits of a seed.
    await sql`pragma synchronous = normal`.execute(handle.db);
  }
  const passwordHash = await hashPassword(SEED_PASSWORD);
  const now = Date.now();
  const row = (username: string, phone: string | null): NewUser => ({
    username,
    username_normalized: normalizeUsername(username),
    email: `${username}@bench.example`,
    email_normalized: normalizeEmail(`${username}@bench.example`),
    first_name: 'Bench',
    last_name: username,
    ...nameKeysOf('Bench', username),
    password_hash: passwordHash,
    about_me: '',
    phone,
    two_factor_enabled: phone ? 1 : 0,
    created_at: now,
    // An hour ago: the first signed-in request writes last_seen once, as it would for a real returning user.
    last_seen_at: now - 3_600_000,
    email_confirmed_at: now,
    registration_notice_sent_at: null,
  });
  const total = options.users + twoFactorUsers;
  let inserted = 0;
  const rowAt = (k: number): NewUser =>
    k < options.users ? row(seedUsername(k + 1), null) : row(seedTwoFactorUsername(k - options.users + 1), seedPhone(k - options.users + 1));
  const perTransaction = SEED_BATCH_ROWS * SEED_BATCHES_PER_TRANSACTION;
  for (let start = 0; start < total; start += perTransaction) {
    const end = Math.min(start + perTransaction, total);
    inserted += await handle.db.transaction().execute(async (trx) => {
      let n = 0;
      for (let b = start; b < end; b += SEED_BATCH_ROWS) {
        const rows: NewUser[] = [];
        for (let k = b; k < Math.min(b + SEED_BATCH_ROWS, end); k++) rows.push(rowAt(k));
        const result = await trx.insertInto('users').values(rows).onConflict((oc) => oc.doNothing()).executeTakeFirst();
        n += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return n;
    });
    options.onProgress?.(end, total);
  }
  // Fresh planner statistics, as autovacuum would gather them on a real server a little later.
  if (handle.dialect === 'postgres') await sql`analyze users`.execute(handle.db);
  else await sql`analyze`.execute(handle.db);
  return { inserted, durationMs: performance.now() - started };
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function count(name: string, fallback: number): number {
  const raw = argument(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number (got "${raw}")`);
  return n;
}

async function main(): Promise<void> {
  const users = count('users', 1_000);
  const twoFactorUsers = count('two-factor', 0);
  const url = argument('database') ?? process.env.DATABASE_URL ?? 'sqlite:./data/bench.db';
  const shown = url.replace(/\/\/[^@]*@/, '//***@');
  console.log(`seeding ${users.toLocaleString('en')} users${twoFactorUsers ? ` + ${twoFactorUsers} with two-factor` : ''} into ${shown}`);
  console.log('every user gets one precomputed argon2id hash (hashing each password would take ~2 h per million)');
  const handle = openDatabase(url);
  try {
    let lastShown = 0;
    const report = await seedUsers(handle, {
      users,
      twoFactorUsers,
      onProgress: (done, total) => {
        if (done - lastShown >= 100_000 || done === total) {
          lastShown = done;
          console.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
        }
      },
    });
    const seconds = report.durationMs / 1000;
    console.log(
      `inserted ${report.inserted.toLocaleString('en')} rows in ${seconds.toFixed(1)} s ` +
        `(${Math.round(report.inserted / Math.max(seconds, 0.001)).toLocaleString('en')} rows/s); password: "${SEED_PASSWORD}"`,
    );
  } finally {
    await handle.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
