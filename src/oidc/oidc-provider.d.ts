/**
 * Types for the part of oidc-provider 9 Gatehouse uses (the package ships none). Written from its source
 * (lib/provider.js, lib/helpers/defaults.js, lib/models); only what src/oidc calls is declared, so using more of
 * the library starts here.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type UnknownObject = Record<string, unknown>;

  /** What an adapter stores and returns for one model instance. */
  export interface AdapterPayload extends UnknownObject {
    jti?: string;
    grantId?: string;
    uid?: string;
    accountId?: string;
    clientId?: string;
    /** When the code or token was consumed (seconds since the epoch). */
    consumed?: number;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata extends UnknownObject {
    client_id: string;
    client_secret?: string;
    redirect_uris?: string[];
    grant_types?: string[];
    response_types?: string[];
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): UnknownObject | Promise<UnknownObject>;
  }

  /** What the provider session knows of one app signed in through it. */
  export interface SessionAuthorization {
    /** The session id the app's ID tokens and logout tokens carry. */
    sid?: string;
    grantId?: string;
    /** Set when a token issued here outlives the session (`offline_access`): a logout leaves the grant alone. */
    persistsLogout?: boolean;
  }

  export interface OidcSession {
    uid: string;
    accountId?: string;
    loginTs?: number;
    acr?: string;
    amr?: string[];
    authorizations?: Record<string, SessionAuthorization>;
    /** True once `destroy()` ran (an ended session, e.g. at `end_session_confirm` with `logout=yes`). */
    destroyed?: boolean;
    /** When the stored session expires, in seconds since the epoch (the library's clock: `Date.now()`). */
    exp?: number;
    grantIdFor(clientId: string): string | undefined;
    /** Stores the session again, to expire in `ttl` seconds. */
    save(ttl: number): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface SessionClass {
    findByUid(uid: string): Promise<OidcSession | undefined>;
  }

  export interface OidcContext {
    route: string;
    /** What the request loaded or made: `Session`, `Client`, `AuthorizationCode` (once issued), … */
    entities: { Session?: OidcSession; Client?: Client; AuthorizationCode?: { accountId?: string; clientId?: string } } & UnknownObject;
    provider: Provider;
    params: UnknownObject & { client_id?: string; max_age?: string | number };
    session: OidcSession;
    client?: Client;
    result?: InteractionResults;
    requestParamOIDCScopes: Set<string>;
  }

  /** The Koa context the library hands to its hooks. */
  export interface KoaContextWithOIDC {
    req: IncomingMessage;
    /** Only on the provider's own routes (none when no route matched): a middleware added with `use` checks it. */
    oidc: OidcContext;
    append(field: string, value: string): void;
    type: string;
    body: unknown;
    status: number;
  }

  export interface Client {
    clientId: string;
    clientName?: string;
    clientSecret?: string;
    /** Gatehouse's own metadata (`extraClientMetadata`), kept under its own name. */
    gatehouse_first_party?: boolean;
    backchannelLogoutUri?: string;
    /** What the app requires of a sign-in: 'none', 'two-factor' or 'passkey' (`apps add --require`). */
    gatehouse_requirement?: string;
    grantTypeAllowed(grantType: string): boolean;
    /** POSTs a signed logout token to the app's `backchannel_logout_uri`; rejects unless it answers 200 or 204. */
    backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
  }

  export interface ClientClass {
    new (metadata: ClientMetadata): Client;
    find(clientId: string): Promise<Client | undefined>;
    prototype: Client & { compareClientSecret(this: Client, actual: string): Promise<boolean> };
  }

  export interface Grant {
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    /** The scopes granted, space-separated. */
    getOIDCScope(): string;
    save(): Promise<string>;
  }

  export interface GrantClass {
    new (input: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  export interface Interaction {
    uid: string;
    iat: number;
    exp: number;
    returnTo: string;
    grantId?: string;
    params: UnknownObject & { client_id: string; max_age?: string | number; scope?: string };
    prompt: { name: string; reasons: string[]; details: UnknownObject & { missingOIDCScope?: string[]; missingOIDCClaims?: string[] } };
    session?: { uid: string; accountId: string; cookie?: string };
    result?: UnknownObject;
  }

  export interface InteractionResults extends UnknownObject {
    login?: { accountId: string; acr?: string; amr?: string[]; remember?: boolean; ts?: number };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  export type CheckResult = boolean;

  export class Check {
    static REQUEST_PROMPT: true;
    static NO_NEED_TO_PROMPT: false;
    constructor(reason: string, description: string, error: string, check: (ctx: KoaContextWithOIDC) => CheckResult | Promise<CheckResult>);
  }

  export interface Prompt {
    name: string;
    checks: Check[] & { add(check: Check, index?: number): void; remove(reason: string): void };
  }

  export type Policy = Prompt[] & { get(name: string): Prompt | undefined };

  export const interactionPolicy: { Check: typeof Check; base(this: void): Policy };

  export class OIDCProviderError extends Error {
    error: string;
    error_description?: string;
    status: number;
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    InvalidGrant: new (description?: string) => OIDCProviderError;
    SessionNotFound: new (description?: string) => OIDCProviderError;
    InvalidRequest: new (description?: string) => OIDCProviderError;
  };

  export interface ErrorOut extends UnknownObject {
    error: string;
    error_description?: string;
  }

  export type Configuration = UnknownObject;

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    proxy: boolean;
    readonly Client: ClientClass;
    readonly Grant: GrantClass;
    readonly Session: SessionClass;
    /** A Koa middleware run around every request, before the provider's router. */
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this;
    callback(): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: InteractionResults, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** A Koa middleware around every request the provider answers (`ctx.oidc` is unset for paths it does not know). */
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): void;
  }
}
