/**
 * The software passkey authenticator against the real verifier (@simplewebauthn/server): what it
 * makes must verify, and each attack it can stage (wrong origin, cloned counter, no user
 * verification, re-registering an excluded device) must be refused. Every refusal is paired with
 * the honest response from the same setup verifying, so a refusal cannot pass by accident.
 */
import { describe, expect, it } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:3000';

function registrationOptions(excludeCredentials: { id: string }[] = []) {
  return generateRegistrationOptions({ rpID: RP_ID, rpName: 'Gatehouse', userName: 'alice', excludeCredentials });
}

/** Registers a passkey the way the app would, returning what the app stores for it. */
async function registerPasskey(
  authenticator: SoftAuthenticator,
  requireUserVerification = true,
): Promise<{ credential: WebAuthnCredential; userId: string }> {
  const options = await registrationOptions();
  const verification = await verifyRegistrationResponse({
    response: authenticator.register(options, ORIGIN),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification,
  });
  expect(verification.verified).toBe(true);
  return { credential: verification.registrationInfo!.credential, userId: options.user.id };
}

/** Signs in with the passkey as the app would verify it; throws when the library refuses. */
async function signIn(
  authenticator: SoftAuthenticator,
  credential: WebAuthnCredential,
  { origin = ORIGIN, counter, requireUserVerification = true }: { origin?: string; counter?: number; requireUserVerification?: boolean } = {},
) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
  const response = authenticator.authenticate(options, origin, counter === undefined ? {} : { counter });
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification,
  });
}

describe('SoftAuthenticator against @simplewebauthn/server', () => {
  it('registers a passkey the library verifies ("none" attestation, ES256, user verified)', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptions();
    const response = authenticator.register(options, ORIGIN);

    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: true,
    });

    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo!;
    expect(info.fmt).toBe('none');
    expect(info.userVerified).toBe(true);
    expect(info.rpID).toBe(RP_ID);
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(info.credential.transports).toEqual(['internal']);
    expect(isoBase64URL.toBuffer(response.id)).toHaveLength(32);
    expect(authenticator.credentials()).toEqual([response.id]);
  });

  it('signs in with the registered passkey; the counter goes up on each use', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential, userId } = await registerPasskey(authenticator);

    const first = await signIn(authenticator, credential);
    expect(first.verified).toBe(true);
    expect(first.authenticationInfo.userVerified).toBe(true);
    expect(first.authenticationInfo.newCounter).toBeGreaterThan(credential.counter);

    const second = await signIn(authenticator, { ...credential, counter: first.authenticationInfo.newCounter });
    expect(second.verified).toBe(true);
    expect(second.authenticationInfo.newCounter).toBeGreaterThan(first.authenticationInfo.newCounter);

    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    expect(authenticator.authenticate(options, ORIGIN).response.userHandle).toBe(userId);
  });

  it('signs with the key it registered: a signature from another passkey does not verify', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registerPasskey(authenticator);
    const { credential: otherCredential } = await registerPasskey(new SoftAuthenticator());

    // Same credential id, someone else's public key: only the signature check can tell them apart.
    const verification = await signIn(authenticator, { ...credential, publicKey: otherCredential.publicKey });
    expect(verification.verified).toBe(false);
    expect((await signIn(authenticator, credential)).verified).toBe(true);
  });

  it('signs in with a discoverable passkey when the RP names no credentials', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registerPasskey(authenticator);
    const options = await generateAuthenticationOptions({ rpID: RP_ID });

    const response = authenticator.authenticate(options, ORIGIN);

    expect(response.id).toBe(credential.id);
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
    });
    expect(verification.verified).toBe(true);
  });

  it('refuses, as get() would, when it holds no allowed credential for the RP, or after forgetting it', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registerPasskey(authenticator);

    const unknown = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
    expect(() => authenticator.authenticate(unknown, ORIGIN)).toThrow(/NotAllowedError/);
    const otherRp = await generateAuthenticationOptions({ rpID: 'example.com' });
    expect(() => authenticator.authenticate(otherRp, 'https://example.com')).toThrow(/NotAllowedError/);

    const anyCredential = await generateAuthenticationOptions({ rpID: RP_ID });
    expect(authenticator.authenticate(anyCredential, ORIGIN).id).toBe(credential.id);
    expect(authenticator.forget(credential.id)).toBe(true);
    expect(authenticator.credentials()).toEqual([]);
    expect(() => authenticator.authenticate(anyCredential, ORIGIN)).toThrow(/NotAllowedError/);
  });
});

describe('attacks the library must refuse', () => {
  it('phishing: an assertion made on another origin is refused', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registerPasskey(authenticator);

    await expect(signIn(authenticator, credential, { origin: 'https://gatehouse.example.evil' })).rejects.toThrow(/origin/);
    expect((await signIn(authenticator, credential)).verified).toBe(true);
  });

  it('cloned authenticator: a counter at or below the stored one is refused', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registerPasskey(authenticator);
    const first = await signIn(authenticator, credential);
    const second = await signIn(authenticator, { ...credential, counter: first.authenticationInfo.newCounter });
    const stored = { ...credential, counter: second.authenticationInfo.newCounter };
    expect(stored.counter).toBeGreaterThan(0);

    await expect(signIn(authenticator, stored, { counter: stored.counter - 1 })).rejects.toThrow(/counter/);
    await expect(signIn(authenticator, stored, { counter: stored.counter })).rejects.toThrow(/counter/);
    expect((await signIn(authenticator, stored)).verified).toBe(true);
  });

  it('no user verification: a passkey that only proves presence fails requireUserVerification', async () => {
    const authenticator = new SoftAuthenticator({ userVerification: false });
    const options = await registrationOptions();
    const response = authenticator.register(options, ORIGIN);
    const expected = { expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID };

    await expect(verifyRegistrationResponse({ response, ...expected, requireUserVerification: true })).rejects.toThrow(
      /User verification was required/,
    );

    const registered = await verifyRegistrationResponse({ response, ...expected, requireUserVerification: false });
    expect(registered.verified).toBe(true);
    expect(registered.registrationInfo!.userVerified).toBe(false);
    const { credential } = registered.registrationInfo!;
    await expect(signIn(authenticator, credential)).rejects.toThrow(/User verification required/);
    expect((await signIn(authenticator, credential, { requireUserVerification: false })).verified).toBe(true);
  });

  it('second registration of one device: register refuses when the RP excludes a credential it holds', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registerPasskey(authenticator);
    const options = await registrationOptions([{ id: credential.id }]);

    expect(() => authenticator.register(options, ORIGIN)).toThrow(/InvalidStateError/);
    expect(authenticator.credentials()).toEqual([credential.id]);
    // Another device holds no excluded credential, so the same options register it.
    expect(new SoftAuthenticator().register(options, ORIGIN).id).not.toBe(credential.id);
  });

  it('tampered registration: another RP ID, challenge or type is refused', async () => {
    const options = await registrationOptions();
    const expected = { expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID };
    const verify = (response: ReturnType<SoftAuthenticator['register']>) => verifyRegistrationResponse({ response, ...expected });

    await expect(verify(new SoftAuthenticator().register(options, ORIGIN, { rpId: 'evil.example' }))).rejects.toThrow(/RP ID/);
    await expect(verify(new SoftAuthenticator().register(options, ORIGIN, { challenge: 'c3RhbGU' }))).rejects.toThrow(/challenge/);
    await expect(verify(new SoftAuthenticator().register(options, ORIGIN, { type: 'webauthn.get' }))).rejects.toThrow(/type/);
    expect((await verify(new SoftAuthenticator().register(options, ORIGIN))).verified).toBe(true);
  });

  it('tampered assertion: another RP ID or challenge is refused', async () => {
    const authenticator = new SoftAuthenticator();
    const { credential } = await registerPasskey(authenticator);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
    const expected = { expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential };
    const verify = (response: ReturnType<SoftAuthenticator['authenticate']>) => verifyAuthenticationResponse({ response, ...expected });

    const otherRp = authenticator.authenticate(options, ORIGIN, { rpId: 'evil.example', credentialId: credential.id });
    await expect(verify(otherRp)).rejects.toThrow(/RP ID/);
    await expect(verify(authenticator.authenticate(options, ORIGIN, { challenge: 'c3RhbGU' }))).rejects.toThrow(/challenge/);
    expect((await verify(authenticator.authenticate(options, ORIGIN))).verified).toBe(true);
  });
});
