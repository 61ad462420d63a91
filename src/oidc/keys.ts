/**
 * The keys that sign ID tokens. At first start there are none: one ES256 key (the default for every app) and one
 * RS256 key (for apps whose library cannot check ES256) are made, their private halves sealed under SECRET_KEY
 * (`SecretBox`, purpose 'oidc-signing-key'), so a copy of the database cannot sign tokens. The provider publishes
 * the public halves at its `jwks_uri`.
 *
 * Rotation (`npm run admin -- keys rotate`, design note §9, decision record 019) is made of times, not of steps
 * an instance must take: a new key is published at once and signs from `signs_from`, KEY_PUBLISH_LEAD later; the
 * key it replaces stays published until RETIRED_KEY_GRACE after that. Which key signs is computed from those times
 * and the clock (`orderSigningKeys`), so every instance reaches the same answer without talking to the others;
 * src/oidc/live-provider.ts looks again every few minutes and swaps the provider when the answer changes.
 */
import { generateKeyPair, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { REMEMBER_ME_LIFETIME_MS } from '../auth/policy.js';
import { allSigningKeyTimes, insertRotatedSigningKeys, insertSigningKeyIfAbsent, publishedSigningKeys, type SigningKeyTimes } from '../db/oidc-keys.js';
import type { Database, OidcSigningKey } from '../db/schema.js';
import { hours, type Clock } from '../lib/duration.js';
import { SecretBox } from '../lib/secret-box.js';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** RSA modulus: 2048 bits is what RS256 verifiers everywhere accept (NIST: good beyond 2030 is 3072; RS256 is the fallback). */
const RSA_MODULUS_BITS = 2048;

/**
 * A new key is published this long before it signs. Apps cache the JWKS (jose's remote key set: 10 minutes;
 * openid-client and most libraries fetch again on an unknown kid anyway) and every instance looks at the keys
 * every KEY_CHECK_INTERVAL_MS (5 minutes): an hour is far beyond both, so no app meets a kid it cannot find.
 */
export const KEY_PUBLISH_LEAD_MS = hours(1);

/**
 * A replaced key stays published this long after its successor starts signing. ID tokens expire after 10 minutes
 * (ID_TOKEN_TTL_S), but oidc-provider checks an `id_token_hint` (at the authorization endpoint, and at sign-out)
 * without its expiry: an app keeps the ID token for as long as its sign-in lasts and sends it back. The provider's
 * session — the longest a sign-in through Gatehouse lasts (PROVIDER_SESSION_TTL_S) — is the remember-me lifetime,
 * 30 days. Logout tokens are delivered at once, and access and refresh tokens are opaque (not signed by these keys).
 * test/unit/signing-keys.test.ts holds this to at least the lifetimes it must cover.
 */
export const RETIRED_KEY_GRACE_MS = REMEMBER_ME_LIFETIME_MS;

/** The first key of each algorithm has this kid: two instances starting together keep one (src/db/oidc-keys.ts). */
const KID_PREFIX: Record<SigningAlgorithm, string> = { ES256: 'gatehouse-es256-', RS256: 'gatehouse-rs256-' };

/** A private JWK as oidc-provider takes it in `jwks.keys`. */
export type SigningJwk = JsonWebKey & { kid: string; alg: SigningAlgorithm; use: 'sig' };

const generate = promisify(generateKeyPair);

export function signingKeyBox(secretKey: string): SecretBox {
  return new SecretBox(secretKey, 'oidc-signing-key');
}

async function newKey(alg: SigningAlgorithm, kid: string, box: SecretBox, now: number, signsFrom: number): Promise<OidcSigningKey> {
  const { privateKey, publicKey } =
    alg === 'ES256' ? await generate('ec', { namedCurve: 'P-256' }) : await generate('rsa', { modulusLength: RSA_MODULUS_BITS });
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    private_jwk_sealed: box.seal(Buffer.from(JSON.stringify({ ...privateKey.export({ format: 'jwk' }), ...meta }))),
    public_jwk: JSON.stringify({ ...publicKey.export({ format: 'jwk' }), ...meta }),
    created_at: now,
    signs_from: signsFrom,
    published_until: null,
  };
}

/**
 * The published keys (`published_until` after `now`) in the order oidc-provider wants them: for each algorithm
 * the first key in the list signs. Keys that sign already come first, the one that started last first (a replaced
 * key, still published for its tokens, after its successor); then keys published ahead of their time.
 */
export function orderSigningKeys<K extends SigningKeyTimes>(rows: readonly K[], now: number): K[] {
  const published = rows.filter((r) => r.published_until === null || r.published_until > now);
  const newestFirst = (a: K, b: K) => b.signs_from - a.signs_from || b.created_at - a.created_at || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);
  const signing = published.filter((r) => r.signs_from <= now).sort(newestFirst);
  const ahead = published.filter((r) => r.signs_from > now).sort((a, b) => newestFirst(b, a));
  return [...signing, ...ahead];
}

/** The order as one string (kids in provider order): what an instance compares to see whether to rebuild. */
export function signingKeyOrder(rows: readonly SigningKeyTimes[], now: number): string {
  return orderSigningKeys(rows, now)
    .map((r) => r.kid)
    .join(' ');
}

/** The key that signs for `alg` at `now`, or undefined. */
export function signingKeyOf<K extends SigningKeyTimes>(rows: readonly K[], alg: SigningAlgorithm, now: number): K | undefined {
  return orderSigningKeys(rows, now).find((r) => r.alg === alg && r.signs_from <= now);
}

export interface LoadedSigningKeys {
  keys: SigningJwk[];
  /** signingKeyOrder of the same rows and moment. */
  order: string;
}

/**
 * The signing keys, made first when missing, in the provider's order (`orderSigningKeys`) at the clock's time,
 * private halves opened.
 */
export async function loadSigningKeys(db: Kysely<Database>, clock: Clock, secretKey: string): Promise<LoadedSigningKeys> {
  const box = signingKeyBox(secretKey);
  let rows = await publishedSigningKeys(db, clock.now());
  const missing = SIGNING_ALGORITHMS.filter((alg) => !rows.some((r) => r.alg === alg));
  if (missing.length > 0) {
    for (const alg of missing) {
      const now = clock.now();
      await insertSigningKeyIfAbsent(db, await newKey(alg, `${KID_PREFIX[alg]}1`, box, now, now));
    }
    rows = await publishedSigningKeys(db, clock.now());
  }
  const now = clock.now();
  const ordered = orderSigningKeys(rows, now);
  const keys = ordered.map((row) => {
    const opened = box.open(row.private_jwk_sealed);
    // Sealed under another SECRET_KEY, or altered: starting would publish keys nobody can sign with.
    if (opened === null) throw new Error(`The OpenID Connect signing key ${row.kid} cannot be opened: was SECRET_KEY changed?`);
    return JSON.parse(opened.toString('utf8')) as SigningJwk;
  });
  return { keys, order: signingKeyOrder(rows, now) };
}

/** The next kid of `alg`: one more than the highest number any key of it has had (the newest key is never deleted). */
function nextKid(alg: SigningAlgorithm, rows: readonly SigningKeyTimes[]): string {
  const prefix = KID_PREFIX[alg];
  const numbers = rows.filter((r) => r.kid.startsWith(prefix)).map((r) => Number(r.kid.slice(prefix.length)));
  return `${prefix}${Math.max(0, ...numbers.filter(Number.isSafeInteger)) + 1}`;
}

export interface Rotation {
  /** The new keys (one per algorithm), published now, signing from `signsFrom`. */
  added: SigningKeyTimes[];
  /** Kids of the keys they replace, published until `signsFrom` + RETIRED_KEY_GRACE_MS. */
  retired: string[];
  signsFrom: number;
  publishedUntil: number;
}

/**
 * Makes a new key per algorithm that signs KEY_PUBLISH_LEAD_MS from now, and gives every key it replaces an end
 * RETIRED_KEY_GRACE_MS after that. A key published ahead and never yet signing is replaced like any other (a
 * second rotation within the hour): its end then comes a grace after the newer key starts. Throws a unique
 * violation when another rotation ran at the same moment (see insertRotatedSigningKeys); nothing is changed then.
 * null, and nothing made, when an algorithm has no key yet: Gatehouse makes the first ones when it first starts,
 * signing at once, and a rotation before that would leave it with keys that may not sign yet.
 */
export async function rotateSigningKeys(db: Kysely<Database>, clock: Clock, secretKey: string): Promise<Rotation | null> {
  const box = signingKeyBox(secretKey);
  const rows = await allSigningKeyTimes(db);
  const now = clock.now();
  if (!SIGNING_ALGORITHMS.every((alg) => signingKeyOf(rows, alg, now))) return null;
  const signsFrom = now + KEY_PUBLISH_LEAD_MS;
  const keys = await Promise.all(SIGNING_ALGORITHMS.map((alg) => newKey(alg, nextKid(alg, rows), box, now, signsFrom)));
  const retired = await insertRotatedSigningKeys(db, keys, RETIRED_KEY_GRACE_MS);
  return {
    added: keys.map(({ kid, alg, created_at, signs_from, published_until }) => ({ kid, alg, created_at, signs_from, published_until })),
    retired,
    signsFrom,
    publishedUntil: signsFrom + RETIRED_KEY_GRACE_MS,
  };
}
