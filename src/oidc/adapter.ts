/**
 * oidc-provider's storage: every model in `oidc_payloads` (src/db/oidc-payloads.ts) but the apps, which come
 * from `oidc_apps` (written by the admin CLI and the console, never by the provider). An app is read afresh at each
 * lookup, so a change counts at its next request; the library's own cache of clients is keyed by a hash of the
 * metadata, so a changed row is a new client.
 *
 * - Codes and tokens are bearer secrets, and an opaque one *is* its id: their rows are keyed by the SHA-256 of
 *   the id and store no `jti`, so a copy of the database replays nothing (the rule `sessions.id` follows).
 *   Grants, provider sessions and interactions keep clear ids: they are looked up by them, and none of them is
 *   worth anything without the matching Gatehouse session (src/oidc/policy.ts).
 * - `consume` is a compare-and-swap. The library reads a code's `consumed` and only later calls `consume()`,
 *   ignoring its result; two redemptions at the same moment would both pass the read. Here exactly one sets
 *   `consumed_at`; every other attempt ends the whole grant (its tokens too) and fails, as a replay does. The
 *   winner's tokens, stored after that, are refused (`invalid_grant`) rather than outliving their grant.
 */
import { errors, type Adapter, type AdapterPayload, type ClientMetadata } from 'oidc-provider';
import type { Kysely } from 'kysely';
import { hashToken } from '../lib/tokens.js';
import { findOidcApp } from '../db/oidc-apps.js';
import {
  consumePayload,
  deleteGrant,
  deletePayload,
  deletePayloadsOfGrant,
  findPayload,
  findPayloadBySessionUid,
  grantIdOf,
  upsertPayload,
  upsertPayloadUnderGrant,
  type StoredPayload,
} from '../db/oidc-payloads.js';
import type { Database, OidcApp } from '../db/schema.js';
import type { Clock } from '../lib/duration.js';

/** The models whose id is a bearer secret (opaque codes and tokens). */
const SECRET_ID_MODELS = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken', 'ClientCredentials']);

/** What `client_secret` holds for the library: the stored hash, marked, compared by `compareHashedSecret`. */
export const HASHED_SECRET_PREFIX = 'sha256:';

class PayloadAdapter implements Adapter {
  private readonly secretIds: boolean;

  constructor(
    private readonly model: string,
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.secretIds = SECRET_ID_MODELS.has(model);
  }

  private key(id: string): string {
    return this.secretIds ? hashToken(id) : id;
  }

  private revive(id: string, row: StoredPayload): AdapterPayload {
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (this.secretIds) payload.jti = id;
    if (row.consumedAt !== null) payload.consumed = Math.floor(row.consumedAt / 1000);
    return payload;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    const stored = this.secretIds ? { ...payload, jti: undefined } : payload;
    const row = {
      model: this.model,
      id: this.key(id),
      payload: JSON.stringify(stored),
      grantId: payload.grantId ?? null,
      sessionUid: payload.uid ?? null,
      accountId: payload.accountId ?? null,
      clientId: payload.clientId ?? null,
      expiresAt: expiresIn ? this.clock.now() + expiresIn * 1000 : null,
    };
    // A code or token of a grant that ended meanwhile (a replay racing this redemption) is not issued at all.
    if (this.secretIds && row.grantId !== null) {
      if (!(await upsertPayloadUnderGrant(this.db, { ...row, grantId: row.grantId }))) throw new errors.InvalidGrant('grant ended');
      return;
    }
    await upsertPayload(this.db, row);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const row = await findPayload(this.db, this.model, this.key(id), this.clock.now());
    return row ? this.revive(id, row) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const row = await findPayloadBySessionUid(this.db, this.model, uid, this.clock.now());
    return row ? this.revive(row.id, row) : undefined;
  }

  async findByUserCode(): Promise<AdapterPayload | undefined> {
    throw new Error('the device flow is off: nothing is stored by user code');
  }

  async consume(id: string): Promise<void> {
    const key = this.key(id);
    if (await consumePayload(this.db, this.model, key, this.clock.now())) return;
    // Used already, or by a request racing this one: nothing issued from this grant may survive.
    const grantId = await grantIdOf(this.db, this.model, key);
    if (grantId) await deleteGrant(this.db, grantId);
    throw new errors.InvalidGrant(`${this.model} already used`);
  }

  async destroy(id: string): Promise<void> {
    await deletePayload(this.db, this.model, this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await deletePayloadsOfGrant(this.db, this.model, grantId);
  }
}

/** An app's registration as the library reads it. Apps are written outside the provider, so everything else refuses. */
class AppsAdapter implements Adapter {
  constructor(private readonly db: Kysely<Database>) {}

  async find(clientId: string): Promise<ClientMetadata | undefined> {
    const app = await findOidcApp(this.db, clientId);
    return app ? clientMetadataOf(app) : undefined;
  }

  async upsert(): Promise<void> {
    throw new Error('apps are registered with the admin CLI or the console only');
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {
    throw new Error('apps are not consumed');
  }

  async destroy(): Promise<void> {
    throw new Error('apps are removed with the admin CLI or the console only');
  }

  async revokeByGrantId(): Promise<void> {}
}

/** The OAuth client metadata of an app row. */
export function clientMetadataOf(app: OidcApp): ClientMetadata {
  const service = app.kind === 'service';
  return {
    client_id: app.client_id,
    client_name: app.name,
    ...(app.secret_hash !== null ? { client_secret: `${HASHED_SECRET_PREFIX}${app.secret_hash}` } : {}),
    token_endpoint_auth_method: app.kind === 'public' ? 'none' : 'client_secret_basic',
    redirect_uris: JSON.parse(app.redirect_uris) as string[],
    post_logout_redirect_uris: JSON.parse(app.post_logout_redirect_uris) as string[],
    // The logout token names the provider session (`sid`), so an app can end the one session it belongs to.
    ...(app.backchannel_logout_uri !== null ? { backchannel_logout_uri: app.backchannel_logout_uri, backchannel_logout_session_required: true } : {}),
    grant_types: service ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    response_types: service ? [] : ['code'],
    id_token_signed_response_alg: app.id_token_alg,
    gatehouse_first_party: app.first_party === 1,
    gatehouse_requirement: app.requirement,
  };
}

/** oidc-provider's `adapter` setting: one adapter per model name. */
export function adapterFactory(db: Kysely<Database>, clock: Clock): (model: string) => Adapter {
  return (model) => (model === 'Client' ? new AppsAdapter(db) : new PayloadAdapter(model, db, clock));
}
