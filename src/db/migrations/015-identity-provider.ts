import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * A subject as src/lib/oidc-subject.ts made them when this migration was written (128 random bits, base64url),
 * copied: a migration must do tomorrow what it did today, whatever the runtime code becomes.
 */
function newSubject(): string {
  return randomBytes(16).toString('base64url');
}

/** Accounts given their subject per statement: 3 parameters each, under SQLite's oldest limit of 999. */
const BACKFILL_BATCH = 250;

/**
 * Gatehouse as an OpenID Connect provider (issue #13, decision record 017):
 *
 * - `oidc_payloads`: what oidc-provider stores (codes, tokens, grants, its sessions and interactions), one table
 *   keyed by (model, id), with the fields it looks rows up by copied into columns. Codes and tokens are bearer
 *   secrets: their rows are keyed by the SHA-256 of the id (src/oidc/adapter.ts), never the id itself.
 * - `oidc_apps`: the apps registered with the admin CLI; a confidential app's secret only as its SHA-256.
 * - `oidc_signing_keys`: the ID-token signing keys, made at first start; the private half sealed under SECRET_KEY.
 * - `users.oidc_subject`: the `sub` other apps know the account by — random and opaque, never the username or the
 *   row id — made here for every existing account and by `insertUser` for new ones.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  const time = 'bigint';

  await db.schema
    .createTable('oidc_payloads')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('session_uid', 'text')
    .addColumn('account_id', 'text')
    .addColumn('client_id', 'text')
    // Null: lives until deleted (nothing the provider stores today; kept for models without a TTL).
    .addColumn('expires_at', time)
    // Set once by the atomic consume; a second consume finds it set and revokes the grant.
    .addColumn('consumed_at', time)
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_payloads_grant').on('oidc_payloads').column('grant_id').execute();
  await db.schema.createIndex('oidc_payloads_session_uid').on('oidc_payloads').columns(['model', 'session_uid']).execute();
  await db.schema.createIndex('oidc_payloads_account_client').on('oidc_payloads').columns(['model', 'account_id', 'client_id']).execute();
  await db.schema.createIndex('oidc_payloads_expires').on('oidc_payloads').column('expires_at').execute();

  await db.schema
    .createTable('oidc_apps')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // 'web' (confidential, signs people in), 'public' (no secret: a single-page or native app), 'service'
    // (confidential, client credentials only).
    .addColumn('kind', 'text', (c) => c.notNull())
    // SHA-256 (hex) of the client secret; null for a public app.
    .addColumn('secret_hash', 'text')
    // JSON arrays of exact URIs.
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
    .addColumn('backchannel_logout_uri', 'text')
    .addColumn('first_party', 'integer', (c) => c.notNull())
    // 'none', 'two-factor' or 'passkey': what a sign-in to this app must have proved.
    .addColumn('requirement', 'text', (c) => c.notNull())
    .addColumn('id_token_alg', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('secret_rotated_at', time)
    .execute();

  await db.schema
    .createTable('oidc_signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    // The private JWK, sealed with SecretBox(SECRET_KEY, 'oidc-signing-key').
    .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    // From then on the key signs (published earlier, so every cache of the JWKS knows it first).
    .addColumn('signs_from', time, (c) => c.notNull())
    // After this the key is no longer published; null while it is in use.
    .addColumn('published_until', time)
    .execute();

  await db.schema.alterTable('users').addColumn('oidc_subject', 'text').execute();
  await db.schema.createIndex('users_oidc_subject').unique().on('users').column('oidc_subject').execute();
  const { rows } = await sql<{ id: number }>`select id from users where oidc_subject is null order by id`.execute(db);
  // One statement per batch, not per account: an install with many accounts is not kept waiting at the upgrade.
  for (let start = 0; start < rows.length; start += BACKFILL_BATCH) {
    const ids = rows.slice(start, start + BACKFILL_BATCH).map((r) => r.id);
    const subjects = sql.join(ids.map((id) => sql`when ${id} then ${newSubject()}`), sql` `);
    await sql`update users set oidc_subject = case id ${subjects} end where id in (${sql.join(ids)})`.execute(db);
  }
}
