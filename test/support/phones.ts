/**
 * Phone numbers for tests. Codes land in the dev outbox keyed by number, and
 * a number can belong to one account only, so each test takes a number of
 * its own.
 */

export interface PhoneNumberOptions {
  /** The numbers count up from `after + 1`. Default 0. */
  after?: number;
  /** The counted part is padded with zeros to this many digits. Default 4. */
  digits?: number;
  /** Count `after + (n % wrapAt)` instead, so the numbers stay within `wrapAt` of `after`. */
  wrapAt?: number;
}

/**
 * Returns a function that hands out a new phone number at each call: `prefix`
 * then `after + 1`, `after + 2`, … zero-padded to `digits` digits (e.g.
 * `phoneNumbers('+1415555', { after: 7100 })` gives `+14155557101`,
 * `+14155557102`, …). Each call of `phoneNumbers` starts a sequence of its own.
 */
export function phoneNumbers(prefix: string, { after = 0, digits = 4, wrapAt }: PhoneNumberOptions = {}): () => string {
  let n = 0;
  return () => {
    n++;
    const counted = after + (wrapAt === undefined ? n : n % wrapAt);
    return `${prefix}${String(counted).padStart(digits, '0')}`;
  };
}
