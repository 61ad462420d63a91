import { describe, expect, it } from 'vitest';
import { countDevCheck, deleteDevVerification, findDevVerification, replaceDevVerification } from '../../src/db/dev-verifications.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const TEN_MINUTES = 600_000;
const PHONE = '+14155550100';

describe.each(forEachDatabase())('dev verifications on $name', (target) => {
  const handle = useDatabase(target);

  it('stores one code per number, found until it expires', async () => {
    const { db } = handle();
    await replaceDevVerification(db, PHONE, 'hash-1', 1, T0 + TEN_MINUTES);
    expect(await findDevVerification(db, PHONE, T0)).toEqual({ recipient: PHONE, code_hash: 'hash-1', checks: 0, sends: 1, expires_at: T0 + TEN_MINUTES });
    expect(await findDevVerification(db, PHONE, T0 + TEN_MINUTES)).toBeUndefined();
    expect(await findDevVerification(db, '+14155550199', T0)).toBeUndefined();
  });

  it('a replacement takes the new code and send count and starts the checks again', async () => {
    const { db } = handle();
    await replaceDevVerification(db, PHONE, 'hash-1', 1, T0 + TEN_MINUTES);
    await countDevCheck(db, PHONE);
    await replaceDevVerification(db, PHONE, 'hash-2', 2, T0 + TEN_MINUTES);
    expect(await findDevVerification(db, PHONE, T0)).toEqual({ recipient: PHONE, code_hash: 'hash-2', checks: 0, sends: 2, expires_at: T0 + TEN_MINUTES });
    expect(await db.selectFrom('dev_verifications').selectAll().execute()).toHaveLength(1);
  });

  it('two concurrent replacements for one number leave one row and do not fail', async () => {
    const { db } = handle();
    await Promise.all([replaceDevVerification(db, PHONE, 'hash-a', 1, T0 + TEN_MINUTES), replaceDevVerification(db, PHONE, 'hash-b', 1, T0 + TEN_MINUTES)]);
    const rows = await db.selectFrom('dev_verifications').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(['hash-a', 'hash-b']).toContain(rows[0]?.code_hash);
  });

  it('counts concurrent checks exactly; an unknown number counts as infinite', async () => {
    const { db } = handle();
    await replaceDevVerification(db, PHONE, 'hash-1', 1, T0 + TEN_MINUTES);
    const counts = await Promise.all(Array.from({ length: 20 }, () => countDevCheck(db, PHONE)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await countDevCheck(db, '+14155550199')).toBe(Number.POSITIVE_INFINITY);
  });

  it('deletes a verification', async () => {
    const { db } = handle();
    await replaceDevVerification(db, PHONE, 'hash-1', 1, T0 + TEN_MINUTES);
    await replaceDevVerification(db, '+14155550199', 'hash-2', 1, T0 + TEN_MINUTES);
    await deleteDevVerification(db, PHONE);
    expect(await findDevVerification(db, PHONE, T0)).toBeUndefined();
    expect(await findDevVerification(db, '+14155550199', T0)).toBeDefined();
  });

  it('keeps far-future expiry exact', async () => {
    const { db } = handle();
    const far = Date.UTC(2100, 0, 1);
    await replaceDevVerification(db, PHONE, 'hash-1', 1, far);
    expect((await findDevVerification(db, PHONE, far - 1))?.expires_at).toBe(far);
    expect(await findDevVerification(db, PHONE, far)).toBeUndefined();
  });
});
