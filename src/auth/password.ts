/**
 * Password hashing with argon2id at OWASP's recommended minimum
 * (m = 19 MiB, t = 2, p = 1; OWASP Password Storage Cheat Sheet). @node-rs/argon2
 * hashes on libuv's thread pool, so a sign-in never blocks the event loop.
 */
import { hash, verify, type Options } from '@node-rs/argon2';

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  /** KiB: 19 MiB. */
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} satisfies Options;

/**
 * NIST SP 800-63B-4 §3.1.1.2: at least 15 characters when the password may be
 * the only factor (most accounts have no 2FA). Counted in code points after NFKC.
 */
export const MIN_PASSWORD_LENGTH = 15;
/**
 * Long passphrases must work (NIST: accept at least 64, the issue: 128); this
 * only bounds hashing work per request. Longer is refused, never truncated.
 */
export const MAX_PASSWORD_LENGTH = 1024;

/** Passwords are NFKC-normalised so the same passphrase typed on two keyboards matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export async function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, normalizePassword(password));
  } catch {
    return false; // a malformed stored hash is a failed sign-in, not a crash
  }
}

let dummyHash: Promise<string> | null = null;

/**
 * Spends the same time as a real check when the account does not exist, so
 * response time does not tell an attacker which usernames are registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('gatehouse-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}
