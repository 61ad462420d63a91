/** Authenticator-app helpers for tests: codes computed the way a phone app would, from the key the page shows. */
import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import type { TestClient } from './client.js';

/** The 6-digit code an authenticator app shows at `at` (ms) for this base32 key. */
export function totpCode(base32: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(base32), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });
}

/** The key in the enrolment page, spaces removed. */
export function keyIn(body: string): string {
  const match = /<code class="secret-key">([A-Z2-7 ]+)<\/code>/.exec(body);
  if (!match) throw new Error('no authenticator key on the page');
  return match[1]!.replace(/ /g, '');
}

/** The recovery codes on a "Your recovery codes" page. */
export function recoveryCodesIn(body: string): string[] {
  return [...body.matchAll(/<li><code>([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})<\/code><\/li>/g)].map((m) => m[1]!);
}

/** Sets up an authenticator app for a signed-in client (recently signed in, so no step-up); returns its key and recovery codes. */
export async function enrolAuthenticator(client: TestClient, now: () => number): Promise<{ key: string; recoveryCodes: string[] }> {
  const page = await client.get('/two-factor/app/enable');
  expect(page.status).toBe(200);
  const key = keyIn(page.body);
  const done = await client.submit('/two-factor/app/enable', { code: totpCode(key, now()) });
  expect(done.status).toBe(200);
  return { key, recoveryCodes: recoveryCodesIn(done.body) };
}
