/**
 * Authenticator apps (TOTP, RFC 6238) with otpauth: 160-bit keys, 6 digits,
 * 30-second steps, SHA-1 (what every authenticator app supports), and a code
 * from one step before or after the current one accepted for clock drift.
 * The key is stored sealed (src/lib/secret-box.ts); a step, once used, is
 * never accepted again (src/db/factors.ts `useTotpStep`).
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { SecretBox } from '../lib/secret-box.js';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
const SECRET_BYTES = 20;
const ISSUER = 'Gatehouse';

export class TotpKeys {
  private readonly box: SecretBox;

  constructor(secretKey: string) {
    this.box = new SecretBox(secretKey, 'totp-secret');
  }

  /** A new random key, sealed for storage. */
  newSealedSecret(): string {
    return this.box.seal(randomBytes(SECRET_BYTES));
  }

  /** What the enrolment page shows: the otpauth:// URI for the QR code and the key in base32. */
  enrollment(sealed: string, accountName: string): { uri: string; base32: string } | null {
    const totp = this.totp(sealed, accountName);
    return totp ? { uri: totp.toString(), base32: totp.secret.base32 } : null;
  }

  /**
   * The time step a code belongs to, when it is right for `now` (±TOTP_WINDOW
   * steps); null for a wrong or malformed code. Whether the step was used
   * already is the database's question.
   */
  matchingStep(sealed: string, code: string, now: number): number | null {
    if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code)) return null;
    const totp = this.totp(sealed, 'user');
    const delta = totp?.validate({ token: code, timestamp: now, window: TOTP_WINDOW });
    if (delta === null || delta === undefined) return null;
    return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS) + delta;
  }

  private totp(sealed: string, accountName: string): TOTP | null {
    const key = this.box.open(sealed);
    if (!key) return null;
    return new TOTP({
      issuer: ISSUER,
      label: accountName,
      algorithm: 'SHA1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
      secret: new Secret({ buffer: key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) }),
    });
  }
}
