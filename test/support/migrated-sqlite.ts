/**
 * vitest's global setup (vitest.config.ts `globalSetup`): one empty SQLite file
 * with every migration applied, made once per run. startTestApp
 * (test/support/app.ts) copies it for each app on the run's own SQLite file
 * instead of migrating a new file each time (about 0.1 s an app, hundreds of
 * apps a run); the app still runs the migrations at start and finds none to
 * apply, as it would on a database a previous version migrated. The migrations
 * themselves are tested from an empty file in test/db/migrations.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The path of the migrated SQLite file that test apps start from (a copy of it each). */
    migratedSqliteFile: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrated-'));
  const path = join(dir, 'migrated.db');
  const handle = openDatabase(`sqlite:${path}`);
  try {
    await migrateToLatest(handle);
  } finally {
    await handle.destroy(); // closes the last connection: the WAL is folded into the file, which is then complete
  }
  project.provide('migratedSqliteFile', path);
  return () => rmSync(dir, { recursive: true, force: true });
}
