import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Passkeys and security keys (WebAuthn, issue #5): the credentials each account
 * registered (public keys only; the private key never leaves the authenticator),
 * a stable random user handle per account (what a passkey stores instead of the
 * username), and the challenges already answered, so a signed answer cannot be
 * sent twice (decision record 012).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';
  await db.schema.alterTable('users').addColumn('webauthn_user_handle', 'text').execute();
  await db.schema.createIndex('users_webauthn_user_handle').unique().on('users').column('webauthn_user_handle').execute();

  await db.schema
    .createTable('webauthn_credentials')
    // The authenticator's credential id (base64url): unique across every account.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // COSE public key (base64url).
    .addColumn('public_key', 'text', (c) => c.notNull())
    // The authenticator's signature counter; 0 for most passkeys, which do not count.
    .addColumn('counter', time, (c) => c.notNull())
    .addColumn('transports', 'text')
    // 1 when the credential can be synced to the owner's other devices (a passkey), 0 for a hardware key.
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .execute();
  await db.schema.createIndex('webauthn_credentials_user').on('webauthn_credentials').column('user_id').execute();

  await db.schema
    .createTable('webauthn_used_challenges')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    // After this the challenge is refused for its age anyway, so the row may go.
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
}
