/**
 * Email codes, the fallback second factor a user may turn on (never the only
 * one): a 6-digit code mailed for one pending sign-in, valid 10 minutes, once.
 * Stored as HMAC-SHA-256 under a key derived from SECRET_KEY, so a copy of the
 * table does not give the code away (a plain hash of 6 digits would).
 *
 * Why only a fallback: the mailbox already resets the password, so a code by
 * email adds little against someone who holds the mailbox. It is a way in for
 * someone without their phone, chosen by them, and wrong codes go through the
 * same gate as every other factor.
 */
import { createHmac, randomInt } from 'node:crypto';
import { minutes } from '../lib/duration.js';

export const EMAIL_CODE_LIFETIME_MS = minutes(10);
const DIGITS = 6;

export class EmailCodes {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    this.key = createHmac('sha256', secretKey).update('gatehouse:email-codes').digest();
  }

  /** A fresh code to mail and the hash to store. */
  generate(): { code: string; hash: string } {
    const code = String(randomInt(10 ** DIGITS)).padStart(DIGITS, '0');
    return { code, hash: this.hash(code) };
  }

  /** The hash of what a person typed (spaces dropped), or null when it cannot be a code. */
  hashTyped(typed: string): string | null {
    const digits = typed.replace(/\s/g, '');
    return new RegExp(`^[0-9]{${DIGITS}}$`).test(digits) ? this.hash(digits) : null;
  }

  private hash(code: string): string {
    return createHmac('sha256', this.key).update(code).digest('hex');
  }
}
