/** SQL for SMS two-factor enrolments in progress (a number waiting for its code). */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Which of the user's numbers an enrolment is for: the main one (SMS codes on, or moved) or the backup. */
export type PhoneKind = 'main' | 'backup';

/**
 * Starts (or restarts, with fresh counters) the user's enrolment. One upsert
 * rather than delete-then-insert: two concurrent starts (a double-submitted
 * form) would otherwise both delete, then collide on the primary key.
 */
export async function startEnrollment(db: Db, userId: number, phone: string, now: number, codeSentAt: number | null, kind: PhoneKind = 'main'): Promise<void> {
  const fresh = { phone, code_sent_at: codeSentAt, failed_code_attempts: 0, created_at: now, kind };
  await db
    .insertInto('phone_enrollments')
    .values({ user_id: userId, ...fresh })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(fresh))
    .execute();
}

export async function findEnrollment(db: Db, userId: number, createdAfter: number) {
  return db
    .selectFrom('phone_enrollments')
    .selectAll()
    .where('user_id', '=', userId)
    .where('created_at', '>', createdAfter)
    .executeTakeFirst();
}

export async function setEnrollmentCodeSentAt(db: Db, userId: number, at: number): Promise<void> {
  await db.updateTable('phone_enrollments').set({ code_sent_at: at }).where('user_id', '=', userId).execute();
}

export async function recordFailedEnrollmentCode(db: Db, userId: number): Promise<number> {
  const row = await db
    .updateTable('phone_enrollments')
    .set((eb) => ({ failed_code_attempts: eb('failed_code_attempts', '+', 1) }))
    .where('user_id', '=', userId)
    .returning('failed_code_attempts')
    .executeTakeFirst();
  return row?.failed_code_attempts ?? Number.POSITIVE_INFINITY;
}

/** Removes the enrolment; true when this call removed it (compare-and-swap on the phone). */
export async function finishEnrollment(db: Db, userId: number, phone: string): Promise<boolean> {
  const r = await db.deleteFrom('phone_enrollments').where('user_id', '=', userId).where('phone', '=', phone).executeTakeFirst();
  return r.numDeletedRows === 1n;
}

export async function cancelEnrollment(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('phone_enrollments').where('user_id', '=', userId).execute();
}
