/**
 * Signing in, as the tests need it over and over: a new user with a client
 * signed in, an existing user signed in on a new client, a sign-in left at its
 * second step, and the two questions "is this client signed in?" and "did this
 * response sign someone in?".
 */
import { expect } from 'vitest';
import type { GatehouseApp } from '../../src/app.js';
import { createUser, latestDevCode, type UserSpec } from './app.js';
import { signIn, TestClient, type Page } from './client.js';

export interface SignedInOptions {
  /** Asserts that the password step answered with this status (e.g. 302). Unchecked when left out. */
  expectStatus?: number;
  /** Asserts that the password step redirected here (e.g. '/'). Unchecked when left out. */
  expectLocation?: string;
  /**
   * For a user made with a `phone`: types the code texted to it at the second
   * step, so the client is fully signed in. Without it such a client is left at
   * the second step.
   */
  enterSmsCode?: boolean;
}

/**
 * Makes a new user (`spec` as for `createUser`) and signs them in on a new
 * client through the password form. Checks only what `options` asks for.
 */
export async function signedIn(app: GatehouseApp, spec: UserSpec = {}, options: SignedInOptions = {}) {
  const user = await createUser(app, spec);
  const client = new TestClient(app);
  const page = await signIn(client, user.username, user.password);
  if (options.expectStatus !== undefined) expect(page.status).toBe(options.expectStatus);
  if (options.expectLocation !== undefined) expect(page.location).toBe(options.expectLocation);
  if (options.enterSmsCode && spec.phone) await client.submit('/login/two-factor', { code: await latestDevCode(app, spec.phone) });
  return { user, client };
}

/**
 * A new client signed in as an existing user through the password form;
 * asserts that the sign-in redirected (302). `password` replaces the user's
 * own (e.g. after a change); `headers` are sent with every request the client
 * makes, the sign-in included.
 */
export async function signedInAs(
  app: GatehouseApp,
  user: { username: string; password: string },
  { password = user.password, headers = {} }: { password?: string; headers?: Record<string, string> } = {},
): Promise<TestClient> {
  const client = new TestClient(app);
  Object.assign(client.headers, headers);
  expect((await signIn(client, user.username, password)).status).toBe(302);
  return client;
}

/**
 * A new client that has passed the password step for a user with a second
 * factor, so it waits at the second step. With `expectLocation`, asserts that
 * the password step sent it there (e.g. '/login/two-factor/app').
 */
export async function pendingSignIn(app: GatehouseApp, user: { username: string; password: string }, expectLocation?: string): Promise<TestClient> {
  const client = new TestClient(app);
  const page = await signIn(client, user.username, user.password);
  if (expectLocation !== undefined) expect(page.location).toBe(expectLocation);
  return client;
}

/**
 * Whether the client is signed in right now: a page only a signed-in person
 * can open (`path`, by default /profile/edit) answers 200 with its cookies.
 */
export async function hasLiveSession(client: TestClient, path = '/profile/edit'): Promise<boolean> {
  return (await client.get(path)).status === 200;
}

/** Whether this response signed someone in: a redirect that sets a live (not expired) session cookie. */
export function responseStartsSession(page: Page): boolean {
  return page.status === 302 && page.setCookies.some((c) => c.startsWith('gatehouse_session=') && !/Max-Age=0/i.test(c));
}
