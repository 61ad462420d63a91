/**
 * Attacks the browser can be told to stop: injected inline script (XSS that
 * slipped past escaping), framing the sign-in page for clickjacking, MIME
 * sniffing, and leaking a reset link through the Referer header.
 * (OWASP ASVS 5.0 V3.4 browser security mechanisms.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { outbox: { pollIntervalMs: 20 } });
});
afterAll(async () => t.close());

describe('security headers', () => {
  it('a CSP that allows no inline or third-party script, no framing, and forms only to this site', async () => {
    const res = await new TestClient(t.app).get('/login');
    const csp = String(res.headers['content-security-policy']);
    const directive = (name: string) => csp.split(';').find((d) => d.trim().startsWith(`${name} `))?.trim();
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('default-src')).toBe("default-src 'self'");
    expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(directive('form-action')).toBe("form-action 'self'");
    expect(directive('object-src')).toBe("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });

  it('no page carries an inline script or event handler', async () => {
    const user = await createUser(t.app, { phone: '+14155550144' });
    const client = new TestClient(t.app);
    const pages = [await client.get('/login'), await client.get('/register'), await client.get('/reset-password'), await client.get('/nope')];
    await client.submit('/login', { login: user.username, password: user.password });
    pages.push(await client.get('/login/two-factor'));
    for (const page of pages) {
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.body).not.toMatch(/\son[a-z]+=/i);
    }
  });

  it('pages with account data are not cached', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await client.submit('/login', { login: user.username, password: user.password });
    expect((await client.get(`/user/${user.username}`)).headers['cache-control']).toBe('no-store');
  });

  it('two-factor pages send no Referer at all', async () => {
    const user = await createUser(t.app, { phone: '+14155550145' });
    const client = new TestClient(t.app);
    await client.submit('/login', { login: user.username, password: user.password });
    expect((await client.get('/login/two-factor')).headers['referrer-policy']).toBe('no-referrer');
    const signedIn = new TestClient(t.app);
    const other = await createUser(t.app);
    await signedIn.submit('/login', { login: other.username, password: other.password });
    expect((await signedIn.get('/two-factor/sms/enable')).headers['referrer-policy']).toBe('no-referrer');
  });

  it('the reset form is not leaked through Referer', async () => {
    const user = await createUser(t.app);
    await new TestClient(t.app).submit('/reset-password', { email: user.email });
    let token: string | undefined;
    for (let i = 0; i < 100 && !token; i++) {
      const mail = await t.app.ctx.db.selectFrom('dev_outbox').select('text_body').where('recipient', '=', user.email).executeTakeFirst();
      token = mail ? /\/reset-password\/([A-Za-z0-9_-]+)/.exec(mail.text_body)?.[1] : undefined;
      if (!token) await new Promise((r) => setTimeout(r, 20));
    }
    const client = new TestClient(t.app);
    const redirect = await client.get(`/reset-password/${token}`);
    expect(redirect.headers['referrer-policy']).toBe('no-referrer');
    const page = await client.follow(redirect);
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });
});
