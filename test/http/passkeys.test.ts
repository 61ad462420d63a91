/**
 * Passkeys and security keys (WebAuthn): adding several from the security
 * page, naming and removing them, using one as the second factor after the
 * password, and passwordless sign-in. The answers come from a software
 * authenticator (test/support/soft-authenticator.ts) that signs real WebAuthn
 * responses, checked by the real @simplewebauthn/server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countUnusedRecoveryCodes } from '../../src/db/factors.js';
import { passkeysOfUser } from '../../src/db/passkeys.js';
import { recentSecurityEvents } from '../../src/db/security-events.js';
import { findUserById } from '../../src/db/users.js';
import { trustedDevicesOfUser } from '../../src/db/trusted-devices.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, latestDevCode, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { csrfTokenIn, flashIn, signIn, TestClient } from '../support/client.js';
import { addPasskey, passkeyOptionsIn, signInWithPasskey, useSecondFactorPasskey } from '../support/passkeys.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { recoveryCodesIn } from '../support/totp.js';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { signedIn } from '../support/sign-in.js';

const clock = new ManualClock(Date.UTC(2026, 10, 26, 9, 0, 0));
let t: TestApp;
let origin: string;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
  origin = t.app.ctx.config.appUrl;
});
afterAll(async () => t.close());

/** A user with one passkey on `authenticator`, signed out again. */
async function userWithPasskey(authenticator = new SoftAuthenticator()) {
  const { user, client } = await signedIn(t.app);
  const added = await addPasskey(client, authenticator, origin, 'Laptop');
  expect(added.status).toBe(200);
  await client.submit('/security', {}, '/logout');
  return { user, authenticator, recoveryCodes: recoveryCodesIn(added.body) };
}

describe('adding passkeys', () => {
  it('needs a recent password, registers with this site as relying party, and the first one comes with recovery codes', async () => {
    const { user, client } = await signedIn(t.app);
    clock.advance(minutes(11));
    const stale = await client.get('/security/passkeys/add');
    expect(stale.location).toBe('/reauthenticate?next=%2Fsecurity%2Fpasskeys%2Fadd');
    await client.submit('/reauthenticate', { password: user.password, next: '/security/passkeys/add' });

    const page = await client.get('/security/passkeys/add');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="/vendor/simplewebauthn/index.umd.min.js" defer></script>');
    const options = passkeyOptionsIn<PublicKeyCredentialCreationOptionsJSON>(page.body);
    expect(options.rp).toEqual({ name: 'Gatehouse', id: new URL(origin).hostname });
    expect(options.user.name).toBe(user.username);
    expect(options.attestation).toBe('none');
    // The user handle is 32 random bytes, not the account id or name.
    expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(32);
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).not.toContain(user.username);

    const done = await addPasskey(client, new SoftAuthenticator(), origin, '  My  phone ');
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your passkey is added');
    expect(recoveryCodesIn(done.body)).toHaveLength(10);
    const [stored] = await passkeysOfUser(t.app.ctx.db, user.id);
    expect(stored?.name).toBe('My phone');
    expect(stored?.public_key).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(10);
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).toContain('passkey_added');
    const notice = await waitForDevMail(t.app, user.email, 'Gatehouse security notice: A passkey was added ("My phone")');
    expect(notice.text_body).toMatch(/\/wasnt-me\/[A-Za-z0-9_-]+/);

    const security = await client.get('/security');
    expect(security.body).toContain('My phone');
    expect(security.body).toContain('Add another passkey');
  });

  it('adds a second passkey without new recovery codes, and refuses the same authenticator twice', async () => {
    const { user, client } = await signedIn(t.app);
    const first = new SoftAuthenticator();
    await addPasskey(client, first, origin, 'Laptop');
    const second = await addPasskey(client, new SoftAuthenticator(), origin, 'YubiKey');
    expect(second.location).toBe('/security');
    expect(flashIn((await client.get('/security')).body)).toContain('Your passkey is added');
    expect((await passkeysOfUser(t.app.ctx.db, user.id)).map((k) => k.name)).toEqual(['Laptop', 'YubiKey']);

    // The page lists the account's keys as excluded, so the browser refuses to make a second one on the same authenticator.
    const page = await client.get('/security/passkeys/add');
    const options = passkeyOptionsIn<PublicKeyCredentialCreationOptionsJSON>(page.body);
    expect(options.excludeCredentials?.map((c) => c.id).sort()).toEqual((await passkeysOfUser(t.app.ctx.db, user.id)).map((k) => k.id).sort());
    expect(() => first.register(options, origin)).toThrow(/InvalidStateError/);
  });

  it('keeps only the transports it knows from what the browser reports, and never fails on odd ones', async () => {
    const { user, client } = await signedIn(t.app);
    const page = await client.get('/security/passkeys/add');
    const answer = new SoftAuthenticator().register(passkeyOptionsIn<PublicKeyCredentialCreationOptionsJSON>(page.body), origin);
    const odd = { ...answer, response: { ...answer.response, transports: ['usb', 42, { length: 1 }, 'warp-drive'] } };
    const done = await client.post('/security/passkeys/add', { _csrf: csrfTokenIn(page.body), name: 'Key', credential: JSON.stringify(odd) });
    expect(done.status).toBe(200);
    expect((await passkeysOfUser(t.app.ctx.db, user.id))[0]?.transports).toBe('usb');

    const again = await client.get('/security/passkeys/add');
    const second = new SoftAuthenticator().register(passkeyOptionsIn<PublicKeyCredentialCreationOptionsJSON>(again.body), origin);
    const notAList = { ...second, response: { ...second.response, transports: 'usb' } };
    expect((await client.post('/security/passkeys/add', { _csrf: csrfTokenIn(again.body), name: 'Other', credential: JSON.stringify(notAList) })).location).toBe('/security');
  });

  it('asks for a name, and says so when the browser sent no passkey (no JavaScript)', async () => {
    const { user, client } = await signedIn(t.app);
    const noName = await addPasskey(client, new SoftAuthenticator(), origin, '   ');
    expect(noName.status).toBe(422);
    expect(noName.body).toContain('Give it a name');
    const noAnswer = await client.submit('/security/passkeys/add', { name: 'Laptop', credential: '' });
    expect(noAnswer.status).toBe(422);
    expect(noAnswer.body).toContain('Passkeys need JavaScript');
    const garbage = await client.submit('/security/passkeys/add', { name: 'Laptop', credential: '{"id":1' });
    expect(garbage.status).toBe(422);
    expect(garbage.body).toContain('could not be added');
    expect(await passkeysOfUser(t.app.ctx.db, user.id)).toEqual([]);
  });

  it('renames and removes a passkey; removing the last factor removes the recovery codes and remembered devices', async () => {
    const { user, client } = await signedIn(t.app);
    await addPasskey(client, new SoftAuthenticator(), origin, 'Laptop');
    const [key] = await passkeysOfUser(t.app.ctx.db, user.id);

    await client.submit('/security', { id: key!.id, name: 'Work laptop' }, '/security/passkeys/rename');
    expect((await passkeysOfUser(t.app.ctx.db, user.id))[0]?.name).toBe('Work laptop');
    const badName = await client.submit('/security', { id: key!.id, name: 'x'.repeat(61) }, '/security/passkeys/rename');
    expect(badName.location).toBe('/security');
    expect((await passkeysOfUser(t.app.ctx.db, user.id))[0]?.name).toBe('Work laptop');

    const removed = await client.submit('/security', { id: key!.id }, '/security/passkeys/remove');
    expect(removed.location).toBe('/security');
    expect(await passkeysOfUser(t.app.ctx.db, user.id)).toEqual([]);
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(0);
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).toContain('passkey_removed');
    await waitForDevMail(t.app, user.email, 'Gatehouse security notice: A passkey was removed ("Work laptop")');
  });

  it("cannot rename or remove another account's passkey", async () => {
    const { user: owner, client: ownerClient } = await signedIn(t.app);
    await addPasskey(ownerClient, new SoftAuthenticator(), origin, 'Laptop');
    const [key] = await passkeysOfUser(t.app.ctx.db, owner.id);
    const { client: other } = await signedIn(t.app);
    await other.submit('/security', { id: key!.id, name: 'Mine now' }, '/security/passkeys/rename');
    await other.submit('/security', { id: key!.id }, '/security/passkeys/remove');
    expect(await passkeysOfUser(t.app.ctx.db, owner.id)).toMatchObject([{ id: key!.id, name: 'Laptop' }]);
  });
});

describe('passkeys next to other factors', () => {
  it('turning text-message codes off keeps the recovery codes while a passkey remains', async () => {
    const phone = '+14155557701';
    const user = await createUser(t.app, { phone });
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) });
    await addPasskey(client, new SoftAuthenticator(), origin, 'Laptop');
    await client.submit('/security', {}, '/security/recovery-codes');
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(10);
    await client.submit('/two-factor/disable', { password: user.password });
    expect((await findUserById(t.app.ctx.db, user.id))?.two_factor_enabled).toBe(0);
    expect(await countUnusedRecoveryCodes(t.app.ctx.db, user.id)).toBe(10);
    // The next sign-in asks for the passkey.
    const next = new TestClient(t.app);
    expect((await signIn(next, user.username, user.password)).location).toBe('/login/two-factor/passkey');
  });
});

describe('a passkey as the second factor', () => {
  it('is asked for after the password, signs in, and is offered first next time', async () => {
    const { user, authenticator } = await userWithPasskey();
    const client = new TestClient(t.app);
    const password = await signIn(client, user.username, user.password);
    expect(password.location).toBe('/login/two-factor/passkey');
    const page = await client.get('/login/two-factor/passkey');
    expect(page.body).toContain('Use your passkey');
    expect(page.body).toContain('Use a recovery code'); // "Try another way"
    const options = passkeyOptionsIn(page.body);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual(authenticator.credentials());
    expect(options.userVerification).toBe('preferred');

    const done = await useSecondFactorPasskey(client, authenticator, origin, { remember_device: 'on' });
    expect(done.location).toBe('/');
    expect((await client.get('/')).status).toBe(200);
    expect((await findUserById(t.app.ctx.db, user.id))?.last_factor).toBe('passkey');
    expect(await trustedDevicesOfUser(t.app.ctx.db, user.id, clock.now())).toHaveLength(1);
    expect((await passkeysOfUser(t.app.ctx.db, user.id))[0]?.counter).toBe(1);
  });

  it('works with a security key that does not verify the person (the password was the first factor)', async () => {
    const { user, authenticator } = await userWithPasskey(new SoftAuthenticator({ userVerification: false }));
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    expect((await useSecondFactorPasskey(client, authenticator, origin)).location).toBe('/');
  });

  it('refuses a passkey of another account, and counts it as a wrong code', async () => {
    const { user } = await userWithPasskey();
    const { authenticator: strangers } = await userWithPasskey();
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const page = await client.get('/login/two-factor/passkey');
    const options = passkeyOptionsIn(page.body);
    const answer = strangers.authenticate({ ...options, allowCredentials: [] }, origin);
    const refused = await client.post('/login/two-factor/passkey', { _csrf: csrfTokenIn(page.body), credential: JSON.stringify(answer) });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain('That passkey was not accepted');
    expect((await client.get('/')).location).toMatch(/^\/login/);
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).toContain('code_failed');
  });

  it('a post without an answer is not counted as a guess', async () => {
    const { user } = await userWithPasskey();
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    const empty = await client.submit('/login/two-factor/passkey', { credential: '' });
    expect(empty.status).toBe(422);
    expect(empty.body).toContain('Passkeys need JavaScript');
    expect((await recentSecurityEvents(t.app.ctx.db, user.id, 0)).map((e) => e.kind)).not.toContain('code_failed');
  });
});

describe('passwordless sign-in', () => {
  it('signs in with the passkey alone, from a link on the sign-in page', async () => {
    const { user, authenticator } = await userWithPasskey();
    const client = new TestClient(t.app);
    expect((await client.get('/login')).body).toContain('href="/login/passkey"');
    const page = await client.get('/login/passkey');
    const options = passkeyOptionsIn(page.body);
    expect(options.allowCredentials ?? []).toEqual([]); // the browser offers what it holds: no username needed
    expect(options.userVerification).toBe('required');

    const done = await signInWithPasskey(client, authenticator, origin, { next: '/security' });
    expect(done.location).toBe('/security');
    const security = await client.get('/security');
    expect(security.status).toBe(200);
    expect(security.body).toContain('Signed in with a passkey (no password)');
    expect((await findUserById(t.app.ctx.db, user.id))?.last_factor).toBe('passkey');
  });

  it('refuses a security key that did not verify the person: without a password that would be one factor', async () => {
    const { authenticator } = await userWithPasskey(new SoftAuthenticator({ userVerification: false }));
    const client = new TestClient(t.app);
    const refused = await signInWithPasskey(client, authenticator, origin);
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('did not sign you in');
    expect((await client.get('/')).location).toMatch(/^\/login/);
  });

  it('refuses a removed passkey', async () => {
    const { user, authenticator } = await userWithPasskey();
    const owner = new TestClient(t.app);
    await signIn(owner, user.username, user.password);
    await useSecondFactorPasskey(owner, authenticator, origin);
    await owner.submit('/security', { id: authenticator.credentials()[0]! }, '/security/passkeys/remove');
    expect(await passkeysOfUser(t.app.ctx.db, user.id)).toEqual([]);
    const refused = await signInWithPasskey(new TestClient(t.app), authenticator, origin);
    expect(refused.status).toBe(401);
  });

  it('keeps "next" to same-site paths only', async () => {
    const { authenticator } = await userWithPasskey();
    const done = await signInWithPasskey(new TestClient(t.app), authenticator, origin, { next: 'https://evil.example/' });
    expect(done.location).toBe('/');
  });
});
