/**
 * Attack: denial of service through password hashing. Argon2id is slow and
 * memory-hard on purpose, so a server that hashes whatever it receives can be
 * kept busy by posting huge passwords (a 1 MB "password" to sign-in,
 * registration, reset or change), or by many of them.
 * Requirements: the hardening issue ("a 1 MB password or field is rejected with
 * a 4xx before any hashing"); OWASP ASVS 5.0 V6.2.9 (accept at least 64
 * characters) and NIST SP 800-63B-4 §3.1.1.2 (a verifier may set a maximum
 * length, as long as it is generous), so long passwords work but work per
 * request stays bounded.
 * Defences: bodies over 64 KB get 413 before they are parsed; a field over its
 * bound (4096 characters for passwords) is a 400 before the handler runs; a new
 * password over 1024 code points is refused by the rules before hashing.
 * Proof that no hash was computed: @node-rs/argon2's `hash` and `verify` are
 * wrapped in counters for this file.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as argon2 from '@node-rs/argon2';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient } from '../support/client.js';
import { resetLinkFor } from '../support/password-forms.js';

vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof argon2>();
  return { ...real, hash: vi.fn(real.hash), verify: vi.fn(real.verify) };
});

const hashCalls = () => vi.mocked(argon2.hash).mock.calls.length + vi.mocked(argon2.verify).mock.calls.length;

const ONE_MB = 'p'.repeat(1024 * 1024);
/** A 413 is decided on the Content-Length header: well under the time of one argon2id hash (tens of ms), even on a slow machine. */
const FAST_MS = 1000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());
beforeEach(() => {
  vi.mocked(argon2.hash).mockClear();
  vi.mocked(argon2.verify).mockClear();
});

/** Posts `fields` to `action` with the CSRF token of `pageUrl`, timing the POST alone. */
async function timedPost(client: TestClient, pageUrl: string, action: string, fields: Record<string, string>) {
  const csrf = csrfTokenIn((await client.follow(await client.get(pageUrl))).body);
  const started = performance.now();
  const res = await client.post(action, { _csrf: csrf, ...fields });
  return { res, ms: performance.now() - started };
}

describe('a 1 MB password is refused before any hashing', () => {
  it('the counters see real hashing (the proof below can fail)', async () => {
    const user = await createUser(t.app);
    const before = hashCalls();
    expect((await signIn(new TestClient(t.app), user.username, user.password)).status).toBe(302);
    expect(hashCalls()).toBeGreaterThan(before);
  });

  it('sign-in', async () => {
    const user = await createUser(t.app);
    const before = hashCalls();
    const { res, ms } = await timedPost(new TestClient(t.app), '/login', '/login', { login: user.username, password: ONE_MB });
    expect(res.status).toBe(413);
    expect(ms).toBeLessThan(FAST_MS);
    expect(hashCalls()).toBe(before);
  });

  it('registration', async () => {
    const before = hashCalls();
    const { res, ms } = await timedPost(new TestClient(t.app), '/register', '/register', {
      first_name: 'A',
      last_name: 'B',
      username: 'huge_password',
      email: 'huge@example.com',
      password: ONE_MB,
      confirm_password: ONE_MB,
    });
    expect(res.status).toBe(413);
    expect(ms).toBeLessThan(FAST_MS);
    expect(hashCalls()).toBe(before);
  });

  it('reset', async () => {
    const user = await createUser(t.app);
    const link = await resetLinkFor(t.app, user.id);
    const before = hashCalls();
    const { res, ms } = await timedPost(new TestClient(t.app), link, link, { password: ONE_MB, confirm_password: ONE_MB });
    expect(res.status).toBe(413);
    expect(ms).toBeLessThan(FAST_MS);
    expect(hashCalls()).toBe(before);
  });

  it('change password (current or new)', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const before = hashCalls();
    for (const fields of [
      { current_password: ONE_MB, password: 'a fine new passphrase', confirm_password: 'a fine new passphrase' },
      { current_password: user.password, password: ONE_MB, confirm_password: ONE_MB },
    ]) {
      const { res, ms } = await timedPost(client, '/profile/password', '/profile/password', fields);
      expect(res.status).toBe(413);
      expect(ms).toBeLessThan(FAST_MS);
    }
    expect(hashCalls()).toBe(before);
  });

  it('any 1 MB field, not only passwords', async () => {
    const before = hashCalls();
    const { res } = await timedPost(new TestClient(t.app), '/login', '/login', { login: 'x'.repeat(1024 * 1024), password: 'whatever it is here' });
    expect(res.status).toBe(413);
    expect(hashCalls()).toBe(before);
  });
});

describe('smaller oversized passwords are refused before hashing too', () => {
  it('a password just under the body limit but over its field bound is a 400', async () => {
    const user = await createUser(t.app);
    const big = 'p'.repeat(BODY_LIMIT_BYTES / 2);
    const before = hashCalls();
    const { res } = await timedPost(new TestClient(t.app), '/login', '/login', { login: user.username, password: big });
    expect(res.status).toBe(400);
    expect(hashCalls()).toBe(before);
  });

  it('a new password of 1025 characters is refused by the rules, with no hash computed', async () => {
    const before = hashCalls();
    const long = 'an ocean of letters '.repeat(52).slice(0, 1025);
    const { res } = await timedPost(new TestClient(t.app), '/register', '/register', {
      first_name: 'A',
      last_name: 'B',
      username: 'long_password',
      email: 'long@example.com',
      password: long,
      confirm_password: long,
    });
    expect(res.status).toBe(422);
    expect(res.body).toContain('Use at most 1024 characters.');
    expect(hashCalls()).toBe(before);
  });
});
