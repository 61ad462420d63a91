/**
 * The identity provider's storage (src/oidc/adapter.ts over src/db/oidc-payloads.ts) on SQLite and PostgreSQL:
 * codes and tokens keyed by their hash, found again by their value; the atomic consume (exactly one of several
 * consumes wins, and a losing one ends the whole grant); expiry; and what the purge removes.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/db/housekeeping.js';
import { deleteGrant } from '../../src/db/oidc-payloads.js';
import { hashToken } from '../../src/lib/tokens.js';
import { ManualClock } from '../../src/lib/duration.js';
import { adapterFactory } from '../../src/oidc/adapter.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0);

describe.each(forEachDatabase())('oidc_payloads on $name', (target) => {
  const handle = useDatabase(target);
  let clock = new ManualClock(T0);
  beforeEach(() => {
    clock = new ManualClock(T0);
  });
  const adapter = (model: string) => adapterFactory(handle().db, clock)(model);
  const rows = () => handle().db.selectFrom('oidc_payloads').selectAll().orderBy('model').orderBy('id').execute();
  /** Codes and tokens are stored only under a grant that exists. */
  const grant = (id: string) => adapter('Grant').upsert(id, { accountId: 'sub', clientId: 'app' }, 3600);

  it('a code is stored under its hash, without its value, and found by its value', async () => {
    const codes = adapter('AuthorizationCode');
    await grant('g1');
    await codes.upsert('the-code-value', { jti: 'the-code-value', grantId: 'g1', accountId: 'sub', clientId: 'app', kind: 'AuthorizationCode' }, 60);
    const [row] = (await rows()).filter((r) => r.model === 'AuthorizationCode');
    expect(row).toMatchObject({ model: 'AuthorizationCode', id: hashToken('the-code-value'), grant_id: 'g1', account_id: 'sub', client_id: 'app', expires_at: T0 + 60_000, consumed_at: null });
    expect(row!.payload).not.toContain('the-code-value');
    expect(await codes.find('the-code-value')).toMatchObject({ jti: 'the-code-value', grantId: 'g1' });
    expect(await codes.find(hashToken('the-code-value'))).toBeUndefined();
    clock.advance(60_000);
    expect(await codes.find('the-code-value')).toBeUndefined();
    expect(await purgeExpired(handle().db, clock.now())).toBe(1);
    expect((await rows()).map((r) => r.model)).toEqual(['Grant']);
  });

  it('a grant, a session and an interaction keep clear ids; a session is found by its uid', async () => {
    await adapter('Session').upsert('cookie-id', { uid: 'uid-1', accountId: 'sub' }, 3600);
    expect(await adapter('Session').findByUid('uid-1')).toMatchObject({ uid: 'uid-1', accountId: 'sub' });
    expect((await rows())[0]!.id).toBe('cookie-id');
  });

  it('consume: of five at once exactly one wins; the others end the grant with every token in it', async () => {
    const codes = adapter('AuthorizationCode');
    await grant('g2');
    await grant('g3');
    await codes.upsert('code-2', { grantId: 'g2', kind: 'AuthorizationCode' }, 60);
    await adapter('AccessToken').upsert('token-2', { grantId: 'g2', kind: 'AccessToken' }, 600);
    await adapter('AccessToken').upsert('token-other', { grantId: 'g3', kind: 'AccessToken' }, 600);

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => codes.consume('code-2')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) expect((r.reason as { error?: string }).error).toBe('invalid_grant');
    // Only the other grant's token is left.
    expect((await rows()).map((r) => [r.model, r.grant_id ?? r.id])).toEqual([['AccessToken', 'g3'], ['Grant', 'g3']]);
  });

  it('no code or token is stored under a grant that ended: the one racing the end is refused, the one before it deleted', async () => {
    await grant('g6');
    const tokens = adapter('AccessToken');
    await tokens.upsert('before', { grantId: 'g6', kind: 'AccessToken' }, 600);
    // An end and an issue at the same moment (a replay against the winner's token): either order leaves nothing.
    const [issued] = await Promise.allSettled([tokens.upsert('racing', { grantId: 'g6', kind: 'AccessToken' }, 600), deleteGrant(handle().db, 'g6')]);
    if (issued.status === 'rejected') expect((issued.reason as { error?: string }).error).toBe('invalid_grant');
    await expect(tokens.upsert('after', { grantId: 'g6', kind: 'AccessToken' }, 600)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(adapter('AuthorizationCode').upsert('code-never', { grantId: 'nope', kind: 'AuthorizationCode' }, 60)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await rows()).toEqual([]);
  });

  it('consume after consume (a replay) fails and ends the grant; a consumed code reads as consumed', async () => {
    const codes = adapter('AuthorizationCode');
    await grant('g4');
    await codes.upsert('code-3', { grantId: 'g4', kind: 'AuthorizationCode' }, 60);
    await codes.consume('code-3');
    expect(await codes.find('code-3')).toMatchObject({ consumed: Math.floor(T0 / 1000) });
    await expect(codes.consume('code-3')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await codes.find('code-3')).toBeUndefined();
  });

  it('upsert replaces the payload but never clears consumed_at', async () => {
    const tokens = adapter('RefreshToken');
    await grant('g5');
    await tokens.upsert('rt', { grantId: 'g5', kind: 'RefreshToken', n: 1 }, 600);
    await tokens.consume('rt');
    await tokens.upsert('rt', { grantId: 'g5', kind: 'RefreshToken', n: 2 }, 600);
    expect(await tokens.find('rt')).toMatchObject({ n: 2, consumed: expect.any(Number) as unknown });
  });
});
