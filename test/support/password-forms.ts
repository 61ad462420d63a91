/**
 * Helpers for the password tests: a live reset link for a user without going
 * through the mail, the reset link a mail brought, and "fill in the password
 * form on this page", which follows redirects and posts to whatever the form's
 * action is.
 */
import { PASSWORD_RESET_LIFETIME_MS } from '../../src/auth/policy.js';
import { hashToken, newToken } from '../../src/lib/tokens.js';
import { replaceResetToken } from '../../src/db/password-reset-tokens.js';
import type { GatehouseApp } from '../../src/app.js';
import type { DevMessage } from '../../src/db/schema.js';
import { csrfTokenIn, type Page, type TestClient } from './client.js';

/** The path of a fresh reset link for `userId`, as the mailed link would have it. */
export async function resetLinkFor(app: GatehouseApp, userId: number): Promise<string> {
  const token = newToken();
  const now = app.ctx.clock.now();
  await replaceResetToken(app.ctx.db, userId, hashToken(token), now, now + PASSWORD_RESET_LIFETIME_MS);
  return `/reset-password/${token}`;
}

/**
 * The path of the reset link in the newest mail to `email` that has one, among the dev outbox's `messages` (newest
 * first, as listDevMessages gives them) that came after the first `before`; undefined while none has arrived. The
 * account's other mail delivered meanwhile (a lockout or sign-in notice) has no reset link and is passed over.
 */
export function newResetLinkIn(messages: DevMessage[], before: number, email: string): string | undefined {
  for (const message of messages.slice(0, messages.length - before)) {
    const path = message.recipient === email ? /https?:\/\/[^/\s]+(\/reset-password\/[A-Za-z0-9_-]+)/.exec(message.text_body)?.[1] : undefined;
    if (path) return path;
  }
  return undefined;
}

const decode = (s: string) => s.replace(/&#x2F;|&#47;/gi, '/').replace(/&amp;/g, '&').replace(/&quot;/g, '"');

/** Opens `url` like a browser (following redirects), then submits the form that has a `password` field, with `fields`. */
export async function submitPasswordForm(client: TestClient, url: string, fields: Record<string, string>): Promise<Page> {
  const page = await client.follow(await client.get(url));
  const form = [...page.body.matchAll(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].find((m) => m[2]!.includes('name="password"'));
  if (!form) throw new Error(`no password form on ${url} (status ${page.status})`);
  return client.post(decode(form[1]!), { _csrf: csrfTokenIn(form[2]!), ...fields });
}
