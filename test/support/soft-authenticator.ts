/**
 * A software passkey authenticator for HTTP tests: it answers WebAuthn options the way
 * navigator.credentials.create()/get() and a platform authenticator would, so tests can
 * register and sign in with passkeys without a browser.
 *
 * It speaks the real wire format (W3C WebAuthn Level 3, §6.1 authenticator data, §6.5 attestation
 * object with the "none" format, §5.8.1 client data), so the server's real verifier checks it.
 * Overrides let attack tests change exactly one thing that goes into a response.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoBase64URL, isoCBOR, isoUint8Array } from '@simplewebauthn/server/helpers';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/** Any value isoCBOR can encode (its CBOR library's type, which the helpers do not re-export). */
type CborValue = Parameters<typeof isoCBOR.encode>[0];

/** Credential ids are opaque random bytes; 32 is what common platform authenticators use. */
const CREDENTIAL_ID_BYTES = 32;

/** A "none"-attestation authenticator reports an all-zero AAGUID (WebAuthn §6.5.1). */
const ZERO_AAGUID = new Uint8Array(16);

/**
 * Authenticator data flag bits (WebAuthn §6.1). BE/BS stay 0 (a device-bound key) unless the authenticator plays
 * a synced passkey (`synced`).
 */
const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_BACKUP_ELIGIBLE = 0x08;
const FLAG_BACKED_UP = 0x10;
const FLAG_ATTESTED_CREDENTIAL_DATA = 0x40;

/** COSE labels and values for an EC2 P-256 key used with ES256 (RFC 9053 §7.1, §2.1). */
const COSE_KEY_TYPE = 1;
const COSE_ALGORITHM = 3;
const COSE_EC2_CURVE = -1;
const COSE_EC2_X = -2;
const COSE_EC2_Y = -3;
const COSE_KEY_TYPE_EC2 = 2;
const COSE_ALGORITHM_ES256 = -7;
const COSE_CURVE_P256 = 1;

export interface SoftAuthenticatorOptions {
  /** Whether the authenticator verifies the user (sets the UV flag). Default: true. */
  userVerification?: boolean;
  /** Whether it plays a synced passkey (sets the BE and BS flags), as a password manager's. Default: false. */
  synced?: boolean;
}

/** Changes to what goes into a registration response, for attack tests. */
export interface RegistrationOverrides {
  /** RP ID hashed into authenticator data (and the RP the credential is kept for). Default: options.rp.id. */
  rpId?: string;
  /** Challenge written into clientDataJSON. Default: options.challenge. */
  challenge?: string;
  /** clientDataJSON type. Default: 'webauthn.create'. */
  type?: string;
}

/** Changes to what goes into an authentication response, for attack tests. */
export interface AuthenticationOverrides {
  /** RP ID used to pick a credential and hashed into authenticator data. Default: options.rpId. */
  rpId?: string;
  /** Challenge written into clientDataJSON. Default: options.challenge. */
  challenge?: string;
  /** Use this held credential even if allowCredentials or its RP ID would not pick it. */
  credentialId?: string;
  /** Signature counter to report instead of the incremented one, as a cloned authenticator would. */
  counter?: number;
}

/** What a real authenticator keeps per credential: the private key never leaves it. */
interface HeldCredential {
  id: string;
  privateKey: KeyObject;
  rpId: string;
  /** base64url, exactly as the RP sent it in options.user.id. */
  userHandle: string;
  counter: number;
}

export class SoftAuthenticator {
  private readonly userVerification: boolean;
  private readonly synced: boolean;
  private readonly held = new Map<string, HeldCredential>();

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.userVerification = options.userVerification ?? true;
    this.synced = options.synced ?? false;
  }

  /** Like navigator.credentials.create(): makes a new ES256 passkey for the RP and returns its attestation. */
  register(
    optionsJSON: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: RegistrationOverrides = {},
  ): RegistrationResponseJSON {
    const rpId = overrides.rpId ?? optionsJSON.rp.id ?? defaultRpId(origin);

    // A real authenticator refuses to make a second credential for an account the RP already
    // knows it holds, so one device cannot register twice (WebAuthn §6.3.2 step 3).
    const excluded = (optionsJSON.excludeCredentials ?? []).find((descriptor) => this.held.get(descriptor.id)?.rpId === rpId);
    if (excluded) {
      throw new Error(`InvalidStateError: this authenticator already holds excluded credential ${excluded.id} for ${rpId}`);
    }

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = new Uint8Array(randomBytes(CREDENTIAL_ID_BYTES));
    const credential: HeldCredential = {
      id: isoBase64URL.fromBuffer(credentialId),
      privateKey,
      rpId,
      userHandle: optionsJSON.user.id,
      counter: 0,
    };
    this.held.set(credential.id, credential);

    const credentialIdLength = new Uint8Array(2);
    new DataView(credentialIdLength.buffer).setUint16(0, credentialId.byteLength, false);
    const attestedCredentialData = isoUint8Array.concat([ZERO_AAGUID, credentialIdLength, credentialId, coseEs256PublicKey(publicKey)]);
    const authenticatorData = isoUint8Array.concat([
      sha256(isoUint8Array.fromUTF8String(rpId)),
      Uint8Array.of(this.flags() | FLAG_ATTESTED_CREDENTIAL_DATA),
      signCount(credential.counter),
      attestedCredentialData,
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authenticatorData],
      ]),
    );
    const clientDataJSON = clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? optionsJSON.challenge, origin);

    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** Like navigator.credentials.get(): signs the challenge with a held passkey for the RP. */
  authenticate(
    optionsJSON: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: AuthenticationOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = overrides.rpId ?? optionsJSON.rpId ?? defaultRpId(origin);
    const credential = this.pick(rpId, optionsJSON.allowCredentials ?? [], overrides.credentialId);

    // A cloned authenticator reports its own counter; only an honest use advances ours.
    let counter: number;
    if (overrides.counter === undefined) {
      credential.counter += 1;
      counter = credential.counter;
    } else {
      counter = overrides.counter;
    }

    const authenticatorData = isoUint8Array.concat([
      sha256(isoUint8Array.fromUTF8String(rpId)),
      Uint8Array.of(this.flags()),
      signCount(counter),
    ]);
    const clientDataJSON = clientData('webauthn.get', overrides.challenge ?? optionsJSON.challenge, origin);
    // ES256 assertion signatures are ASN.1 DER (WebAuthn §6.5.6), which is node's default for EC keys.
    const signature = sign('sha256', isoUint8Array.concat([authenticatorData, sha256(clientDataJSON)]), credential.privateKey);

    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        authenticatorData: isoBase64URL.fromBuffer(authenticatorData),
        signature: isoBase64URL.fromBuffer(new Uint8Array(signature)),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** The ids (base64url) of the passkeys this authenticator holds. */
  credentials(): string[] {
    return [...this.held.keys()];
  }

  /** Deletes a held passkey, as a user removing it from their device would; false if it was not held. */
  forget(credentialId: string): boolean {
    return this.held.delete(credentialId);
  }

  private flags(): number {
    return FLAG_USER_PRESENT | (this.userVerification ? FLAG_USER_VERIFIED : 0) | (this.synced ? FLAG_BACKUP_ELIGIBLE | FLAG_BACKED_UP : 0);
  }

  /**
   * The credential get() would use: the named one, else one for this RP that the RP allows, or any
   * for this RP when it allows none (a discoverable-credential sign-in). Throws as get() rejects.
   */
  private pick(rpId: string, allowCredentials: { id: string }[], credentialId: string | undefined): HeldCredential {
    if (credentialId !== undefined) {
      const named = this.held.get(credentialId);
      if (!named) throw new Error(`NotAllowedError: this authenticator holds no credential ${credentialId}`);
      return named;
    }
    const allowed = new Set(allowCredentials.map((descriptor) => descriptor.id));
    for (const credential of this.held.values()) {
      if (credential.rpId === rpId && (allowed.size === 0 || allowed.has(credential.id))) return credential;
    }
    const wanted = allowed.size === 0 ? 'any credential' : `any of ${[...allowed].join(', ')}`;
    throw new Error(`NotAllowedError: this authenticator holds no credential for ${rpId} matching ${wanted}`);
  }
}

/** Without an explicit RP ID, WebAuthn uses the origin's effective domain (§5.1.3 step 8, §5.1.4.1 step 7). */
function defaultRpId(origin: string): string {
  return new URL(origin).hostname;
}

/** clientDataJSON as a browser serialises it: these members in this order (WebAuthn §5.8.1.1). */
function clientData(type: string, challenge: string, origin: string): Uint8Array<ArrayBuffer> {
  return isoUint8Array.fromUTF8String(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function sha256(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** The 4-byte big-endian signature counter of authenticator data. */
function signCount(counter: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, counter, false);
  return bytes;
}

/** The public key as the COSE_Key map the RP stores and later verifies signatures with. */
function coseEs256PublicKey(publicKey: KeyObject): Uint8Array<ArrayBuffer> {
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new Error('P-256 public key exported without coordinates');
  return isoCBOR.encode(
    new Map<number, CborValue>([
      [COSE_KEY_TYPE, COSE_KEY_TYPE_EC2],
      [COSE_ALGORITHM, COSE_ALGORITHM_ES256],
      [COSE_EC2_CURVE, COSE_CURVE_P256],
      [COSE_EC2_X, isoBase64URL.toBuffer(jwk.x)],
      [COSE_EC2_Y, isoBase64URL.toBuffer(jwk.y)],
    ]),
  );
}
