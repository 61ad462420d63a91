/**
 * `npm run admin -- keys rotate|list`: the keys that sign ID tokens (src/oidc/keys.ts, decision record 019).
 * A rotation publishes new keys at once and lets them sign an hour later; the keys they replace stay published
 * for the tokens they signed. Running instances follow within KEY_CHECK_INTERVAL_MS: nothing is restarted.
 * Nothing here reads a private key: the listing selects the keys' times only.
 */
import { isUniqueViolation } from '../db/database.js';
import { allSigningKeyTimes, type SigningKeyTimes } from '../db/oidc-keys.js';
import { durationText } from '../lib/duration.js';
import { exactUtc } from '../lib/relative-time.js';
import { KEY_PUBLISH_LEAD_MS, RETIRED_KEY_GRACE_MS, rotateSigningKeys, signingKeyOf, type SigningAlgorithm } from '../oidc/keys.js';
import { KEY_CHECK_INTERVAL_MS } from '../oidc/live-provider.js';
import type { AdminContext, Refused } from './commands.js';
import { columns, table } from './format.js';

const refused = (problem: string): Refused => ({ ok: false, problem });

/**
 * Where a key is in its life at `now`: `signing`; `ahead` (published, signs from `signs_from`); `retired`
 * (published until `published_until` for the tokens it signed, signs no more); `unpublished` (its publication
 * ended; housekeeping deletes it).
 */
export type KeyState = 'signing' | 'ahead' | 'retired' | 'unpublished';

export function keyState(key: SigningKeyTimes, all: readonly SigningKeyTimes[], now: number): KeyState {
  if (key.published_until !== null && key.published_until <= now) return 'unpublished';
  if (key.signs_from > now) return 'ahead';
  return signingKeyOf(all, key.alg as SigningAlgorithm, now)?.kid === key.kid ? 'signing' : 'retired';
}

function stateText(key: SigningKeyTimes, state: KeyState): string {
  switch (state) {
    case 'signing':
      return 'signing';
    case 'ahead':
      return `published ahead, signs from ${exactUtc(key.signs_from)}`;
    case 'retired':
      return `retired, published until ${exactUtc(key.published_until!)}`;
    case 'unpublished':
      return 'no longer published';
  }
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

// ---- keys list ----

export async function listKeys(ctx: AdminContext, options: { json: boolean }): Promise<{ ok: true }> {
  const keys = await allSigningKeyTimes(ctx.db);
  const now = ctx.clock.now();
  if (options.json) {
    const listed = keys.map((k) => ({ kid: k.kid, alg: k.alg, state: keyState(k, keys, now), created_at: iso(k.created_at), signs_from: iso(k.signs_from), published_until: iso(k.published_until) }));
    ctx.output.out(JSON.stringify(listed));
    return { ok: true };
  }
  if (keys.length === 0) {
    ctx.output.out('No signing keys yet: Gatehouse makes them when it first starts.');
    return { ok: true };
  }
  const rows = keys.map((k) => [k.kid, k.alg, stateText(k, keyState(k, keys, now)), exactUtc(k.created_at), exactUtc(k.signs_from), k.published_until === null ? '-' : exactUtc(k.published_until)]);
  for (const line of table(['kid', 'alg', 'state', 'made', 'signs from', 'published until'], rows)) ctx.output.out(line);
  return { ok: true };
}

// ---- keys rotate ----

export async function rotateKeys(ctx: AdminContext, options: { json: boolean }): Promise<{ ok: true } | Refused> {
  let rotation;
  try {
    rotation = await rotateSigningKeys(ctx.db, ctx.clock, ctx.config.secretKey);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return refused('Another keys rotate ran at the same moment and made the same kids; this one changed nothing. See keys list.');
  }
  if (rotation === null) return refused('There are no signing keys to rotate yet: Gatehouse makes the first ones when it first starts.');
  const { added, retired, signsFrom, publishedUntil } = rotation;
  if (options.json) {
    ctx.output.out(JSON.stringify({ added: added.map((k) => ({ kid: k.kid, alg: k.alg })), signs_from: iso(signsFrom), retired, published_until: iso(publishedUntil) }));
    return { ok: true };
  }
  ctx.output.out(`New signing keys, published now; they sign from ${exactUtc(signsFrom)} (in ${durationText(KEY_PUBLISH_LEAD_MS)}):`);
  for (const line of columns(added.map((k) => [k.kid, k.alg]))) ctx.output.out(`  ${line}`);
  if (retired.length > 0) {
    ctx.output.out(`The keys they replace stay published until ${exactUtc(publishedUntil)} (${durationText(RETIRED_KEY_GRACE_MS)} after that), for the tokens they signed:`);
    ctx.output.out(`  ${retired.join(', ')}`);
  }
  ctx.output.out(`Running instances publish the new keys within ${durationText(KEY_CHECK_INTERVAL_MS)} and switch to them when their time comes: no restart needed.`);
  return { ok: true };
}
