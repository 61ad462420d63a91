/**
 * What a password hash costs in the test suite (decision 023): argon2id with 1 MiB and one pass instead of
 * ARGON2_OPTIONS' 19 MiB and two, ~0.5 ms instead of ~12 ms, for the thousands of accounts made and sign-ins
 * checked in a run. Every test file that imports test/support/app.ts starts with it; the tests of the production
 * parameters themselves (what a stored hash says, how long the gate's queue waits) ask for them with
 * productionHashCost(). Servers the tests spawn as processes hash at the production cost.
 */
import { afterAll, beforeAll } from 'vitest';
import { ARGON2_OPTIONS, setNewHashCost } from '../../src/auth/password.js';

export const TEST_HASH_COST = { ...ARGON2_OPTIONS, memoryCost: 1024, timeCost: 1 };

/** New hashes at the production cost (ARGON2_OPTIONS) for the tests of the enclosing file or describe block. */
export function productionHashCost(): void {
  beforeAll(() => setNewHashCost(ARGON2_OPTIONS));
  afterAll(() => setNewHashCost(TEST_HASH_COST));
}
