/** ENFORCE_2FA=true: accounts without a second factor must set one up before reaching any other page. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { createUser, DEFAULT_TEST_PASSWORD, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { flashIn, signIn, TestClient } from '../support/client.js';
import { addPasskey } from '../support/passkeys.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { enrolAuthenticator, keyIn, totpCode } from '../support/totp.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ENFORCE_2FA: 'true' });
});
afterAll(async () => t.close());

describe('ENFORCE_2FA', () => {
  it('sends a user without a second factor to the security page from every other page, until they set one up', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    for (const path of ['/', `/user/${user.username}`, '/profile/edit', '/profile/password']) {
      const page = await client.get(path);
      expect(page.location, path).toBe('/security');
    }
    expect(flashIn((await client.open('/')).body)).toBe(en.codes.enforce.required);
    // Forms elsewhere are refused the same way.
    const edit = await client.post('/profile/edit', { _csrf: /name="_csrf" value="([^"]+)"/.exec((await client.get('/security')).body)![1]!, username: 'x', about_me: '' });
    expect(edit.location).toBe('/security');

    expect((await client.get('/security')).status).toBe(200);
    expect((await client.get('/two-factor/sms/enable')).status).toBe(200);
    await enrolAuthenticator(client, () => Date.now());
    expect((await client.get('/')).status).toBe(200);
  });

  it('the set-up leads back to the page the user was going to (once), whichever factor they set up', async () => {
    /** The recovery codes' "I have saved them" link at the end of a first factor's set-up. */
    const savedLink = (body: string) => /<a class="button primary" href="([^"]+)">/.exec(body)?.[1];
    const setUps: [string, (client: TestClient) => Promise<string>][] = [
      [
        'an authenticator app',
        async (client) => {
          const key = keyIn((await client.get('/two-factor/app/enable')).body);
          return (await client.submit('/two-factor/app/enable', { code: totpCode(key, Date.now()) })).body;
        },
      ],
      ['a passkey', async (client) => (await addPasskey(client, new SoftAuthenticator(), t.app.ctx.config.appUrl)).body],
      [
        'codes by text',
        async (client) => {
          const phone = '+14155557409';
          expect((await client.submit('/two-factor/sms/enable', { phone, password: DEFAULT_TEST_PASSWORD })).location).toBe('/two-factor/sms/confirm');
          return (await client.submit('/two-factor/sms/confirm', { code: await latestDevCode(t.app, phone) })).body;
        },
      ],
    ];
    for (const [name, setUp] of setUps) {
      const user = await createUser(t.app);
      const client = new TestClient(t.app);
      await signIn(client, user.username, user.password);
      expect((await client.get('/profile/edit?from=app')).location).toBe('/security');
      // A form post is not a page to go back to.
      await client.post('/profile/edit', { _csrf: /name="_csrf" value="([^"]+)"/.exec((await client.get('/security')).body)![1]!, username: 'x', about_me: '' });
      expect(savedLink(await setUp(client)), name).toBe('/profile/edit?from=app');
      expect((await client.get('/profile/edit?from=app')).status).toBe(200);
    }
  });

  it('without a page to go back to, the set-up ends on the security page as before', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const key = keyIn((await client.get('/two-factor/app/enable')).body);
    const done = await client.submit('/two-factor/app/enable', { code: totpCode(key, Date.now()) });
    expect(done.body).toContain('<a class="button primary" href="/security">');
  });

  it('counts a passkey as a second factor', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    expect((await client.get('/')).location).toBe('/security');
    expect((await addPasskey(client, new SoftAuthenticator(), t.app.ctx.config.appUrl)).status).toBe(200);
    expect((await client.get('/')).status).toBe(200);
  });

  it('lets users with SMS codes through, and leaves visitors and sign-out alone', async () => {
    const phone = '+14155557401';
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    expect((await client.get('/')).status).toBe(200);
    expect((await new TestClient(t.app).get('/login')).status).toBe(200);

    const other = await createUser(t.app);
    const c = new TestClient(t.app);
    await signIn(c, other.username, other.password);
    expect((await c.submit('/security', {}, '/logout')).location).toBe('/login');
  });
});
