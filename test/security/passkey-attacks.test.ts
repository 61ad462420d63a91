/**
 * Attacks on passkey sign-in, each performed against the real
 * @simplewebauthn checks with a software authenticator:
 * - phishing: a look-alike site relays our challenge and gets the victim's
 *   authenticator to answer it (the answer names the phishing origin, or the
 *   look-alike's RP ID);
 * - replay: a captured signed response is posted again, once more after it
 *   signed in, and twice at the same moment;
 * - a challenge from another sign-in, or made for another purpose;
 * - a cloned authenticator whose signature counter goes back;
 * - a credential id swapped for another account's.
 * (W3C WebAuthn Level 3 §13.4; OWASP ASVS 5.0 V6.5.)
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passkeysOfUser } from '../../src/db/passkeys.js';
import { en } from '../../src/i18n/en/index.js';
import { days, ManualClock, minutes } from '../../src/lib/duration.js';
import { escapeHtml } from '../../src/views/html.js';
import { createUser, startTestApp, waitForDevMail, type TestApp } from '../support/app.js';
import { csrfTokenIn, signIn, TestClient, type Page } from '../support/client.js';
import { addPasskey, passkeyOptionsIn } from '../support/passkeys.js';
import { sessionState } from '../support/session-state.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const clock = new ManualClock(Date.UTC(2026, 10, 26, 10, 0, 0));
let t: TestApp;
let origin: string;
beforeAll(async () => {
  t = await startTestApp({}, { clock, outbox: { pollIntervalMs: 20 } });
  origin = t.app.ctx.config.appUrl;
});
afterAll(async () => t.close());

async function victim(authenticator = new SoftAuthenticator()) {
  const user = await createUser(t.app);
  const client = new TestClient(t.app);
  await signIn(client, user.username, user.password);
  expect((await addPasskey(client, authenticator, origin)).status).toBe(200);
  return { user, authenticator };
}

/** A fresh passwordless sign-in page: its options and CSRF token. */
async function passwordlessPage(client: TestClient): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; csrf: string }> {
  const page = await client.get('/login/passkey');
  return { options: passkeyOptionsIn(page.body), csrf: csrfTokenIn(page.body) };
}

/** Passwordless sign-in's refusal: 401 and its message on the sign-in page, not a crash or a redirect. */
function expectRefused(page: Page): void {
  expect(page.status).toBe(401);
  expect(page.body).toContain(escapeHtml(en.login.passwordless.notAccepted));
}

/**
 * The control: an honest answer from `authenticator`, on a fresh page of the same client, signs it in,
 * so a refusal before it was the attack's doing and not a broken page.
 */
async function honestAnswerSignsIn(client: TestClient, authenticator: SoftAuthenticator): Promise<void> {
  const { options, csrf } = await passwordlessPage(client);
  const page = await client.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(authenticator.authenticate(options, origin)) });
  expect(page.status).toBe(302);
  expect(page.location).toBe('/');
  expect(await sessionState(client)).toBe('signed in');
}

describe('passkey phishing', () => {
  it('an answer made for a look-alike origin does not sign in', async () => {
    const { authenticator } = await victim();
    const attacker = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(attacker);
    // The phishing page relays our options; the browser writes its own origin into the signed client data.
    const phished = authenticator.authenticate(options, 'https://gatehouse-login.example');
    expectRefused(await attacker.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(phished) }));
    expect(await sessionState(attacker)).toBe('signed out');
    await honestAnswerSignsIn(attacker, authenticator);
  });

  it('an answer signed for another relying party id does not sign in', async () => {
    const { authenticator } = await victim();
    const attacker = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(attacker);
    const phished = authenticator.authenticate(options, origin, { rpId: 'gatehouse-login.example', credentialId: authenticator.credentials()[0]! });
    expectRefused(await attacker.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(phished) }));
    expect(await sessionState(attacker)).toBe('signed out');
    await honestAnswerSignsIn(attacker, authenticator);
  });
});

// Synced passkeys do not count signatures (the counter stays 0), so the signature counter cannot catch a replay:
// these answers carry counter 0, and only the server's single-use challenges stop them.
const SYNCED = { counter: 0 };

describe('passkey replay', () => {
  it('a captured response signs in once, never again', async () => {
    const { authenticator } = await victim();
    const owner = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(owner);
    const answer = JSON.stringify(authenticator.authenticate(options, origin, SYNCED));
    expect((await owner.post('/login/passkey', { _csrf: csrf, credential: answer })).location).toBe('/');
    expect(await sessionState(owner)).toBe('signed in');

    const attacker = new TestClient(t.app);
    const { csrf: attackerCsrf } = await passwordlessPage(attacker);
    expectRefused(await attacker.post('/login/passkey', { _csrf: attackerCsrf, credential: answer }));
    expect(await sessionState(attacker)).toBe('signed out');
  });

  it('the same response posted ten times at once signs in exactly once', async () => {
    const { authenticator } = await victim();
    const clients = Array.from({ length: 10 }, () => new TestClient(t.app));
    const pages = await Promise.all(clients.map(passwordlessPage));
    const answer = JSON.stringify(authenticator.authenticate(pages[0]!.options, origin, SYNCED));
    const results = await Promise.all(clients.map((c, i) => c.post('/login/passkey', { _csrf: pages[i]!.csrf, credential: answer })));
    expect(results.filter((r) => r.status === 302 && r.location === '/')).toHaveLength(1);
    const refused = results.filter((r) => r.status === 401);
    expect(refused).toHaveLength(9);
    refused.forEach(expectRefused);
    expect((await Promise.all(clients.map(sessionState))).sort()).toEqual(['signed in', ...Array<string>(9).fill('signed out')]);
  });

  it('an expired challenge is refused', async () => {
    const { authenticator } = await victim();
    const client = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(client);
    clock.advance(minutes(6));
    expectRefused(await client.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(authenticator.authenticate(options, origin)) }));
    expect(await sessionState(client)).toBe('signed out');
    await honestAnswerSignsIn(client, authenticator);
  });

  it('a challenge we did not make, or made for another purpose, is refused', async () => {
    const { user, authenticator } = await victim();
    const client = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(client);
    const forged = authenticator.authenticate({ ...options, challenge: Buffer.alloc(40, 7).toString('base64url') }, origin);
    expectRefused(await client.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(forged) }));

    // A challenge from a second-factor page (bound to that pending sign-in) does not open passwordless sign-in.
    const pending = new TestClient(t.app);
    await signIn(pending, user.username, user.password);
    const secondFactorOptions = passkeyOptionsIn((await pending.get('/login/two-factor/passkey')).body);
    const crossed = authenticator.authenticate(secondFactorOptions, origin);
    expectRefused(await client.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(crossed) }));
    expect(await sessionState(client)).toBe('signed out');
    await honestAnswerSignsIn(client, authenticator);
  });

  it("a second-factor answer from one pending sign-in does not finish another's", async () => {
    const { user, authenticator } = await victim();
    const first = new TestClient(t.app);
    await signIn(first, user.username, user.password);
    const options = passkeyOptionsIn((await first.get('/login/two-factor/passkey')).body);
    const answer = JSON.stringify(authenticator.authenticate(options, origin, SYNCED));

    const second = new TestClient(t.app);
    await signIn(second, user.username, user.password);
    const page = await second.get('/login/two-factor/passkey');
    const refused = await second.post('/login/two-factor/passkey', { _csrf: csrfTokenIn(page.body), credential: answer });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain(escapeHtml(en.login.passkey.wrong));
    expect(await sessionState(second)).toBe('second factor pending');

    // The control: an answer to its own challenge finishes the second sign-in.
    const own = await second.get('/login/two-factor/passkey');
    const done = await second.post('/login/two-factor/passkey', { _csrf: csrfTokenIn(own.body), credential: JSON.stringify(authenticator.authenticate(passkeyOptionsIn(own.body), origin)) });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/');
    expect(await sessionState(second)).toBe('signed in');
  });
});

describe('cloned authenticator', () => {
  it('a response whose signature counter went back is refused', async () => {
    const { user, authenticator } = await victim();
    for (let i = 0; i < 2; i++) {
      const owner = new TestClient(t.app);
      const { options, csrf } = await passwordlessPage(owner);
      await owner.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(authenticator.authenticate(options, origin)) });
    }
    expect((await passkeysOfUser(t.app.ctx.db, user.id))[0]?.counter).toBe(2);

    const clone = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(clone);
    const cloned = authenticator.authenticate(options, origin, { counter: 1 });
    expectRefused(await clone.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(cloned) }));
    expect(await sessionState(clone)).toBe('signed out');
    // The control: the genuine authenticator, whose counter went on (3), still signs in.
    await honestAnswerSignsIn(clone, authenticator);
  });
});

describe('credential swap', () => {
  it("an answer signed by one account's key but naming another account's credential id is refused", async () => {
    const { authenticator: attackers } = await victim();
    const { user: target } = await victim();
    const [targetKey] = await passkeysOfUser(t.app.ctx.db, target.id);
    const client = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(client);
    const answer = attackers.authenticate(options, origin);
    const swapped = { ...answer, id: targetKey!.id, rawId: targetKey!.id };
    expectRefused(await client.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(swapped) }));
    expect(await sessionState(client)).toBe('signed out');
    // The control: the same key, naming its own credential, signs in (its own account).
    await honestAnswerSignsIn(client, attackers);
  });
});

describe('persistence after a takeover', () => {
  it('"This wasn\'t me" removes the passkey the intruder added, and it no longer signs in', async () => {
    const { user, authenticator: owners } = await victim();
    // The owner's passkey is older than every notice still open (links last 7 days): it is not suspect.
    clock.advance(days(8));
    // The intruder has the password and a session (it stood the step-up) and adds a passkey of their own.
    const intruder = new TestClient(t.app);
    await signIn(intruder, user.username, user.password);
    const passkeyPage = await intruder.get('/login/two-factor/passkey');
    const answer = owners.authenticate(passkeyOptionsIn(passkeyPage.body), origin); // e.g. a phished second factor
    await intruder.post('/login/two-factor/passkey', { _csrf: csrfTokenIn(passkeyPage.body), credential: JSON.stringify(answer) });
    const intrudersKey = new SoftAuthenticator();
    expect((await addPasskey(intruder, intrudersKey, origin, 'Mine')).location).toBe('/security');
    expect(await passkeysOfUser(t.app.ctx.db, user.id)).toHaveLength(2);

    await waitForDevMail(t.app, user.email, 'Gatehouse security notice: A passkey was added ("Mine")');
    // The intruder then makes a newer notice (a passkey sign-in from a browser new to the account), hoping the
    // owner clicks that one: only what came after it would be undone.
    clock.advance(minutes(5));
    const fresh = new TestClient(t.app);
    const freshPage = await passwordlessPage(fresh);
    expect((await fresh.post('/login/passkey', { _csrf: freshPage.csrf, credential: JSON.stringify(intrudersKey.authenticate(freshPage.options, origin)) })).location).toBe('/');
    const notice = await waitForDevMail(t.app, user.email, 'New sign-in to your Gatehouse account');
    const link = /https?:\/\/[^/\s]+(\/wasnt-me\/[A-Za-z0-9_-]+)/.exec(notice.text_body)![1]!;
    const owner = new TestClient(t.app);
    expect((await owner.get(link)).body).toContain('remove any passkey, authenticator app or backup phone added');
    await owner.submit(link, { token: link.split('/').pop()! }, '/wasnt-me');

    // The owner's own passkey stays; the intruder's is gone and does not sign in.
    expect((await passkeysOfUser(t.app.ctx.db, user.id)).map((k) => k.name)).toEqual(['Test key']);
    const back = new TestClient(t.app);
    const { options, csrf } = await passwordlessPage(back);
    expectRefused(await back.post('/login/passkey', { _csrf: csrf, credential: JSON.stringify(intrudersKey.authenticate(options, origin)) }));
    expect(await sessionState(intruder)).toBe('signed out');
    expect(await sessionState(fresh)).toBe('signed out');
    // The control: the owner's own passkey still signs in, on the same client.
    await honestAnswerSignsIn(back, owners);
  });
});
