/**
 * Recovery codes: ten single-use codes, each 60 random bits written as
 * `xxxx-xxxx-xxxx` in an alphabet without look-alikes (no 0/O, 1/I/L, U).
 * Stored as HMAC-SHA-256 under a key derived from SECRET_KEY: at 60 bits a
 * slow hash adds nothing, and the key means a copy of the table alone cannot
 * be used to check guesses offline.
 */
import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** The security page warns when this many or fewer are left. */
export const RECOVERY_CODES_LOW = 3;
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ'; // 30 symbols; 12 of them ≈ 59 bits
const GROUPS = 3;
const GROUP_LENGTH = 4;

export class RecoveryCodes {
  private readonly key: string;

  constructor(secretKey: string) {
    this.key = createHmac('sha256', secretKey).update('gatehouse:recovery-codes').digest('base64url');
  }

  /** A fresh set: the codes to show once, and the hashes to store. */
  generate(): { codes: string[]; hashes: string[] } {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      Array.from({ length: GROUPS }, () => Array.from({ length: GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')).join('-'),
    );
    return { codes, hashes: codes.map((code) => this.hash(code)) };
  }

  /** The hash of what a person typed, or null when it cannot be a code (wrong length or symbols). */
  hashTyped(typed: string): string | null {
    const normalized = normalizeRecoveryCode(typed);
    return normalized ? this.hash(normalized) : null;
  }

  private hash(code: string): string {
    return createHmac('sha256', this.key).update(normalizeRecoveryCode(code) ?? '').digest('hex');
  }
}

/** Upper case without spaces or dashes; O→0-free alphabet means O and 0 are simply invalid. */
export function normalizeRecoveryCode(typed: string): string | null {
  const compact = typed.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== GROUPS * GROUP_LENGTH) return null;
  for (const c of compact) if (!ALPHABET.includes(c)) return null;
  return compact;
}
