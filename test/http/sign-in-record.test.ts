/**
 * The record of how someone signed in (src/auth/sign-in.ts): every way a
 * sign-in completes goes through `completeSignIn`, which writes on the new
 * session what the person proved and whether a remembered device skipped the
 * second step. Other apps will be told this (acr/amr), so each path is checked
 * here end to end: the password alone, each second step, a remembered device,
 * and a passkey alone (synced or bound to its device) — and that a step-up keeps the record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { howSignedIn } from '../../src/auth/sign-in.js';
import { amrOf } from '../../src/oidc/claims.js';
import { listDevMessages } from '../../src/db/dev-outbox.js';
import { ManualClock, minutes } from '../../src/lib/duration.js';
import { createUser, latestDevCode, startTestApp, type TestApp } from '../support/app.js';
import { signIn, TestClient } from '../support/client.js';
import { addPasskey, signInWithPasskey, useSecondFactorPasskey } from '../support/passkeys.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { enrolAuthenticator, totpCode } from '../support/totp.js';

const clock = new ManualClock(Date.UTC(2026, 11, 5, 9, 0, 0));
let t: TestApp;
let origin: string;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
  origin = t.app.ctx.config.appUrl;
});
afterAll(async () => t.close());

/** The record on the user's one signed-in session. */
async function recordOf(userId: number) {
  const sessions = await t.app.ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('two_factor_pending', '=', 0).execute();
  expect(sessions).toHaveLength(1);
  return howSignedIn(sessions[0]!);
}

const signedInAt = () => expect.any(Number) as unknown as number;

/** A user with an authenticator app, signed out again; `client` is their browser. */
async function userWithApp() {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  const { key, recoveryCodes } = await enrolAuthenticator(client, () => clock.now());
  await client.submit('/security', {}, '/logout');
  await t.app.ctx.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
  return { user, client, key, recoveryCodes };
}

describe('how someone signed in', () => {
  it('the password alone, on an account without a second factor', async () => {
    const user = await createUser(t.app);
    expect((await signIn(new TestClient(t.app), user.username, user.password)).location).toBe('/');
    expect(await recordOf(user.id)).toEqual({ methods: ['password'], secondStepSkipped: false, at: clock.now(), passkeyBackedUp: null });
  });

  it('the password and an authenticator code; then a remembered device skips the code, and says so', async () => {
    const { user, client, key } = await userWithApp();
    expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor/app');
    clock.advance(minutes(1));
    expect((await client.submit('/login/two-factor/app', { code: totpCode(key, clock.now()), remember_device: 'on' })).location).toBe('/');
    expect(await recordOf(user.id)).toEqual({ methods: ['password', 'totp'], secondStepSkipped: false, at: signedInAt(), passkeyBackedUp: null });

    await client.submit('/security', {}, '/logout');
    expect((await signIn(client, user.username, user.password)).location).toBe('/');
    // Only the password was proved on this sign-in: the record must never claim the second factor.
    expect(await recordOf(user.id)).toEqual({ methods: ['password'], secondStepSkipped: true, at: signedInAt(), passkeyBackedUp: null });
  });

  it('the password and a recovery code', async () => {
    const { user, client, recoveryCodes } = await userWithApp();
    await signIn(client, user.username, user.password);
    expect((await client.submit('/login/two-factor/recovery', { code: recoveryCodes[0]! })).location).toBe('/');
    expect((await recordOf(user.id))?.methods).toEqual(['password', 'recovery_code']);
  });

  it('the password and a code by email', async () => {
    const { user, client } = await userWithApp();
    // Turned on as the security page would (its own tests cover that page).
    await t.app.ctx.db.updateTable('users').set({ email_codes_enabled: 1 }).where('id', '=', user.id).execute();
    await signIn(client, user.username, user.password);
    expect((await client.submit('/login/two-factor/email', {}, '/login/two-factor/email/send')).location).toBe('/login/two-factor/email');
    let code: string | undefined;
    for (let i = 0; i < 100 && !code; i++) {
      const mail = (await listDevMessages(t.app.ctx.db)).find((m) => m.recipient === user.email && /to finish signing in/.test(m.text_body));
      code = mail ? /\b(\d{6})\b/.exec(mail.text_body)?.[1] : undefined;
      if (!code) await new Promise((r) => setTimeout(r, 20));
    }
    expect((await client.submit('/login/two-factor/email', { code: code! })).location).toBe('/');
    expect((await recordOf(user.id))?.methods).toEqual(['password', 'email_code']);
  });

  it('the password and a code by text, or read out by a voice call', async () => {
    const phone = '+14155550142';
    for (const channel of ['sms', 'call'] as const) {
      const user = await createUser(t.app, { phone });
      const client = new TestClient(t.app);
      expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor');
      if (channel === 'call') {
        clock.advance(minutes(1)); // past the 30-second wait between codes
        expect((await client.submit('/login/two-factor', { channel: 'call' }, '/login/two-factor/resend')).location).toBe('/login/two-factor');
      }
      expect((await client.submit('/login/two-factor', { code: await latestDevCode(t.app, phone) })).location).toBe('/');
      expect((await recordOf(user.id))?.methods).toEqual(['password', channel]);
      clock.advance(minutes(11)); // the dev Verify keeps one code per number; let it lapse
    }
  });

  it('the password and a passkey: with its user verified, and a plain security key without', async () => {
    for (const userVerification of [true, false]) {
      const user = await createUser(t.app);
      const client = new TestClient(t.app);
      const authenticator = new SoftAuthenticator({ userVerification });
      await signIn(client, user.username, user.password);
      expect((await addPasskey(client, authenticator, origin)).status).toBe(200);
      await client.submit('/security', {}, '/logout');
      expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor/passkey');
      expect((await useSecondFactorPasskey(client, authenticator, origin)).location).toBe('/');
      expect((await recordOf(user.id))?.methods).toEqual(userVerification ? ['password', 'passkey', 'user_verification'] : ['password', 'passkey']);
      // The soft authenticator's keys never leave it: a device-bound passkey (BS flag clear), `hwk` to apps.
      expect((await recordOf(user.id))?.passkeyBackedUp).toBe(false);
    }
  });

  it('whether the passkey is synced or bound to its device, as it answered at that sign-in (hwk vs swk)', async () => {
    for (const synced of [true, false]) {
      const user = await createUser(t.app);
      const client = new TestClient(t.app);
      const authenticator = new SoftAuthenticator({ synced });
      await signIn(client, user.username, user.password);
      expect((await addPasskey(client, authenticator, origin)).status).toBe(200);
      await client.submit('/security', {}, '/logout');
      expect((await signInWithPasskey(client, authenticator, origin)).location).toBe('/');
      expect((await recordOf(user.id))?.passkeyBackedUp).toBe(synced);
      expect(amrOf((await recordOf(user.id))!)).toEqual([synced ? 'swk' : 'hwk', 'user', 'mfa']);
      await client.submit('/security', {}, '/logout');
      expect((await signIn(client, user.username, user.password)).location).toBe('/login/two-factor/passkey');
      expect((await useSecondFactorPasskey(client, authenticator, origin)).location).toBe('/');
      expect((await recordOf(user.id))?.passkeyBackedUp).toBe(synced);
    }
  });

  it('no passkey at the sign-in: nothing said about one', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    await signIn(client, user.username, user.password);
    expect((await recordOf(user.id))?.passkeyBackedUp).toBeNull();
  });

  it('a passkey alone ("Sign in with a passkey"), which verified its user; a step-up later keeps the record', async () => {
    const user = await createUser(t.app);
    const client = new TestClient(t.app);
    const authenticator = new SoftAuthenticator();
    await signIn(client, user.username, user.password);
    expect((await addPasskey(client, authenticator, origin)).status).toBe(200);
    await client.submit('/security', {}, '/logout');
    const at = clock.now();
    expect((await signInWithPasskey(client, authenticator, origin)).location).toBe('/');
    expect(await recordOf(user.id)).toEqual({ methods: ['passkey', 'user_verification'], secondStepSkipped: false, at, passkeyBackedUp: false });

    clock.advance(minutes(11));
    expect((await client.submit('/reauthenticate', { password: user.password })).location).toBe('/security');
    expect(await recordOf(user.id)).toEqual({ methods: ['passkey', 'user_verification'], secondStepSkipped: false, at, passkeyBackedUp: false });
  });
});
