/**
 * Runs before every test file (vitest.config.ts `setupFiles`). The workers are
 * reused between files (`isolate: false`), so the packages under node_modules
 * are loaded once per worker instead of once per file; this makes every
 * module of our own (src/, test/support/) load afresh for each file, as in a
 * new process: no state of one file (the password-hashing gate, counters,
 * caches) reaches the next, and a file's `vi.mock` of a package applies to
 * the modules it imports.
 */
import { vi } from 'vitest';

vi.resetModules();
