import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { APP_TABLES, databaseTarget, forEachDatabase, listTables } from '../support/databases.js';

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
    expect(rows.map((r) => r.name)).toEqual(['001-initial', '002-email-confirmation', '003-session-csrf-secret', '004-factors-and-events', '005-devices', '006-wasnt-me-links', '007-email-change', '008-known-browsers', '009-account-recovery', '010-passkeys', '011-backup-phone-and-email-codes', '012-user-locale', '014-sign-in-record']);
  });

  it('migrate a second, fresh database while another one already has the migration tables', async () => {
    // On PostgreSQL both live in one database (two schemas): the migrator must
    // not mistake the other schema's kysely_migration table for its own.
    await first.open();
    const handle = await second.open();
    const tables = await listTables(handle);
    for (const table of [...APP_TABLES, 'kysely_migration', 'kysely_migration_lock']) expect(tables).toContain(table);
  });
});
