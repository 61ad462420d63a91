/**
 * `npm run admin -- keys rotate|list` (src/admin/key-commands.ts), called in-process on a real SQLite file and a
 * real PostgreSQL schema: what each prints (text and --json), the times a rotation writes, two rotations in a
 * row, two at the same moment, and that no private key is ever printed or stored in clear.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { parseAdminArgs } from '../../src/admin/args.js';
import type { AdminContext } from '../../src/admin/commands.js';
import { listKeys, rotateKeys } from '../../src/admin/key-commands.js';
import { loadConfig } from '../../src/config.js';
import { allSigningKeyTimes } from '../../src/db/oidc-keys.js';
import { days, hours, ManualClock, minutes } from '../../src/lib/duration.js';
import { KEY_PUBLISH_LEAD_MS, loadSigningKeys, RETIRED_KEY_GRACE_MS } from '../../src/oidc/keys.js';
import { KEY_CHECK_INTERVAL_MS } from '../../src/oidc/live-provider.js';
import { ID_TOKEN_TTL_S, PROVIDER_SESSION_TTL_S } from '../../src/oidc/provider.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0);
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-keys-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'admin-test-secret-key-that-is-long-enough', APP_URL: 'https://auth.example.com' }, { envFile: null, dataDir });

describe('keys arguments and times', () => {
  it('keys rotate and keys list take --json and nothing else', () => {
    expect(parseAdminArgs(['keys', 'rotate'])).toEqual({ ok: true, command: { name: 'keys-rotate', json: false } });
    expect(parseAdminArgs(['keys', 'list', '--json'])).toEqual({ ok: true, command: { name: 'keys-list', json: true } });
    expect(parseAdminArgs(['keys'])).toMatchObject({ ok: false, problem: expect.stringContaining('rotate or list') as unknown });
    expect(parseAdminArgs(['keys', 'delete'])).toMatchObject({ ok: false, problem: expect.stringContaining('Unknown keys subcommand') as unknown });
    expect(parseAdminArgs(['keys', 'list', 'gatehouse-es256-1'])).toMatchObject({ ok: false });
    expect(parseAdminArgs(['keys', 'rotate', '--alg', 'RS256'])).toMatchObject({ ok: false });
  });

  it('a replaced key outlives whatever it signed that can come back, and a new one is published long before it signs', () => {
    // id_token_hint is checked without the ID token's expiry, for as long as the provider session it names lasts.
    expect(RETIRED_KEY_GRACE_MS).toBeGreaterThanOrEqual(PROVIDER_SESSION_TTL_S * 1000);
    expect(RETIRED_KEY_GRACE_MS).toBeGreaterThanOrEqual(ID_TOKEN_TTL_S * 1000);
    // Every instance looks at the keys (and publishes the new one) within the check interval; apps cache the JWKS.
    expect(KEY_PUBLISH_LEAD_MS).toBeGreaterThanOrEqual(KEY_CHECK_INTERVAL_MS + minutes(10));
  });
});

describe.each(forEachDatabase())('keys commands on $name', (target) => {
  const handle = useDatabase(target);

  function admin(clock = new ManualClock(T0)) {
    const lines: string[] = [];
    const ctx: AdminContext = { db: handle().db, config, clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
    return { ctx, lines, text: () => lines.join('\n') };
  }

  /** The keys Gatehouse makes at its first start. */
  async function firstStart(at = T0) {
    await loadSigningKeys(handle().db, new ManualClock(at), config.secretKey);
  }

  it('before the first start there is nothing to list or rotate', async () => {
    const l = admin();
    expect(await listKeys(l.ctx, { json: false })).toEqual({ ok: true });
    expect(l.text()).toContain('No signing keys yet');
    expect(await rotateKeys(admin().ctx, { json: false })).toMatchObject({ ok: false, problem: expect.stringContaining('no signing keys to rotate yet') as unknown });
    expect(await allSigningKeyTimes(handle().db)).toEqual([]);
  });

  it('rotate publishes a key per algorithm signing in an hour, and gives the old ones an end 30 days after that', async () => {
    await firstStart(T0 - days(100));
    const r = admin();
    expect(await rotateKeys(r.ctx, { json: false })).toEqual({ ok: true });
    expect(r.lines).toEqual([
      'New signing keys, published now; they sign from 2026-12-05 13:00 UTC (in 1 hour):',
      '  gatehouse-es256-2  ES256',
      '  gatehouse-rs256-2  RS256',
      'The keys they replace stay published until 2027-01-04 13:00 UTC (30 days after that), for the tokens they signed:',
      '  gatehouse-es256-1, gatehouse-rs256-1',
      'Running instances publish the new keys within 5 minutes and switch to them when their time comes: no restart needed.',
    ]);
    const signsFrom = T0 + hours(1);
    expect(await allSigningKeyTimes(handle().db)).toEqual([
      { kid: 'gatehouse-es256-1', alg: 'ES256', created_at: T0 - days(100), signs_from: T0 - days(100), published_until: signsFrom + days(30) },
      { kid: 'gatehouse-rs256-1', alg: 'RS256', created_at: T0 - days(100), signs_from: T0 - days(100), published_until: signsFrom + days(30) },
      { kid: 'gatehouse-es256-2', alg: 'ES256', created_at: T0, signs_from: signsFrom, published_until: null },
      { kid: 'gatehouse-rs256-2', alg: 'RS256', created_at: T0, signs_from: signsFrom, published_until: null },
    ]);

    const l = admin();
    await listKeys(l.ctx, { json: false });
    expect(l.lines).toEqual([
      'kid                alg    state                                             made                  signs from            published until',
      'gatehouse-es256-1  ES256  signing                                           2026-08-27 12:00 UTC  2026-08-27 12:00 UTC  2027-01-04 13:00 UTC',
      'gatehouse-rs256-1  RS256  signing                                           2026-08-27 12:00 UTC  2026-08-27 12:00 UTC  2027-01-04 13:00 UTC',
      'gatehouse-es256-2  ES256  published ahead, signs from 2026-12-05 13:00 UTC  2026-12-05 12:00 UTC  2026-12-05 13:00 UTC  -',
      'gatehouse-rs256-2  RS256  published ahead, signs from 2026-12-05 13:00 UTC  2026-12-05 12:00 UTC  2026-12-05 13:00 UTC  -',
    ]);

    // An hour on the new keys sign, the old ones are retired; after the grace they are no longer published.
    const later = admin(new ManualClock(signsFrom));
    await listKeys(later.ctx, { json: true });
    expect(later.lines).toHaveLength(1);
    expect(JSON.parse(later.lines[0]!)).toEqual([
      { kid: 'gatehouse-es256-1', alg: 'ES256', state: 'retired', created_at: '2026-08-27T12:00:00.000Z', signs_from: '2026-08-27T12:00:00.000Z', published_until: '2027-01-04T13:00:00.000Z' },
      { kid: 'gatehouse-rs256-1', alg: 'RS256', state: 'retired', created_at: '2026-08-27T12:00:00.000Z', signs_from: '2026-08-27T12:00:00.000Z', published_until: '2027-01-04T13:00:00.000Z' },
      { kid: 'gatehouse-es256-2', alg: 'ES256', state: 'signing', created_at: '2026-12-05T12:00:00.000Z', signs_from: '2026-12-05T13:00:00.000Z', published_until: null },
      { kid: 'gatehouse-rs256-2', alg: 'RS256', state: 'signing', created_at: '2026-12-05T12:00:00.000Z', signs_from: '2026-12-05T13:00:00.000Z', published_until: null },
    ]);
    const text = admin(new ManualClock(signsFrom));
    await listKeys(text.ctx, { json: false });
    expect(text.lines[1]).toMatch(/^gatehouse-es256-1 +ES256 +retired, published until 2027-01-04 13:00 UTC +/);
    const gone = admin(new ManualClock(signsFrom + days(30)));
    await listKeys(gone.ctx, { json: false });
    expect(gone.lines[1]).toMatch(/^gatehouse-es256-1 +ES256 +no longer published +/);
  });

  it('rotate twice in a row: the key published ahead and never used is replaced too, each old key ends a grace after its successor starts', async () => {
    await firstStart();
    const clock = new ManualClock(T0);
    expect(await rotateKeys(admin(clock).ctx, { json: false })).toEqual({ ok: true });
    clock.advance(minutes(10));
    const second = admin(clock);
    expect(await rotateKeys(second.ctx, { json: true })).toEqual({ ok: true });
    expect(JSON.parse(second.lines[0]!)).toEqual({
      added: [
        { kid: 'gatehouse-es256-3', alg: 'ES256' },
        { kid: 'gatehouse-rs256-3', alg: 'RS256' },
      ],
      signs_from: new Date(T0 + minutes(70)).toISOString(),
      retired: ['gatehouse-es256-2', 'gatehouse-rs256-2'],
      published_until: new Date(T0 + minutes(70) + days(30)).toISOString(),
    });
    const ends = Object.fromEntries((await allSigningKeyTimes(handle().db)).map((k) => [k.kid, k.published_until]));
    expect(ends).toEqual({
      // The first keys signed until the second ones' time (which the third ones' came 10 minutes after).
      'gatehouse-es256-1': T0 + hours(1) + days(30),
      'gatehouse-rs256-1': T0 + hours(1) + days(30),
      'gatehouse-es256-2': T0 + minutes(70) + days(30),
      'gatehouse-rs256-2': T0 + minutes(70) + days(30),
      'gatehouse-es256-3': null,
      'gatehouse-rs256-3': null,
    });

    // Whatever the moment, each algorithm has exactly one key signing (or, in the first hour, the first one).
    for (const [at, signing] of [
      [T0 + minutes(30), ['gatehouse-es256-1', 'gatehouse-rs256-1']],
      [T0 + minutes(65), ['gatehouse-es256-2', 'gatehouse-rs256-2']],
      [T0 + minutes(70), ['gatehouse-es256-3', 'gatehouse-rs256-3']],
    ] as const) {
      const l = admin(new ManualClock(at));
      await listKeys(l.ctx, { json: true });
      const states = JSON.parse(l.lines[0]!) as { kid: string; state: string }[];
      expect(states.filter((k) => k.state === 'signing').map((k) => k.kid)).toEqual(signing);
    }
  });

  /**
   * Two rotations that both read the keys before either writes, as two operators pressing Enter together. SQLite's
   * one connection interleaves them so every run. On PostgreSQL the pool may hand the second its connection only
   * once the first is done (then both succeed, as two rotations in a row do), so a lock on the table, held until
   * both wait to write, makes the moment the same on every run.
   */
  async function rotateTogether() {
    const [x, y] = [admin(), admin()];
    const both = () => Promise.all([rotateKeys(x.ctx, { json: false }), rotateKeys(y.ctx, { json: false })]);
    if (target.name !== 'postgres') return both();
    const locker = target.openAnother();
    let rotations: ReturnType<typeof both> | undefined;
    await locker.db.transaction().execute(async (trx) => {
      await sql`lock table oidc_signing_keys in exclusive mode`.execute(trx);
      rotations = both();
      for (let i = 0; i < 400; i++) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
          join pg_namespace s on s.oid = c.relnamespace where c.relname = 'oidc_signing_keys' and s.nspname = current_schema() and not l.granted`.execute(handle().db);
        if (rows[0]!.n >= 2) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('the two rotations never both waited to write');
    });
    return rotations!;
  }

  it('two rotations at the same moment: one wins, the other is refused and changes nothing', async () => {
    await firstStart();
    const results = await rotateTogether();
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ problem: expect.stringContaining('Another keys rotate ran at the same moment') as unknown });
    const keys = await allSigningKeyTimes(handle().db);
    expect(keys.map((k) => k.kid).sort()).toEqual(['gatehouse-es256-1', 'gatehouse-es256-2', 'gatehouse-rs256-1', 'gatehouse-rs256-2']);
  });

  it('no private key is printed, and none is stored in clear', async () => {
    await firstStart();
    const r = admin();
    await rotateKeys(r.ctx, { json: false });
    const l = admin();
    await listKeys(l.ctx, { json: false });
    await listKeys(l.ctx, { json: true });
    const { keys } = await loadSigningKeys(handle().db, new ManualClock(T0), config.secretKey);
    expect(keys).toHaveLength(4);
    const stored = JSON.stringify(await handle().db.selectFrom('oidc_signing_keys').selectAll().execute());
    for (const key of keys) {
      // `d` is the private part of an EC or RSA JWK (p, q, dp, dq, qi come with it for RSA).
      expect(key.d).toEqual(expect.any(String));
      expect(r.text()).not.toContain(key.d);
      expect(l.text()).not.toContain(key.d);
      expect(stored).not.toContain(key.d);
    }
  });
});
