import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Where sessions come from and trusted devices (issue #5): each session keeps
 * the IP and User-Agent it started with, so the security page can list
 * "Chrome on macOS, 192.0.2.1, active 3 minutes ago"; a trusted device is a
 * browser that may skip the second factor for 30 days (its cookie's token is
 * stored as a SHA-256 only).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';
  await db.schema.alterTable('sessions').addColumn('ip', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();

  await db.schema
    .createTable('trusted_devices')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time, (c) => c.notNull())
    .addColumn('last_ip', 'text')
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trusted_devices_user_id').on('trusted_devices').column('user_id').execute();
}
