/**
 * The PostgreSQL and Redis the tests use: the ones CI runs on this machine, or others named by TEST_POSTGRES_URL
 * and TEST_REDIS_URL. No import of vitest here: the run's scripts outside vitest's workers (backend-pass.ts, the
 * global setup migrated-postgres.ts) read them too.
 */

/** Default: the CI server (trust auth, database `test`). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The Redis of the PostgreSQL + Redis run (and of the tests that always need Redis). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
