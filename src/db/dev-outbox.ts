/** SQL for the development outbox: what the dev adapters "sent" instead of SMS, calls and mail. */
import type { Kysely } from 'kysely';
import type { Database, DevMessage } from './schema.js';

type Db = Kysely<Database>;

export type NewDevMessage = Omit<DevMessage, 'id'>;

export async function addDevMessage(db: Db, message: NewDevMessage): Promise<void> {
  await db.insertInto('dev_outbox').values(message).execute();
}

export async function listDevMessages(db: Db, limit = 200): Promise<DevMessage[]> {
  return db.selectFrom('dev_outbox').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

export async function findDevMessage(db: Db, id: number): Promise<DevMessage | undefined> {
  return db.selectFrom('dev_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}
