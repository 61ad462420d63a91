import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores: run two files at a time; each file builds its own app on its own SQLite file.
    // A worker runs file after file (isolate: false), so each loads the packages once, not once per file
    // (about half of a run's CPU time went to that); test/support/fresh-modules.ts reloads our own modules per file.
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    setupFiles: ['test/support/fresh-modules.ts'],
    // One migrated SQLite file per run, copied for each test app (test/support/migrated-sqlite.ts); on the
    // PostgreSQL pass, the SQL of one migrated schema, run for each test app's schema (test/support/migrated-postgres.ts).
    globalSetup: ['test/support/migrated-sqlite.ts', 'test/support/migrated-postgres.ts'],
  },
});
