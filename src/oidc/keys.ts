/**
 * The keys that sign ID tokens. At first start there are none: one ES256 key (the default for every app) and one
 * RS256 key (for apps whose library cannot check ES256) are made, their private halves sealed under SECRET_KEY
 * (`SecretBox`, purpose 'oidc-signing-key'), so a copy of the database cannot sign tokens. The provider publishes
 * the public halves at its `jwks_uri`.
 */
import { generateKeyPair, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { insertSigningKeyIfAbsent, publishedSigningKeys } from '../db/oidc-keys.js';
import type { Database, OidcSigningKey } from '../db/schema.js';
import type { Clock } from '../lib/duration.js';
import { SecretBox } from '../lib/secret-box.js';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** RSA modulus: 2048 bits is what RS256 verifiers everywhere accept (NIST: good beyond 2030 is 3072; RS256 is the fallback). */
const RSA_MODULUS_BITS = 2048;

/** The first key of each algorithm has this kid: two instances starting together keep one (src/db/oidc-keys.ts). */
const FIRST_KID: Record<SigningAlgorithm, string> = { ES256: 'gatehouse-es256-1', RS256: 'gatehouse-rs256-1' };

/** A private JWK as oidc-provider takes it in `jwks.keys`. */
export type SigningJwk = JsonWebKey & { kid: string; alg: SigningAlgorithm; use: 'sig' };

const generate = promisify(generateKeyPair);

export function signingKeyBox(secretKey: string): SecretBox {
  return new SecretBox(secretKey, 'oidc-signing-key');
}

async function newKey(alg: SigningAlgorithm, kid: string, box: SecretBox, now: number): Promise<OidcSigningKey> {
  const { privateKey, publicKey } =
    alg === 'ES256' ? await generate('ec', { namedCurve: 'P-256' }) : await generate('rsa', { modulusLength: RSA_MODULUS_BITS });
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    private_jwk_sealed: box.seal(Buffer.from(JSON.stringify({ ...privateKey.export({ format: 'jwk' }), ...meta }))),
    public_jwk: JSON.stringify({ ...publicKey.export({ format: 'jwk' }), ...meta }),
    created_at: now,
    signs_from: now,
    published_until: null,
  };
}

/**
 * The signing keys, made first when missing, in the order the provider wants them: for each algorithm the first
 * key signs, so keys that sign already come newest first, then keys published ahead of their time.
 */
export async function loadSigningKeys(db: Kysely<Database>, clock: Clock, secretKey: string): Promise<SigningJwk[]> {
  const box = signingKeyBox(secretKey);
  let rows = await publishedSigningKeys(db, clock.now());
  const missing = SIGNING_ALGORITHMS.filter((alg) => !rows.some((r) => r.alg === alg));
  if (missing.length > 0) {
    for (const alg of missing) await insertSigningKeyIfAbsent(db, await newKey(alg, FIRST_KID[alg], box, clock.now()));
    rows = await publishedSigningKeys(db, clock.now());
  }
  const now = clock.now();
  const signing = rows.filter((r) => r.signs_from <= now).reverse();
  const ahead = rows.filter((r) => r.signs_from > now);
  return [...signing, ...ahead].map((row) => {
    const opened = box.open(row.private_jwk_sealed);
    // Sealed under another SECRET_KEY, or altered: starting would publish keys nobody can sign with.
    if (opened === null) throw new Error(`The OpenID Connect signing key ${row.kid} cannot be opened: was SECRET_KEY changed?`);
    return JSON.parse(opened.toString('utf8')) as SigningJwk;
  });
}
