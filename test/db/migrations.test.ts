import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { MailSeal, sealCarriedOverMail, UNSEALED_PREFIX } from '../../src/db/mail-outbox.js';
import { migrateToLatest, migrateUpTo } from '../../src/db/migrate.js';
import { APP_TABLES, createPostgresSchema, databaseTarget, forEachDatabase, insertTestUser, listTables } from '../support/databases.js';

describe.each(forEachDatabase())('migrations on $name', (target) => {
  const first = databaseTarget(target.name);
  const second = databaseTarget(target.name);
  afterAll(async () => {
    const results = await Promise.allSettled([target.cleanup(), first.cleanup(), second.cleanup()]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  });

  it('apply once, then again as a no-op, and create every table', async () => {
    const handle = await target.open(); // migrated once here
    expect(await migrateToLatest(handle)).toEqual([]);
    expect(await migrateToLatest(target.openAnother())).toEqual([]);

    const tables = await listTables(handle);
    for (const table of APP_TABLES) expect(tables).toContain(table);

    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(handle.db);
    expect(rows.map((r) => r.name)).toEqual(['001-initial', '002-email-confirmation', '003-session-csrf-secret', '004-factors-and-events', '005-devices', '006-wasnt-me-links', '007-email-change', '008-known-browsers', '009-account-recovery', '010-passkeys', '011-backup-phone-and-email-codes', '012-user-locale', '013-mail-at-rest', '014-sign-in-record', '015-identity-provider', '016-sign-in-passkey', '017-app-access-and-groups', '018-provider-session-link', '019-app-in-security-events', '020-admin-console', '021-account-suspension', '022-sms-sends', '023-app-access-by-last-use', '024-people-search-names', '025-security-events-by-kind']);
  });

  it('migrate a second, fresh database while another one already has the migration tables', async () => {
    // On PostgreSQL both live in one database (two schemas): the migrator must
    // not mistake the other schema's kysely_migration table for its own.
    await first.open();
    const handle = await second.open();
    const tables = await listTables(handle);
    for (const table of [...APP_TABLES, 'kysely_migration', 'kysely_migration_lock']) expect(tables).toContain(table);
  });

  it('a database one migration behind gets that one at the next start, and nothing else', async () => {
    const fresh = await freshDatabase(target.name);
    try {
      await migrateUpTo(fresh.handle, '024-people-search-names');
      expect(await migrateToLatest(fresh.handle)).toEqual(['025-security-events-by-kind']);
      expect(await migrateToLatest(fresh.handle)).toEqual([]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('a database a newer version migrated (a migration this version does not know) is refused, not taken as up to date', async () => {
    const fresh = await freshDatabase(target.name);
    try {
      await migrateToLatest(fresh.handle);
      await sql`insert into kysely_migration (name, timestamp) values ('999-from-a-newer-version', '2027-01-01T00:00:00.000Z')`.execute(fresh.handle.db);
      await expect(migrateToLatest(fresh.handle)).rejects.toThrow(/999-from-a-newer-version/);
    } finally {
      await fresh.cleanup();
    }
  });

  it('015 gives every existing account its own random OpenID Connect subject', async () => {
    const fresh = await freshDatabase(target.name);
    const handle = fresh.handle;
    try {
      await migrateUpTo(handle, '014-sign-in-record');
      const T = Date.UTC(2026, 0, 1);
      for (const name of ['one', 'two']) {
        await sql`insert into users (username, username_normalized, email, email_normalized, first_name, last_name, password_hash, about_me, two_factor_enabled, created_at, last_seen_at)
                  values (${name}, ${name}, ${name + '@example.com'}, ${name + '@example.com'}, 'A', 'B', 'x', '', 0, ${T}, ${T})`.execute(handle.db);
      }
      // More than one batch of the backfill (250 accounts a statement).
      const more = Array.from({ length: 300 }, (_, i) => `bulk${i}`);
      await sql`insert into users (username, username_normalized, email, email_normalized, first_name, last_name, password_hash, about_me, two_factor_enabled, created_at, last_seen_at)
                values ${sql.join(more.map((name) => sql`(${name}, ${name}, ${name + '@example.com'}, ${name + '@example.com'}, 'A', 'B', 'x', '', 0, ${T}, ${T})`))}`.execute(handle.db);
      await migrateToLatest(handle);
      const { rows } = await sql<{ username: string; oidc_subject: string | null }>`select username, oidc_subject from users order by id`.execute(handle.db);
      expect(rows.map((r) => r.username)).toEqual(['one', 'two', ...more]);
      for (const r of rows) expect(r.oidc_subject).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(new Set(rows.map((r) => r.oidc_subject)).size).toBe(rows.length);
      // …and a new account gets one when it is made.
      expect((await insertTestUser(handle.db, { username: 'three' })).oidc_subject).toMatch(/^[A-Za-z0-9_-]{22}$/);
    } finally {
      await fresh.cleanup();
    }
  });

  it('013 drops the bodies of sent mail and carries unsent mail over, marked to be sealed at start, with its account', async () => {
    const fresh = await freshDatabase(target.name);
    const handle = fresh.handle;
    try {
      await migrateUpTo(handle, '012-user-locale');
      const T = Date.UTC(2026, 0, 1);
      // The users table as it was then (insertUser writes columns of later migrations).
      await sql`insert into users (username, username_normalized, email, email_normalized, first_name, last_name, password_hash, about_me, two_factor_enabled, created_at, last_seen_at)
                values ('mailed', 'mailed', 'mailed@example.com', 'mailed@example.com', 'A', 'B', 'x', '', 0, ${T}, ${T})`.execute(handle.db);
      const user = (await sql<{ id: number; email: string }>`select id, email from users where username = 'mailed'`.execute(handle.db)).rows[0]!;
      const row = (to: string, token: string, sentAt: number | null, failedAt: number | null) =>
        sql`insert into mail_outbox (to_address, subject, text_body, html_body, created_at, attempts, next_attempt_at, sent_at, failed_at)
            values (${to}, ${'Reset ' + token}, ${'https://x.example/reset-password/' + token}, ${'<p>' + token + '</p>'}, ${T}, 1, ${T}, ${sentAt}, ${failedAt})`.execute(handle.db);
      await row(user.email, 'SENT-TOKEN', T, null);
      await row(user.email, 'WAITING-TOKEN', null, null);
      await row('stranger@example.com', 'FAILED-TOKEN', null, T);

      await migrateToLatest(handle);
      const { rows } = await sql<Record<string, unknown>>`select * from mail_outbox order by id`.execute(handle.db);
      for (const r of rows) for (const gone of ['subject', 'text_body', 'html_body']) expect(r).not.toHaveProperty(gone);
      expect(rows.map((r) => [r.kind, r.user_id, Number(r.queued_at)])).toEqual([
        ['unknown', user.id, T],
        ['unknown', user.id, T],
        ['unknown', null, T],
      ]);
      expect(rows[0]!.content).toBeNull();
      expect(JSON.parse(String(rows[1]!.content).slice(UNSEALED_PREFIX.length))).toEqual({
        message: { to: user.email, subject: 'Reset WAITING-TOKEN', text: 'https://x.example/reset-password/WAITING-TOKEN', html: '<p>WAITING-TOKEN</p>' },
        expiry: null,
      });

      // At start the app seals them (src/app.ts): nothing readable is left in the table.
      const seal = new MailSeal('migration-test-secret-key-that-is-long-enough');
      expect(await sealCarriedOverMail(handle.db, seal)).toBe(2);
      const after = await sql<{ content: string | null }>`select content from mail_outbox order by id`.execute(handle.db);
      expect(JSON.stringify(after.rows)).not.toMatch(/TOKEN/);
      expect(seal.open(after.rows[2]!.content!)?.message.text).toBe('https://x.example/reset-password/FAILED-TOKEN');
    } finally {
      await fresh.cleanup();
    }
  });
});

/** An empty database of one dialect, not migrated. */
async function freshDatabase(name: 'sqlite' | 'postgres'): Promise<{ handle: DatabaseHandle; cleanup: () => Promise<void> }> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-upgrade-'));
    const handle = openDatabase(`sqlite:${join(dir, 'upgrade.db')}`);
    return {
      handle,
      cleanup: async () => {
        await handle.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = await createPostgresSchema();
  return { handle: schema.openHandle(), cleanup: () => schema.drop() };
}
