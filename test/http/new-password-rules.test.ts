/**
 * The new-password rules through the forms that set a password: register and
 * reset (change password has its own file). Each refusal is a 422 with the
 * reason beside the password field, the password is never echoed back, and
 * nothing is stored. With PWNED_PASSWORDS_CHECK on, a breached password is
 * refused; when the service is down the form still works (fails open).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { verifyPassword } from '../../src/auth/password.js';
import { findUserById, findUserByUsername } from '../../src/db/users.js';
import { escapeHtml } from '../../src/views/html.js';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { resetLinkFor, submitPasswordForm } from '../support/password-forms.js';
import { PwnedPasswordsStandIn } from '../support/pwned-passwords-stand-in.js';

let t: TestApp;
let standIn: PwnedPasswordsStandIn;
let withPwned: TestApp;
beforeAll(async () => {
  standIn = await PwnedPasswordsStandIn.start();
  t = await startTestApp();
  withPwned = await startTestApp(standIn.env());
});
afterEach(() => standIn.force(null));
afterAll(async () => {
  await t.close();
  await withPwned.close();
  await standIn.close();
});

/** The message shown beside a field, unescaped. */
function errorBeside(body: string, field: string): string | null {
  const match = new RegExp(`<p class="error" id="f-${field}-error">([\\s\\S]*?)</p>`).exec(body);
  return match ? match[1]! : null;
}

let counter = 0;
function registration(password: string, overrides: Record<string, string> = {}) {
  counter++;
  return {
    first_name: 'Rosalind',
    last_name: 'Franklin',
    username: `rfranklin${counter}`,
    email: `rosalind${counter}@example.org`,
    password,
    confirm_password: password,
    ...overrides,
  };
}

async function register(app: TestApp, form: ReturnType<typeof registration>) {
  const res = await new TestClient(app.app).submit('/register', form);
  const user = await findUserByUsername(app.app.ctx.db, form.username);
  return { res, user };
}

describe('register', () => {
  it('accepts a 15-character passphrase', async () => {
    const { res, user } = await register(t, registration('photo 51 x-rays'));
    expect(res.status).toBe(302);
    expect(user).toBeDefined();
  });

  const refused: [string, (n: number) => Record<string, string>, string][] = [
    ['14 characters', () => ({ password: 'photo 51 x-ray', confirm_password: 'photo 51 x-ray' }), en.problems.passwordTooShort],
    ['a common password', () => ({ password: 'PasswordPassword', confirm_password: 'PasswordPassword' }), en.problems.passwordCommon],
    ['a repeated pattern', () => ({ password: 'abcabcabcabcabcabc', confirm_password: 'abcabcabcabcabcabc' }), en.problems.passwordRepetitive],
    ['the username', (n) => ({ username: `helix${n}`, password: `my helix${n} password`, confirm_password: `my helix${n} password` }), en.problems.passwordHasUsername],
    ['the email local part', (n) => ({ email: `dna.pioneer${n}@example.org`, password: `DNA.Pioneer${n} rocks!`, confirm_password: `DNA.Pioneer${n} rocks!` }), en.problems.passwordHasEmail],
    ['the app name', () => ({ password: 'my gatehouse secret', confirm_password: 'my gatehouse secret' }), en.problems.passwordHasAppName],
  ];
  for (const [what, overrides, message] of refused) {
    it(`refuses ${what}, saying why beside the field, keeping nothing`, async () => {
      const form = { ...registration('unused'), ...overrides(counter) };
      const { res, user } = await register(t, form);
      expect(res.status).toBe(422);
      expect(errorBeside(res.body, 'password')).toBe(escapeHtml(message));
      expect(res.body).not.toContain(escapeHtml(form.password));
      expect(user).toBeUndefined();
    });
  }

  it('shows the 15-character rule, why, and the passphrase suggestion on the form', async () => {
    const page = await new TestClient(t.app).get('/register');
    expect(page.body).toContain('At least 15 characters, because your password may be the only thing protecting your account.');
    expect(page.body).toContain('Try a passphrase');
    expect(page.body).not.toMatch(/name="password"[^>]*maxlength/); // a browser would silently cut a long password
  });
});

describe('reset', () => {
  it('applies the same rules, with the account\'s own words, to the new password', async () => {
    const user = await createUser(t.app, { username: 'chargaff', email: 'base.ratios@example.org' });
    const link = await resetLinkFor(t.app, user.id);
    const client = new TestClient(t.app);
    const cases: [string, string][] = [
      ['short one', en.problems.passwordTooShort],
      ['1qaz2wsx3edc4rfv', en.problems.passwordCommon],
      ['ratios by Chargaff rule', en.problems.passwordHasUsername],
      ['my Base.Ratios at home', en.problems.passwordHasEmail],
      ['gatehouse gatekeeper', en.problems.passwordHasAppName],
    ];
    for (const [password, message] of cases) {
      const res = await submitPasswordForm(client, link, { password, confirm_password: password });
      expect(res.status, password).toBe(422);
      expect(errorBeside(res.body, 'password'), password).toBe(escapeHtml(message));
    }
    // None of those was stored, and the link still works for a good password.
    expect(await verifyPassword((await findUserById(t.app.ctx.db, user.id))!.password_hash, user.password)).toBe(true);
    const ok = await submitPasswordForm(client, link, { password: 'pairs of adenine and thymine', confirm_password: 'pairs of adenine and thymine' });
    expect(ok.status).toBe(302);
    expect(await verifyPassword((await findUserById(t.app.ctx.db, user.id))!.password_hash, 'pairs of adenine and thymine')).toBe(true);
  });

  it('shows the rule and the passphrase suggestion on the form', async () => {
    const user = await createUser(t.app);
    const page = await new TestClient(t.app).open(await resetLinkFor(t.app, user.id));
    expect(page.body).toContain('At least 15 characters, because your password may be the only thing protecting your account.');
  });
});

describe('with PWNED_PASSWORDS_CHECK=true (range-API stand-in)', () => {
  it('refuses a breached password at registration and at reset', async () => {
    standIn.breach('tr0ub4dor&3 horse', 1337);
    const { res, user } = await register(withPwned, registration('tr0ub4dor&3 horse'));
    expect(res.status).toBe(422);
    expect(errorBeside(res.body, 'password')).toBe(escapeHtml(en.problems.passwordBreached));
    expect(user).toBeUndefined();

    const existing = await createUser(withPwned.app);
    const reset = await submitPasswordForm(new TestClient(withPwned.app), await resetLinkFor(withPwned.app, existing.id), {
      password: 'tr0ub4dor&3 horse',
      confirm_password: 'tr0ub4dor&3 horse',
    });
    expect(reset.status).toBe(422);
    expect(errorBeside(reset.body, 'password')).toBe(escapeHtml(en.problems.passwordBreached));
  });

  it('accepts a password the corpus does not hold', async () => {
    const { res, user } = await register(withPwned, registration('never leaked before, honest'));
    expect(res.status).toBe(302);
    expect(user).toBeDefined();
  });

  it('fails open: with the service hanging, registration still completes, after about 1 s', async () => {
    standIn.breach('breached while the service hangs', 5);
    standIn.force('hang');
    const started = performance.now();
    const { res, user } = await register(withPwned, registration('breached while the service hangs'));
    expect(res.status).toBe(302);
    expect(user).toBeDefined();
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('is not consulted when the check is off (the default)', async () => {
    const before = standIn.requests.length;
    standIn.breach('breached but nobody asks', 5);
    const { res } = await register(t, registration('breached but nobody asks'));
    expect(res.status).toBe(302);
    expect(standIn.requests.length).toBe(before);
  });
});
