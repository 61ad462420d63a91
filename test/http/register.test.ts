import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUsername } from '../../src/db/users.js';
import { es } from '../../src/i18n/es/index.js';
import { startTestApp, waitForDevMails, type TestApp } from '../support/app.js';
import { flashIn, TestClient } from '../support/client.js';
import { productionHashCost } from '../support/hash-cost.js';

// The first test checks the stored hash's parameters.
productionHashCost();

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const valid = {
  first_name: 'Ada',
  last_name: 'Lovelace',
  username: 'ada.l',
  email: 'Ada@Example.com',
  password: 'analytical engine',
  confirm_password: 'analytical engine',
};

describe('register', () => {
  it('creates the account, mails a confirmation link and sends the user to sign in with a message', async () => {
    const client = new TestClient(t.app);
    const res = await client.submit('/register', valid);
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login');
    const login = await client.follow(res);
    expect(flashIn(login.body)).toBe('Account created — check your email to confirm your address.');
    const user = await findUserByUsername(t.app.ctx.db, 'ADA.L');
    expect(user?.email_normalized).toBe('ada@example.com');
    expect(user?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(user?.email_confirmed_at).toBeNull();
    const mail = await waitForDevMails(t.app, 'Ada@Example.com', 1);
    expect(mail.map((m) => m.subject)).toEqual(['Confirm your email address for Gatehouse']);
  });

  it('a registration from a Spanish page gets its confirmation mail in Spanish and keeps Spanish on the account', async () => {
    const client = new TestClient(t.app);
    client.headers['accept-language'] = 'es';
    const res = await client.submit('/register', { ...valid, username: 'ada.es', email: 'ada.es@example.com' });
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login');
    const user = await findUserByUsername(t.app.ctx.db, 'ada.es');
    expect(user?.locale).toBe('es');
    const mail = await waitForDevMails(t.app, 'ada.es@example.com', 1);
    expect(mail.map((m) => m.subject)).toEqual([es.account.confirmationMail.subject]);
    const intro = es.account.confirmationMail.intro(24);
    expect(mail[0]!.text_body).toContain(intro);
    expect(mail[0]!.html_body).toContain(intro);
    expect(mail[0]!.html_body).toContain('lang="es"');
    expect(mail[0]!.text_body).not.toContain('Confirm your email address');
  });

  it('refuses a username that differs only in case, keeping the input but never the password', async () => {
    const client = new TestClient(t.app);
    const res = await client.submit('/register', { ...valid, username: 'ADA.L', email: 'other@example.com' });
    expect(res.status).toBe(422);
    expect(res.body).toContain('That username is taken');
    expect(res.body).toContain('value="other@example.com"');
    expect(res.body).not.toContain('analytical engine');
  });

  it('an email already in use, whatever its case, gets the same answer, creates nothing and tells the owner', async () => {
    const client = new TestClient(t.app);
    const res = await client.submit('/register', { ...valid, username: 'someone_else', email: ' ADA@example.COM ' });
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login');
    expect(flashIn((await client.follow(res)).body)).toBe('Account created — check your email to confirm your address.');
    expect(await findUserByUsername(t.app.ctx.db, 'someone_else')).toBeUndefined();
    const mail = await waitForDevMails(t.app, 'Ada@Example.com', 2);
    expect(mail.map((m) => m.subject)).toEqual(['Confirm your email address for Gatehouse', 'Someone tried to register with your Gatehouse address']);
    // Sign-in and reset links, from APP_URL, so the owner can act on it.
    expect(mail[1]!.text_body).toContain(`${t.config.appUrl}/login`);
    expect(mail[1]!.text_body).toContain(`${t.config.appUrl}/reset-password`);
  });

  it('shows each rule beside its field', async () => {
    const client = new TestClient(t.app);
    const res = await client.submit('/register', {
      first_name: ' ',
      last_name: 'X',
      username: 'a b',
      email: 'not-an-email',
      password: 'short',
      confirm_password: 'different',
    });
    expect(res.status).toBe(422);
    expect(res.body).toContain('id="f-first_name-error"');
    expect(res.body).toContain('Use 3 to 32 characters');
    expect(res.body).toContain('Enter an email address like name@example.com.');
    expect(res.body).toContain('Use at least 15 characters.');
    expect(res.body).toContain('The two passwords do not match.');
  });

  it('accepts a 128-character password without truncating it', async () => {
    const client = new TestClient(t.app);
    const long = 'x'.repeat(127) + 'y';
    const res = await client.submit('/register', { ...valid, username: 'longpass', email: 'long@example.com', password: long, confirm_password: long });
    expect(res.status).toBe(302);
    const wrong = await client.submit('/login', { login: 'longpass', password: 'x'.repeat(128) });
    expect(wrong.status).toBe(401);
    const right = await client.submit('/login', { login: 'longpass', password: long });
    expect(right.status).toBe(302);
  });
});
