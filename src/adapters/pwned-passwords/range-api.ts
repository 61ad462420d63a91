/**
 * Pwned Passwords through its k-anonymity range API
 * (https://haveibeenpwned.com/API/v3#PwnedPasswords): only the first 5 hex
 * characters of the password's SHA-1 leave the machine; the service answers
 * every suffix it knows with that prefix, one `SUFFIX:COUNT` per line, and the
 * match is made here. `Add-Padding: true` asks for decoy lines (count 0) so the
 * answer's size does not hint at the prefix either.
 *
 * The call is async (fetch) and bounded by a 1 s timeout; a timeout, an HTTP
 * error or an unreadable answer is `unavailable`, logged as a warning, and the
 * password is accepted (fails open): the offline blocklist still applies.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { PwnedPasswordsSettings } from '../../config.js';
import type { PwnedPasswords, PwnedPasswordsResult } from './types.js';

/** The limit: a slow breach corpus must not hold a registration for long. */
export const PWNED_PASSWORDS_TIMEOUT_MS = 1000;
/** What the range API puts in the URL: the first 5 hex characters of the SHA-1. */
export const RANGE_PREFIX_LENGTH = 5;

/** Upper-case hex SHA-1 of the password's UTF-8 bytes, as the corpus lists it. Callers pass it normalised (NFKC). */
export function passwordSha1(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

export class PwnedPasswordsRangeApi implements PwnedPasswords {
  constructor(
    private readonly settings: PwnedPasswordsSettings,
    private readonly log: FastifyBaseLogger,
    private readonly timeoutMs = PWNED_PASSWORDS_TIMEOUT_MS,
  ) {}

  async check(password: string): Promise<PwnedPasswordsResult> {
    const sha1 = passwordSha1(password);
    const prefix = sha1.slice(0, RANGE_PREFIX_LENGTH);
    const suffix = sha1.slice(RANGE_PREFIX_LENGTH);
    try {
      const response = await fetch(`${this.settings.apiUrl}/range/${prefix}`, {
        headers: { 'add-padding': 'true', 'user-agent': 'Gatehouse' },
        // Bounds the whole exchange, body included.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.text();
      for (const line of body.split('\n')) {
        const [lineSuffix, count] = line.trim().split(':');
        if (lineSuffix?.toUpperCase() === suffix) {
          const n = Number(count);
          // Padding lines have a count of 0: not a breach.
          return Number.isInteger(n) && n > 0 ? { kind: 'breached', count: n } : { kind: 'not_found' };
        }
      }
      return { kind: 'not_found' };
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.log.warn({ reason }, 'Pwned Passwords check unavailable; the password was accepted without it');
      return { kind: 'unavailable' };
    }
  }
}
