/**
 * The seam to a breached-password corpus (NIST SP 800-63B-4 §3.1.1.2: compare
 * new passwords against values from previous breaches). Implementations: the
 * Pwned Passwords range API (range-api.ts), used when PWNED_PASSWORDS_CHECK=true,
 * and `pwnedPasswordsOff` (off.ts), the default. Outcomes are values, never
 * exceptions; only `breached` stops a password, so an outage never blocks anyone.
 */
export type PwnedPasswordsResult =
  /** The password appears in known breaches `count` times. */
  | { kind: 'breached'; count: number }
  /** The corpus does not contain it. */
  | { kind: 'not_found' }
  /** The service timed out or failed: the check fails open. */
  | { kind: 'unavailable' }
  /** The check is turned off. */
  | { kind: 'off' };

export interface PwnedPasswords {
  /** `password` as it will be hashed (NFKC-normalised). */
  check(password: string): Promise<PwnedPasswordsResult>;
}
