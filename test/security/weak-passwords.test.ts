/**
 * Attack: online guessing and credential stuffing with the passwords people
 * pick most often, or with words an attacker knows about the account (its
 * username, its email address, the site's name); and, against the other side,
 * a site that quietly truncates or mangles long passwords, so that many
 * passwords unlock the same account.
 * Requirements: NIST SP 800-63B-4 §3.1.1.2 (at least 15 characters when the
 * password may be the only factor; at least 64 accepted; any characters,
 * spaces included; no composition rules; no truncation; compare against
 * common, breached and context-specific values); OWASP ASVS 5.0 V6.2.1, V6.2.4,
 * V6.2.5, V6.2.8, V6.2.9, V6.2.11.
 * Defences: 15–1024 code points after NFKC; a shipped blocklist of the
 * 10,000+ most common passwords, compared ignoring case; the username, email
 * local part and "gatehouse" refused inside the password; every character
 * hashed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { commonPasswords } from '../../src/auth/password-blocklist.js';
import { MIN_PASSWORD_LENGTH } from '../../src/lib/field-limits.js';
import { findUserByUsername } from '../../src/db/users.js';
import { escapeHtml } from '../../src/views/html.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

let counter = 0;
async function register(password: string, account: { username?: string; email?: string } = {}) {
  counter++;
  const username = account.username ?? `kh${counter}_${Math.random().toString(36).slice(2, 7)}`;
  const email = account.email ?? `mail${counter}_${Math.random().toString(36).slice(2, 7)}@example.net`;
  const client = new TestClient(t.app);
  const res = await client.submit('/register', { first_name: 'Katherine', last_name: 'Johnson', username, email, password, confirm_password: password });
  const created = (await findUserByUsername(t.app.ctx.db, username)) !== undefined;
  const error = /<p class="error" id="f-password-error">([\s\S]*?)<\/p>/.exec(res.body)?.[1] ?? null;
  return { res, created, error, username };
}

describe('common passwords', () => {
  it('refuses every blocklisted password long enough to pass the length rule, in any case', async () => {
    const longCommon = [...commonPasswords()].filter((p) => [...p].length >= MIN_PASSWORD_LENGTH);
    expect(longCommon.length).toBeGreaterThan(20);
    for (const [i, password] of longCommon.entries()) {
      const variant = i % 2 === 0 ? password : password.toUpperCase();
      const { res, created, error } = await register(variant);
      expect(res.status, variant).toBe(422);
      expect(error, variant).toBe(escapeHtml(en.problems.passwordCommon));
      expect(created, variant).toBe(false);
    }
  });

  it('refuses a common password padded by repetition to reach 15 characters', async () => {
    for (const password of ['monkeymonkeymonkey', 'ILOVEYOUILOVEYOU', 'zzzzzzzzzzzzzzzzzzzz']) {
      const { res, error } = await register(password);
      expect(res.status, password).toBe(422);
      expect(error, password).toBe(escapeHtml(en.problems.passwordRepetitive));
    }
  });
});

describe('context-specific words', () => {
  it('refuses the username, the email local part and the app name inside the password, in any case', async () => {
    const cases: [string, { username?: string; email?: string }, string][] = [
      ['orbital KJOHNSON_1918 maths', { username: 'kjohnson_1918' }, en.problems.passwordHasUsername],
      ['trajectory by Katherine.J!', { email: 'katherine.j@nasa.example' }, en.problems.passwordHasEmail],
      ['welcome to GATEHOUSE today', {}, en.problems.passwordHasAppName],
    ];
    for (const [password, account, message] of cases) {
      const { res, created, error } = await register(password, account);
      expect(res.status, password).toBe(422);
      expect(error, password).toBe(escapeHtml(message));
      expect(created, password).toBe(false);
    }
  });
});

describe('length and characters', () => {
  it('14 characters are refused, 15 accepted', async () => {
    const fourteen = await register('hidden figures');
    expect([...'hidden figures'].length).toBe(14);
    expect(fourteen.res.status).toBe(422);
    expect(fourteen.error).toBe(escapeHtml(en.problems.passwordTooShort));
    const fifteen = await register('hidden figures!');
    expect(fifteen.res.status).toBe(302);
    expect(fifteen.created).toBe(true);
  });

  it('spaces, emoji and any script work, and sign in again, also when typed in another Unicode form', async () => {
    const password = '🚀 Über die Umlaufbahn, 軌道 ✨'; // "Ü" typed precomposed
    const { res, username } = await register(password);
    expect(res.status).toBe(302);
    expect((await signIn(new TestClient(t.app), username, password)).status).toBe(302);
    // The same text with "Ü" as U + combining diaeresis: NFKC makes them one password.
    const decomposed = password.normalize('NFD');
    expect(decomposed).not.toBe(password);
    expect((await signIn(new TestClient(t.app), username, decomposed)).status).toBe(302);
    expect((await signIn(new TestClient(t.app), username, password.replace('🚀', '🛸'))).status).toBe(401);
  });

  it('no truncation: a 128-character password differing only in its last character does not sign in', async () => {
    const words = 'west computing group at langley research center ';
    const password = words.repeat(3).slice(0, 127) + 'A';
    expect([...password].length).toBe(128);
    const { res, username } = await register(password);
    expect(res.status).toBe(302);
    expect((await signIn(new TestClient(t.app), username, password.slice(0, 127) + 'B')).status).toBe(401);
    expect((await signIn(new TestClient(t.app), username, password.slice(0, 127))).status).toBe(401);
    expect((await signIn(new TestClient(t.app), username, password)).status).toBe(302);
  });

  it('no truncation at the top either: a 1024-character password differing only in its last character does not sign in', async () => {
    const password = 'computing trajectories by hand '.repeat(40).slice(0, 1023) + '1';
    const { res, username } = await register(password);
    expect(res.status).toBe(302);
    expect((await signIn(new TestClient(t.app), username, password.slice(0, 1023) + '2')).status).toBe(401);
    expect((await signIn(new TestClient(t.app), username, password)).status).toBe(302);
  });
});
