/**
 * Bytes from the CSPRNG, drawn from a buffer filled 4 KiB at a time. They are
 * exactly as random as `crypto.randomBytes` (the same generator fills the
 * pool), but each call costs a slice instead of a call into OpenSSL, which on
 * an anonymous page (a request id, a CSRF secret and its mask) was a
 * measurable share of the page's cost. Used bytes are zeroed in the pool.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

function take(bytes: number): number {
  if (bytes > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} pooled random bytes at a time`);
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  return start;
}

/** `bytes` random bytes in a new Buffer. */
export function pooledRandomBytes(bytes: number): Buffer {
  const start = take(bytes);
  const out = Buffer.from(pool.subarray(start, start + bytes));
  pool.fill(0, start, start + bytes);
  return out;
}

/** `bytes` random bytes as lowercase hex. */
export function pooledRandomHex(bytes: number): string {
  const start = take(bytes);
  const hex = pool.toString('hex', start, start + bytes);
  pool.fill(0, start, start + bytes);
  return hex;
}
