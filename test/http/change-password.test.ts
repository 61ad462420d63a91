/**
 * Change password from the profile: the page, the rules, the outcome (new
 * password works, old does not, a notice is mailed) and every refusal shown
 * beside its field. Session endings and CSRF are in
 * test/security/password-change.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { verifyPassword } from '../../src/auth/password.js';
import { findUserById } from '../../src/db/users.js';
import { escapeHtml } from '../../src/views/html.js';
import { createUser, queuedMailTo, startTestApp, type TestApp, waitForDevMail } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { PwnedPasswordsStandIn } from '../support/pwned-passwords-stand-in.js';
import { signedIn } from '../support/sign-in.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ APP_URL: 'https://gatehouse.example' });
});
afterAll(async () => t.close());

function errorBeside(body: string, field: string): string | null {
  const match = new RegExp(`<p class="error" id="f-${field}-error">([\\s\\S]*?)</p>`).exec(body);
  return match ? match[1]! : null;
}

const storedHash = async (app: TestApp, id: number) => (await findUserById(app.app.ctx.db, id))!.password_hash;

describe('change password', () => {
  it('is linked from your own profile only', async () => {
    const { user, client } = await signedIn(t.app, {}, { expectStatus: 302 });
    const other = await createUser(t.app);
    expect((await client.get(`/user/${user.username}`)).body).toContain('href="/profile/password"');
    expect((await client.get(`/user/${other.username}`)).body).not.toContain('href="/profile/password"');
  });

  it('sends visitors to sign in first', async () => {
    const res = await new TestClient(t.app).get('/profile/password');
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login?next=%2Fprofile%2Fpassword');
  });

  it('shows the three fields, the 15-character rule and the passphrase suggestion', async () => {
    const { client } = await signedIn(t.app, {}, { expectStatus: 302 });
    const page = await client.get('/profile/password');
    expect(page.status).toBe(200);
    expect(page.body).toContain('autocomplete="current-password"');
    expect(page.body.match(/autocomplete="new-password"/g)).toHaveLength(2);
    expect(page.body).toContain('At least 15 characters, because your password may be the only thing protecting your account.');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('changes the password: the new one signs in, the old one does not, and a notice is mailed', async () => {
    const { user, client } = await signedIn(t.app, {}, { expectStatus: 302 });
    const res = await client.submit('/profile/password', { current_password: user.password, password: 'a kettle of fresh tea', confirm_password: 'a kettle of fresh tea' });
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/user/${user.username}`);
    expect(flashIn((await client.follow(res)).body)).toBe(en.account.changePassword.changed);

    expect((await signIn(new TestClient(t.app), user.username, user.password)).status).toBe(401);
    expect((await signIn(new TestClient(t.app), user.username, 'a kettle of fresh tea')).status).toBe(302);

    // (The sign-in from a new browser above also mails a notice; this test is about the password's.)
    const mails = (await queuedMailTo(t.app, user.email)).filter((m) => m.kind !== 'new_browser');
    expect(mails.map((m) => m.kind)).toEqual(['password_changed']);
    const mail = await waitForDevMail(t.app, user.email, 'Your Gatehouse password was changed');
    expect(mail.text_body).toMatch(/This wasn't me: secure my account: https:\/\/gatehouse\.example\/wasnt-me\/[A-Za-z0-9_-]{43}/);
    expect(mail.html_body).toMatch(/href="https:\/\/gatehouse\.example\/wasnt-me\/[A-Za-z0-9_-]{43}"/);
    expect(mail.text_body).not.toContain('a kettle of fresh tea');
  });

  it('refuses a wrong current password, and changes nothing', async () => {
    const { user, client } = await signedIn(t.app, {}, { expectStatus: 302 });
    const before = await storedHash(t, user.id);
    const res = await client.submit('/profile/password', { current_password: 'not my password at all', password: 'a kettle of fresh tea', confirm_password: 'a kettle of fresh tea' });
    expect(res.status).toBe(422);
    expect(errorBeside(res.body, 'current_password')).toBe(en.codes.reauth.wrong);
    expect(res.body).not.toContain('not my password at all');
    expect(await storedHash(t, user.id)).toBe(before);
    expect(await queuedMailTo(t.app, user.email)).toEqual([]);
  });

  it('shows every problem at once: a wrong current password and a weak, mismatched new one', async () => {
    const { client } = await signedIn(t.app, {}, { expectStatus: 302 });
    const res = await client.submit('/profile/password', { current_password: 'wrong', password: 'short', confirm_password: 'other' });
    expect(res.status).toBe(422);
    expect(errorBeside(res.body, 'current_password')).toBe(en.codes.reauth.wrong);
    expect(errorBeside(res.body, 'password')).toBe(escapeHtml(en.problems.passwordTooShort));
    expect(errorBeside(res.body, 'confirm_password')).toBe('The two passwords do not match.');
  });

  it('applies the new-password rules: blocklist, username, email, app name', async () => {
    const { user, client } = await signedIn(t.app, { username: 'lise_meitner', email: 'fission@example.org' }, { expectStatus: 302 });
    const before = await storedHash(t, user.id);
    const cases: [string, string][] = [
      ['Q1W2E3R4T5Y6U7I8', en.problems.passwordCommon],
      ['I am LISE_MEITNER, physicist', en.problems.passwordHasUsername],
      ['nuclear fission 1938', en.problems.passwordHasEmail],
      ['my gatehouse password', en.problems.passwordHasAppName],
    ];
    for (const [password, message] of cases) {
      const res = await client.submit('/profile/password', { current_password: user.password, password, confirm_password: password });
      expect(res.status, password).toBe(422);
      expect(errorBeside(res.body, 'password'), password).toBe(escapeHtml(message));
    }
    expect(await storedHash(t, user.id)).toBe(before);
  });

  it('refuses the current password as the new one', async () => {
    const { user, client } = await signedIn(t.app, {}, { expectStatus: 302 });
    const res = await client.submit('/profile/password', { current_password: user.password, password: user.password, confirm_password: user.password });
    expect(res.status).toBe(422);
    expect(errorBeside(res.body, 'password')).toBe(en.account.changePassword.sameAsCurrent);
  });

  it('keeps "remember me": the new cookie is persistent again', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password, { remember: 'on' });
    const res = await client.submit('/profile/password', { current_password: user.password, password: 'a kettle of fresh tea', confirm_password: 'a kettle of fresh tea' });
    const cookie = res.setCookies.find((c) => c.startsWith('__Host-gatehouse_session=') || c.startsWith('gatehouse_session='));
    expect(cookie).toMatch(/Max-Age=\d+/);
  });

  it('with PWNED_PASSWORDS_CHECK=true, refuses a breached new password', async () => {
    const standIn = await PwnedPasswordsStandIn.start();
    const app = await startTestApp(standIn.env());
    try {
      standIn.breach('breached kettle of tea', 99);
      const { user, client } = await signedIn(app.app, {}, { expectStatus: 302 });
      const res = await client.submit('/profile/password', { current_password: user.password, password: 'breached kettle of tea', confirm_password: 'breached kettle of tea' });
      expect(res.status).toBe(422);
      expect(errorBeside(res.body, 'password')).toBe(escapeHtml(en.problems.passwordBreached));
      expect(await verifyPassword(await storedHash(app, user.id), user.password)).toBe(true);
    } finally {
      await app.close();
      await standIn.close();
    }
  });
});
