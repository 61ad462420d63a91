/**
 * Where a client's session stands, read off a page only a signed-in person may
 * see. Only Gatehouse's three answers count; anything else (a 500, a redirect
 * somewhere else) fails the test, so "not signed in" can never be a crash in
 * disguise (issue #12 item 9).
 */
import type { TestClient } from './client.js';

export type SessionState = 'signed in' | 'second factor pending' | 'signed out';

/** A page for signed-in people only (src/features/profile). */
const SIGNED_IN_ONLY = '/profile/edit';

export async function sessionState(client: TestClient): Promise<SessionState> {
  const page = await client.get(SIGNED_IN_ONLY);
  if (page.status === 200) return 'signed in';
  // src/auth/guards.ts: a password-only session goes to the code page, a visitor to sign-in (and back here after).
  if (page.status === 302 && page.location === '/login/two-factor') return 'second factor pending';
  if (page.status === 302 && page.location === `/login?next=${encodeURIComponent(SIGNED_IN_ONLY)}`) return 'signed out';
  throw new Error(`GET ${SIGNED_IN_ONLY} answered ${page.status}${page.location ? ` -> ${page.location}` : ''}: neither signed in nor one of Gatehouse's refusals`);
}
