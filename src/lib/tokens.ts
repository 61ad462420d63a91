/** Random tokens for cookies and links, and the hashes we store instead of them. */
import { hash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG; the issue asks for at least 128. */
export const TOKEN_BYTES = 32;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * SHA-256 of a token. The database holds only this, so a leaked table cannot
 * be replayed as cookies or reset links. (A plain hash suffices: the token is
 * 256 random bits, not a guessable password.)
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex'); // one-shot: a third of createHash's cost, on every signed-in request
}

/** A token as it may appear in a cookie or URL: base64url, sane length. */
export function looksLikeToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{20,100}$/.test(value);
}
