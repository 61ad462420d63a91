/**
 * Passkeys and security keys (WebAuthn) through @simplewebauthn/server: the
 * options a page hands the browser, and the checks of what the browser sends
 * back. The relying party is APP_URL: its host name is the RP ID and its
 * origin the only origin accepted, so a passkey answers nowhere else (a
 * phishing site gets nothing it can replay here).
 *
 * Challenges are stateless (decision record 012): 16 random bytes, an expiry
 * and an HMAC over both plus what the challenge is for (registration, second
 * factor, passwordless sign-in) and what it is bound to (the session, for the
 * first two). Showing a page writes nothing; the database learns of a
 * challenge only when it is answered, and `useChallenge` lets each be answered
 * once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type * as SimpleWebAuthnServer from '@simplewebauthn/server';
import { z } from 'zod';
import type { WebauthnCredential } from '../db/schema.js';
import { minutes } from '../lib/duration.js';

/**
 * @simplewebauthn/server (with its ASN.1 and certificate code) costs ~250 ms
 * and ~30 MB when imported; it loads at the first passkey page instead of at
 * start, as libphonenumber does (src/lib/phone-numbers.ts).
 */
let library: Promise<typeof SimpleWebAuthnServer> | undefined;
function simpleWebAuthn(): Promise<typeof SimpleWebAuthnServer> {
  return (library ??= import('@simplewebauthn/server'));
}

/** How long the browser (and the person) has to answer: the page's prompt, a PIN, a fingerprint. */
export const CHALLENGE_LIFETIME_MS = minutes(5);

export const RP_NAME = 'Gatehouse';

/** What a challenge was made for; one made for one purpose is refused for another. */
export type CeremonyPurpose = 'register' | 'second-factor' | 'passwordless';

const NONCE_BYTES = 16;
const EXPIRY_BYTES = 8;
const MAC_BYTES = 16;

/** A passkey's name, as the owner typed it (shown on the security page). */
export const PASSKEY_NAME_MAX = 60;

/**
 * The credential JSON the page's script put in the form. Only its outline is
 * checked here; @simplewebauthn checks everything that matters.
 */
const CredentialJson = z.object({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal('public-key'),
  response: z.record(z.string(), z.unknown()),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional().default({}),
  authenticatorAttachment: z.string().optional(),
});

/** The browser's answer from a form field, or null when it is not a WebAuthn credential at all. */
export function parseCredential(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = CredentialJson.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export interface NewPasskey {
  id: string;
  publicKey: string;
  counter: number;
  transports: string[];
  backedUp: boolean;
}

/** A checked answer: `nonce` must still be marked used (useChallenge) in the transaction that acts on it. */
export type Checked<T> = { ok: true; value: T; nonce: string; expiresAt: number } | { ok: false };

export class Passkeys {
  readonly rpId: string;
  readonly origin: string;
  private readonly macKey: Buffer;

  constructor(appUrl: string, secretKey: string) {
    const url = new URL(appUrl);
    this.rpId = url.hostname;
    this.origin = url.origin;
    this.macKey = createHmac('sha256', secretKey).update('gatehouse:webauthn-challenge').digest();
  }

  // ---- Challenges ----

  private mac(purpose: CeremonyPurpose, binding: string, body: Buffer): Buffer {
    return createHmac('sha256', this.macKey).update(`${purpose}\0${binding}\0`).update(body).digest().subarray(0, MAC_BYTES);
  }

  private newChallenge(purpose: CeremonyPurpose, binding: string, now: number): Uint8Array<ArrayBuffer> {
    const body = Buffer.alloc(NONCE_BYTES + EXPIRY_BYTES);
    randomBytes(NONCE_BYTES).copy(body);
    body.writeBigUInt64BE(BigInt(now + CHALLENGE_LIFETIME_MS), NONCE_BYTES);
    return new Uint8Array(Buffer.concat([body, this.mac(purpose, binding, body)]));
  }

  /** The nonce and expiry of a challenge this server made for this purpose and binding, still live; else null. */
  private openChallenge(challenge: string, purpose: CeremonyPurpose, binding: string, now: number): { nonce: string; expiresAt: number } | null {
    const bytes = Buffer.from(challenge, 'base64url');
    if (bytes.length !== NONCE_BYTES + EXPIRY_BYTES + MAC_BYTES) return null;
    const body = bytes.subarray(0, NONCE_BYTES + EXPIRY_BYTES);
    if (!timingSafeEqual(bytes.subarray(NONCE_BYTES + EXPIRY_BYTES), this.mac(purpose, binding, body))) return null;
    const expiresAt = Number(body.readBigUInt64BE(NONCE_BYTES));
    if (expiresAt <= now) return null;
    return { nonce: body.subarray(0, NONCE_BYTES).toString('base64url'), expiresAt };
  }

  /** expectedChallenge for @simplewebauthn: accepts only our own live challenge, and remembers which one it was. */
  private challengeCheck(purpose: CeremonyPurpose, binding: string, now: number) {
    let opened: { nonce: string; expiresAt: number } | null = null;
    return {
      check: (challenge: string) => (opened = this.openChallenge(challenge, purpose, binding, now)) !== null,
      opened: () => opened,
    };
  }

  // ---- Registration ----

  async registrationOptions(
    p: { userHandle: string; username: string; displayName: string; existing: WebauthnCredential[]; binding: string },
    now: number,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { generateRegistrationOptions } = await simpleWebAuthn();
    return generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: this.rpId,
      userID: new Uint8Array(Buffer.from(p.userHandle, 'base64url')),
      userName: p.username,
      userDisplayName: p.displayName,
      challenge: this.newChallenge('register', p.binding, now),
      timeout: CHALLENGE_LIFETIME_MS,
      // No attestation: which make of authenticator someone uses is theirs to keep.
      attestationType: 'none',
      // The same authenticator twice would be one factor counted as two.
      excludeCredentials: p.existing.map((c) => ({ id: c.id, transports: transportsOf(c) })),
      // A discoverable credential (a passkey) can sign in without a username; a plain security key still works as a second factor.
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
  }

  async verifyRegistration(credential: unknown, binding: string, now: number): Promise<Checked<NewPasskey>> {
    const challenge = this.challengeCheck('register', binding, now);
    const { verifyRegistrationResponse } = await simpleWebAuthn();
    try {
      const result = await verifyRegistrationResponse({
        response: credential as RegistrationResponseJSON,
        expectedChallenge: challenge.check,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: false,
      });
      const opened = challenge.opened();
      if (!result.verified || !opened) return { ok: false };
      const { credential: c, credentialBackedUp } = result.registrationInfo;
      return {
        ok: true,
        value: { id: c.id, publicKey: Buffer.from(c.publicKey).toString('base64url'), counter: c.counter, transports: knownTransports(c.transports), backedUp: credentialBackedUp },
        ...opened,
      };
    } catch {
      // @simplewebauthn throws on every malformed or wrong answer (origin, RP ID, challenge, signature).
      return { ok: false };
    }
  }

  // ---- Sign-in ----

  /**
   * Options for a sign-in: the account's credentials as a second factor, or
   * none (the browser offers the passkeys it holds for this site) for
   * passwordless sign-in, which must verify the person (PIN, fingerprint).
   */
  async authenticationOptions(purpose: Exclude<CeremonyPurpose, 'register'>, allow: WebauthnCredential[], binding: string, now: number): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { generateAuthenticationOptions } = await simpleWebAuthn();
    return generateAuthenticationOptions({
      rpID: this.rpId,
      allowCredentials: allow.map((c) => ({ id: c.id, transports: transportsOf(c) })),
      challenge: this.newChallenge(purpose, binding, now),
      timeout: CHALLENGE_LIFETIME_MS,
      userVerification: purpose === 'passwordless' ? 'required' : 'preferred',
    });
  }

  /** The credential id the answer claims to be from (to find it), before anything is checked. */
  credentialIdOf(credential: unknown): string {
    return (credential as AuthenticationResponseJSON).id;
  }

  async verifyAuthentication(
    credential: unknown,
    stored: WebauthnCredential,
    purpose: Exclude<CeremonyPurpose, 'register'>,
    binding: string,
    now: number,
  ): Promise<Checked<{ counter: number; backedUp: boolean; userVerified: boolean }>> {
    const challenge = this.challengeCheck(purpose, binding, now);
    const { verifyAuthenticationResponse } = await simpleWebAuthn();
    try {
      const result = await verifyAuthenticationResponse({
        response: credential as AuthenticationResponseJSON,
        expectedChallenge: challenge.check,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        credential: { id: stored.id, publicKey: new Uint8Array(Buffer.from(stored.public_key, 'base64url')), counter: Number(stored.counter), transports: transportsOf(stored) },
        // Without a password, the passkey must be two factors in one: held, and unlocked by its owner.
        requireUserVerification: purpose === 'passwordless',
      });
      const opened = challenge.opened();
      if (!result.verified || !opened) return { ok: false };
      return { ok: true, value: { counter: result.authenticationInfo.newCounter, backedUp: result.authenticationInfo.credentialBackedUp, userVerified: result.authenticationInfo.userVerified }, ...opened };
    } catch {
      // Wrong origin, RP ID, challenge or signature, or a counter that went back (a cloned authenticator).
      return { ok: false };
    }
  }
}

/** A fresh random WebAuthn user handle (64 bytes would be the maximum; 32 is plenty and carries nothing about the user). */
export function newUserHandle(): string {
  return randomBytes(32).toString('base64url');
}

/** The transports the browser reported, as far as they are ones we know: the field comes from the client unchecked. */
const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
function knownTransports(reported: unknown): string[] {
  return Array.isArray(reported) ? reported.filter((t): t is string => typeof t === 'string' && KNOWN_TRANSPORTS.has(t)) : [];
}

function transportsOf(c: WebauthnCredential): AuthenticatorTransport[] | undefined {
  return c.transports ? (c.transports.split(',') as AuthenticatorTransport[]) : undefined;
}
