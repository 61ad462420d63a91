/**
 * Console helpers for tests (src/features/admin): an admin signed in with both steps, and the console's routes
 * as the app registered them (for the sweep that asks every one of them as every kind of visitor).
 */
import { expect } from 'vitest';
import { setAdmin } from '../../src/db/users.js';
import { createUser, latestDevCode, type TestApp } from './app.js';
import { signIn, TestClient } from './client.js';
import { phoneNumbers } from './phones.js';

/** A phone number of its own for each admin made here (the dev Verify outbox is looked up by number). */
const nextPhone = phoneNumbers('+1415555', { after: 7000, wrapAt: 1000 });

/** An admin with text-message codes, signed in with the password and a code. */
export async function signedInAdmin(t: TestApp, spec: Parameters<typeof createUser>[1] = {}) {
  const phone = nextPhone();
  const user = await createUser(t.app, { phone, ...spec });
  await setAdmin(t.app.ctx.db, user.id, true);
  const client = new TestClient(t.app);
  expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor');
  const done = await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
  expect(done.location).toBe('/');
  return { user, client, phone };
}

/**
 * Every console route, `METHOD /path` with Fastify's parameters (`:id`), read from the app's route tree — so a
 * route added later is swept without anyone listing it. Fails loudly if the tree's printout changes shape.
 */
export function consoleRoutes(t: TestApp): { method: string; path: string }[] {
  const stack: string[] = [];
  const routes: { method: string; path: string }[] = [];
  for (const line of t.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = (at - 1) / 4; // "│   " per level, then "├── " or "└── "
    const match = /^(\S+)(?: \(([A-Z, ]+)\))?/.exec(line.slice(at + 3));
    if (!match) throw new Error(`cannot read the route tree line: ${line}`);
    stack.length = depth;
    stack[depth] = match[1]!;
    const path = stack.join('');
    if (match[2] && (path === '/admin' || path.startsWith('/admin/'))) {
      for (const method of match[2].split(', ')) routes.push({ method, path });
    }
  }
  expect(routes.length, 'the console routes, read from printRoutes()').toBeGreaterThan(3);
  return routes;
}
