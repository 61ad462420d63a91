import { describe, expect, it } from 'vitest';
import {
  cancelEnrollment,
  findEnrollment,
  finishEnrollment,
  recordFailedEnrollmentCode,
  setEnrollmentCodeSentAt,
  startEnrollment,
} from '../../src/db/phone-enrollments.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const PHONE = '+14155550100';
const OTHER_PHONE = '+14155550199';

describe.each(forEachDatabase())('phone enrollments on $name', (target) => {
  const handle = useDatabase(target);

  it('starts an enrolment and finds it while it is newer than the cut-off', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await startEnrollment(db, user.id, PHONE, T0, null);
    expect(await findEnrollment(db, user.id, T0 - 1)).toEqual({
      user_id: user.id,
      phone: PHONE,
      code_sent_at: null,
      failed_code_attempts: 0,
      kind: 'main',
      created_at: T0,
    });
    expect(await findEnrollment(db, user.id, T0)).toBeUndefined();
    expect(await findEnrollment(db, user.id + 1, T0 - 1)).toBeUndefined();
  });

  it('a new enrolment replaces the old one and resets its counters', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await startEnrollment(db, user.id, PHONE, T0, null);
    await setEnrollmentCodeSentAt(db, user.id, T0 + 10);
    await recordFailedEnrollmentCode(db, user.id);
    expect(await findEnrollment(db, user.id, 0)).toMatchObject({ code_sent_at: T0 + 10, failed_code_attempts: 1 });
    await startEnrollment(db, user.id, OTHER_PHONE, T0 + 100, null);
    expect(await findEnrollment(db, user.id, 0)).toEqual({
      user_id: user.id,
      phone: OTHER_PHONE,
      code_sent_at: null,
      failed_code_attempts: 0,
      kind: 'main',
      created_at: T0 + 100,
    });
  });

  it('two concurrent starts for one user leave one enrolment and do not fail', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await Promise.all([startEnrollment(db, user.id, PHONE, T0, null), startEnrollment(db, user.id, OTHER_PHONE, T0, null)]);
    const rows = await db.selectFrom('phone_enrollments').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
    expect([PHONE, OTHER_PHONE]).toContain(rows[0]?.phone);
  });

  it('counts concurrent wrong codes exactly', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await startEnrollment(db, user.id, PHONE, T0, null);
    const counts = await Promise.all(Array.from({ length: 20 }, () => recordFailedEnrollmentCode(db, user.id)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await recordFailedEnrollmentCode(db, user.id + 1000)).toBe(Number.POSITIVE_INFINITY);
  });

  it('finishEnrollment is compare-and-swap on the phone and succeeds once', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    await startEnrollment(db, user.id, PHONE, T0, null);
    expect(await finishEnrollment(db, user.id, OTHER_PHONE)).toBe(false);
    expect(await findEnrollment(db, user.id, 0)).toBeDefined();
    const results = await Promise.all([finishEnrollment(db, user.id, PHONE), finishEnrollment(db, user.id, PHONE)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await findEnrollment(db, user.id, 0)).toBeUndefined();
  });

  it('cancelEnrollment removes it; deleting the user removes it too', async () => {
    const { db } = handle();
    const alice = await insertTestUser(db);
    const bob = await insertTestUser(db);
    await startEnrollment(db, alice.id, PHONE, T0, null);
    await startEnrollment(db, bob.id, OTHER_PHONE, T0, null);
    await cancelEnrollment(db, alice.id);
    expect(await findEnrollment(db, alice.id, 0)).toBeUndefined();
    expect(await findEnrollment(db, bob.id, 0)).toBeDefined();
    await db.deleteFrom('users').where('id', '=', bob.id).execute();
    expect(await db.selectFrom('phone_enrollments').selectAll().execute()).toEqual([]);
  });

  it('keeps far-future times exact', async () => {
    const { db } = handle();
    const user = await insertTestUser(db);
    const far = Date.UTC(2100, 0, 1);
    await startEnrollment(db, user.id, PHONE, far, null);
    await setEnrollmentCodeSentAt(db, user.id, far + 1);
    const row = await findEnrollment(db, user.id, far - 1);
    expect(row?.created_at).toBe(far);
    expect(row?.code_sent_at).toBe(far + 1);
  });
});
