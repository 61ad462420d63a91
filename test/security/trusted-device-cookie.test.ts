/**
 * Attack: abusing "Remember this device". Someone copies a remembered
 * browser's device cookie (malware, a shared computer), or forges one, and
 * uses it to skip the second factor, on that account or another.
 * (NIST SP 800-63B-4 §4.1.3 / OWASP ASVS 5.0 V6.3: remembering a device must
 * not weaken other accounts or outlive a credential reset.)
 * Defence: the cookie holds a 256-bit random token whose SHA-256 is stored for
 * one account; it never replaces the password; it is forgotten on password
 * reset, password or phone change and factor removal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { phoneNumbers } from '../support/phones.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const freshPhone = phoneNumbers('+1415555', { after: 7300 });

async function rememberedBrowser(user: { username: string; password: string; phone: string | null }): Promise<string> {
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  await client.submit('/login/two-factor', { code: await latestDevCode(t.app, user.phone!), remember_device: 'on' });
  return client.cookies.get('gatehouse_device')!.value;
}

function browserWith(deviceToken: string): TestClient {
  const client = new TestClient(t.app);
  client.cookies.set('gatehouse_device', { value: deviceToken });
  return client;
}

describe('trusted device cookie abuse', () => {
  it("Alice's device cookie does not skip Bob's second factor", async () => {
    const alice = await createUser(t.app, { phone: freshPhone() });
    const bob = await createUser(t.app, { phone: freshPhone() });
    const stolen = await rememberedBrowser(alice);
    const attacker = browserWith(stolen);
    expect((await signIn(attacker, bob.username, bob.password)).location).toBe('/login/two-factor');
    expect((await attacker.get('/')).location).toBe('/login/two-factor');
  });

  it('a forged device token is ignored', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const attacker = browserWith('A'.repeat(43));
    expect((await signIn(attacker, user.username, user.password)).location).toBe('/login/two-factor');
  });

  it('the device cookie alone, without the password, signs nobody in', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const attacker = browserWith(await rememberedBrowser(user));
    expect((await attacker.get('/')).location).toMatch(/^\/login\b/);
    expect((await signIn(attacker, user.username, 'not the password at all')).status).toBe(401);
  });

  it('after the owner resets the password by email, a copied device cookie asks for the code again', async () => {
    const user = await createUser(t.app, { phone: freshPhone() });
    const copied = await rememberedBrowser(user);
    const owner = new TestClient(t.app);
    await owner.submit('/reset-password', { email: user.email });
    let link: string | undefined;
    for (let i = 0; i < 100 && !link; i++) {
      const mail = await t.app.ctx.db.selectFrom('dev_outbox').select('text_body').where('recipient', '=', user.email).orderBy('id', 'desc').executeTakeFirst();
      link = mail ? /(\/reset-password\/[A-Za-z0-9_-]+)/.exec(mail.text_body)?.[1] : undefined;
      if (!link) await new Promise((r) => setTimeout(r, 20));
    }
    const NEW = 'a brand new passphrase for 2026';
    await owner.submit(link!, { password: NEW, confirm_password: NEW }, '/reset-password/new');
    const attacker = browserWith(copied);
    expect((await signIn(attacker, user.username, NEW)).location).toBe('/login/two-factor');
  });
});
