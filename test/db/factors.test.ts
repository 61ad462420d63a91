import { describe, expect, it } from 'vitest';
import {
  confirmTotpFactor,
  countUnusedRecoveryCodes,
  findTotpFactor,
  replaceRecoveryCodes,
  startTotpEnrollment,
  useRecoveryCode,
  useTotpStep,
} from '../../src/db/factors.js';
import { purgeExpired } from '../../src/db/housekeeping.js';
import { recentSecurityEvents, recordSecurityEvent, SECURITY_EVENT_RETENTION_MS } from '../../src/db/security-events.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);

describe.each(forEachDatabase())('second factors on $name', (target) => {
  const handle = useDatabase(target);

  it('an enrolment counts only once confirmed, and a confirmed factor is never replaced by a new enrolment', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    expect(await startTotpEnrollment(db, user.id, 'sealed-1', T0)).toBe(true);
    expect(await startTotpEnrollment(db, user.id, 'sealed-2', T0)).toBe(true); // replaces the unconfirmed one
    expect(await useTotpStep(db, user.id, 100)).toBe(false); // not active yet
    expect(await confirmTotpFactor(db, user.id, 100, T0)).toBe(true);
    expect(await confirmTotpFactor(db, user.id, 101, T0)).toBe(false);
    expect(await startTotpEnrollment(db, user.id, 'sealed-3', T0)).toBe(false);
    expect(await findTotpFactor(db, user.id)).toMatchObject({ secret: 'sealed-2', last_used_step: 100, confirmed_at: T0 });
  });

  it('a time step is used at most once, even by ten concurrent requests; older steps never', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await startTotpEnrollment(db, user.id, 'sealed', T0);
    await confirmTotpFactor(db, user.id, 100, T0);
    expect(await useTotpStep(db, user.id, 100)).toBe(false);
    const results = await Promise.all(Array.from({ length: 10 }, () => useTotpStep(db, user.id, 101)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await useTotpStep(db, user.id, 100)).toBe(false);
    expect(await useTotpStep(db, user.id, 102)).toBe(true);
  });

  it('a recovery code is used at most once, even by ten concurrent requests; a new set voids the old one', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await db.transaction().execute((trx) => replaceRecoveryCodes(trx, user.id, ['a', 'b', 'c'], T0));
    const results = await Promise.all(Array.from({ length: 10 }, () => useRecoveryCode(db, user.id, 'a', T0)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await countUnusedRecoveryCodes(db, user.id)).toBe(2);
    await db.transaction().execute((trx) => replaceRecoveryCodes(trx, user.id, ['d'], T0));
    expect(await useRecoveryCode(db, user.id, 'b', T0)).toBe(false);
    expect(await useRecoveryCode(db, user.id, 'd', T0)).toBe(true);
  });

  it('security events come newest first and are purged after 90 days', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await recordSecurityEvent(db, { userId: user.id, kind: 'sign_in', now: T0, ip: '192.0.2.1', userAgent: 'x'.repeat(1000) });
    await recordSecurityEvent(db, { userId: user.id, kind: 'totp_enabled', now: T0 + 1000, ip: null, userAgent: null });
    const events = await recentSecurityEvents(db, user.id, 0);
    expect(events.map((e) => e.kind)).toEqual(['totp_enabled', 'sign_in']);
    expect(events[1]!.user_agent).toHaveLength(300);
    await purgeExpired(db, T0 + SECURITY_EVENT_RETENTION_MS + 500);
    expect((await recentSecurityEvents(db, user.id, 0)).map((e) => e.kind)).toEqual(['totp_enabled']);
  });
});
