import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores: run two files at a time; each file builds its own app on its own SQLite file.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
