/**
 * The overview's buckets (src/features/admin/activity.ts): the databases return only buckets that had something,
 * several rows for one bucket (one per kind, country, outcome…); every bucket of the range gets its sum, or 0.
 */
import { describe, expect, it } from 'vitest';
import { fillBuckets } from '../../src/features/admin/activity.js';
import { hours } from '../../src/lib/duration.js';

const FIRST = Date.UTC(2026, 11, 4, 15);

describe('fillBuckets', () => {
  it('puts 0 where the database had no row, and adds up the rows of one bucket', () => {
    const rows = [
      { bucket: FIRST, n: 2 },
      { bucket: FIRST + hours(3), n: 1 },
      { bucket: FIRST + hours(3), n: 4 },
    ];
    expect(fillBuckets(rows, FIRST, hours(1), 5)).toEqual([2, 0, 0, 5, 0]);
  });

  it('leaves out rows before the range, after it, or not at a bucket start', () => {
    const rows = [
      { bucket: FIRST - hours(1), n: 7 },
      { bucket: FIRST + hours(5), n: 7 },
      { bucket: FIRST + hours(1) + 1, n: 7 },
      { bucket: FIRST + hours(4), n: 1 },
    ];
    expect(fillBuckets(rows, FIRST, hours(1), 5)).toEqual([0, 0, 0, 0, 1]);
  });

  it('gives all zeros for no rows', () => {
    expect(fillBuckets([], FIRST, hours(1), 24)).toEqual(Array.from({ length: 24 }, () => 0));
  });
});
