/**
 * The OpenID Connect provider's one configuration (oidc-provider 9, decision record 017). The protocol is the
 * library's; Gatehouse gives it storage (adapter.ts), accounts and claims (claims.ts), the policy that ties its
 * session to Gatehouse's (policy.ts), and the interaction that signs people in with Gatehouse's own pages
 * (interaction.ts). What is on is what the issue asks for and nothing else: authorization code with PKCE
 * (S256, every app), refresh tokens for `offline_access` (rotated), client credentials for service apps,
 * userinfo, revocation and introspection of an app's own tokens, `iss` in every authorization response,
 * RP-initiated and back-channel logout (logout.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import Provider, { type Client, type ErrorOut, type KoaContextWithOIDC, type UnknownObject } from 'oidc-provider';
import { REMEMBER_ME_LIFETIME_MS } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import { recordAppSignIn } from '../db/app-access.js';
import { latestGrantIdOf } from '../db/oidc-payloads.js';
import { recordSecurityEvent } from '../db/security-events.js';
import { MAX_USER_AGENT_LENGTH } from '../db/sessions.js';
import { groupsOf } from '../db/user-groups.js';
import { findUserByOidcSubject } from '../db/users.js';
import { messagesFor } from '../i18n/messages.js';
import { DEFAULT_LOCALE } from '../i18n/locales.js';
import { deriveKey } from '../lib/derive-key.js';
import { days, minutes } from '../lib/duration.js';
import { layout } from '../views/layout.js';
import { hashToken } from '../lib/tokens.js';
import { adapterFactory, HASHED_SECRET_PREFIX } from './adapter.js';
import { accountClaims, ACR_VALUES, CLAIMS_OF_SCOPE } from './claims.js';
import type { SigningJwk } from './keys.js';
import { fetchAllowingRegisteredBackchannel, logoutMiddleware, logoutPages, observeBackchannel } from './logout.js';
import { assertAcrRequest, gatehousePolicy } from './policy.js';
import { requestFacts } from './request-facts.js';
import { refusedPage } from './views.js';
import { INTERACTION_PATH, OIDC_MOUNT_PATH } from '../lib/paths.js';

const S = 1000;
/** A code is redeemed by the app's server right after the redirect; a minute covers a slow one (RFC 6749 says at most 10). */
export const AUTHORIZATION_CODE_TTL_S = minutes(1) / S;
/** Access tokens are bearer tokens checked at userinfo and by introspection: short, the refresh token renews them. */
export const ACCESS_TOKEN_TTL_S = minutes(10) / S;
/** An ID token is read once, at sign-in; it comes back only as a hint. */
export const ID_TOKEN_TTL_S = minutes(10) / S;
/** A service's client-credentials token, as short as an access token. */
export const CLIENT_CREDENTIALS_TTL_S = minutes(10) / S;
/** An unused refresh token dies after this; every use rotates it (a new one, the same limit again)… */
export const REFRESH_TOKEN_TTL_S = days(30) / S;
/** …but a chain of rotations ends this long after the sign-in that started it: then the person signs in again. */
export const REFRESH_CHAIN_MAX_S = days(365) / S;
/** What a person allowed an app (a grant) lasts this long unless revoked. */
export const GRANT_TTL_S = days(365) / S;
/** An app's sign-in request must be finished within this (the sign-in page, a second step, a code by text). */
export const INTERACTION_TTL_S = minutes(10) / S;
/**
 * The provider's own session: no longer than the longest Gatehouse session ("remember me"); it stands for one
 * Gatehouse sign-in and is worth nothing once that is over (policy.ts).
 */
export const PROVIDER_SESSION_TTL_S = REMEMBER_ME_LIFETIME_MS / S;

/**
 * Scopes an app may ask for. `offline_access` (a refresh token) is dropped by the library unless the request also
 * says `prompt=consent` (OpenID Connect Core §11); a person is then asked again (first-party apps: without a page).
 */
export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'groups'];

/** Cookie names: `__Host-` where the cookie is for the whole site, `__Secure-` for the path-bound ones, on https. */
function cookieNames(secure: boolean) {
  return {
    session: `${secure ? '__Host-' : ''}gatehouse_oidc_session`,
    interaction: `${secure ? '__Secure-' : ''}gatehouse_oidc_interaction`,
    resume: `${secure ? '__Secure-' : ''}gatehouse_oidc_resume`,
  };
}

/**
 * Client secrets are stored as SHA-256 only (256 random bits, like a session token: a slow hash would only be
 * a lever for anyone able to call the token endpoint). The library compares secrets through this method.
 */
async function compareHashedSecret(this: Client, actual: string): Promise<boolean> {
  const stored = this.clientSecret ?? '';
  if (!stored.startsWith(HASHED_SECRET_PREFIX) || typeof actual !== 'string') return false;
  const expected = Buffer.from(stored.slice(HASHED_SECRET_PREFIX.length));
  const given = Buffer.from(hashToken(actual));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function buildProvider(ctx: AppContext, keys: SigningJwk[], log: FastifyBaseLogger): Provider {
  const { config, db, clock } = ctx;
  const provider = new Provider(`${config.appUrl}${OIDC_MOUNT_PATH}`, {
    adapter: adapterFactory(db, clock),
    clients: [],
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const user = await findUserByOidcSubject(db, sub);
      // A suspended account is no account to the apps: no token, refresh or userinfo answer names it (decision 020).
      if (!user || user.suspended_at !== null) return undefined;
      // The groups cost a query: made only when the token or userinfo answer may carry them.
      return {
        accountId: sub,
        claims: async (_use: string, scope: string) => accountClaims(user, sub, scope.split(' ').includes('groups') ? await groupsOf(db, user.id) : []),
      };
    },
    claims: CLAIMS_OF_SCOPE,
    // The granted scopes' claims go into the ID token too, not only to userinfo: apps such as Grafana or Gitea read
    // `email` and `groups` from the ID token, as Keycloak and Authelia put them there (the library's default keeps
    // them out when an access token is issued).
    conformIdTokenClaims: false,
    // Listed so discovery says which values `acr` takes; what a request asks for is enforced by the policy.
    acrValues: [...ACR_VALUES],
    scopes: SCOPES,
    responseTypes: ['code'],
    // PKCE for every app, confidential or not (OAuth 2.0 Security BCP); `plain` is never accepted.
    pkce: { required: () => true },
    // The stored secret is a hash, so nothing may use it as a key: no client_secret_jwt, no HS256.
    clientAuthMethods: ['client_secret_basic', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['ES256', 'RS256'] },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    extraClientMetadata: { properties: ['gatehouse_first_party', 'gatehouse_requirement'] },
    // An app must say where it wants the code, even when it registered one address (OpenID Connect Core 3.1.2.1).
    allowOmittingSingleRegisteredRedirectUri: false,
    jwks: { keys },
    cookies: {
      keys: [deriveKey(config.secretKey, 'oidc-cookies')],
      names: cookieNames(config.secureCookies),
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    // Absolute, on APP_URL: the browser is sent to Gatehouse's own origin whatever the request said it was.
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `${config.appUrl}${INTERACTION_PATH}/${interaction.uid}`, policy: gatehousePolicy() },
    features: {
      // The library's own sign-in pages are for development: Gatehouse's are the only ones.
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      // An app may ask for an essential `acr` (OpenID Connect Core 5.5.1.1); the policy's level check enforces it.
      claimsParameter: { enabled: true, assertClaimsParameter: (_ctx: KoaContextWithOIDC, claims: UnknownObject) => assertAcrRequest(claims) },
      clientCredentials: { enabled: true },
      // The default lets any confidential app introspect or revoke any token: only its own.
      introspection: { enabled: true, allowedPolicy: ownTokensOnly },
      revocation: { enabled: true, allowedPolicy: ownTokensOnly },
      // An app signs the person out at /oidc/session/end: Gatehouse's question, then back to the app (logout.ts).
      rpInitiatedLogout: { enabled: true, ...logoutPages(config) },
      // Apps that registered a back-channel logout address are told when a provider session ends.
      backchannelLogout: { enabled: true },
      // On by default in oidc-provider 9; not used by Gatehouse's apps.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
      registration: { enabled: false },
    },
    rotateRefreshToken: true,
    async issueRefreshToken(_ctx: KoaContextWithOIDC, client: Client, code: { scopes: Set<string> }) {
      return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
    },
    ttl: {
      AuthorizationCode: AUTHORIZATION_CODE_TTL_S,
      AccessToken: ACCESS_TOKEN_TTL_S,
      IdToken: ID_TOKEN_TTL_S,
      ClientCredentials: CLIENT_CREDENTIALS_TTL_S,
      RefreshToken: (_ctx: KoaContextWithOIDC, token: { iiat?: number }) => {
        const chainStarted = token.iiat ?? Math.floor(clock.now() / S);
        return Math.max(1, Math.min(REFRESH_TOKEN_TTL_S, chainStarted + REFRESH_CHAIN_MAX_S - Math.floor(clock.now() / S)));
      },
      Grant: GRANT_TTL_S,
      Interaction: INTERACTION_TTL_S,
      Session: PROVIDER_SESSION_TTL_S,
    },
    loadExistingGrant: grantLoader(ctx),
    // Back-channel logout to apps an operator registered on private addresses; everything else keeps the SSRF guard.
    fetch: fetchAllowingRegisteredBackchannel(db),
    renderError: async (koa: KoaContextWithOIDC, out: ErrorOut) => {
      const t = requestFacts(koa.req)?.t ?? messagesFor(DEFAULT_LOCALE);
      koa.type = 'html';
      koa.body = layout({
        t,
        path: null,
        title: t.apps.refused.title,
        body: refusedPage(t, { error: out.error, description: out.error_description }),
        user: null,
        csrfToken: '',
        flash: null,
        devOutbox: !config.isProduction,
      }).value;
    },
  });
  // Koa then takes the scheme, host and client address from X-Forwarded-*, which src/oidc/mount.ts overwrites
  // for every request with APP_URL's and Fastify's trusted view: a client's own X-Forwarded-Host never counts.
  provider.proxy = true;
  provider.Client.prototype.compareClientSecret = compareHashedSecret;
  provider.on('server_error', (_ctx, error) => log.error({ err: error }, 'the OpenID Connect provider failed'));
  provider.use(recordAppSignIns(ctx));
  provider.use(logoutMiddleware(ctx));
  observeBackchannel(provider, ctx.metrics, log);
  return provider;
}

/** Introspection and revocation: an app may ask only about tokens issued to itself. */
async function ownTokensOnly(_ctx: KoaContextWithOIDC, client: Client, token: { clientId?: string }): Promise<boolean> {
  return token.clientId === client.clientId;
}

/**
 * The grant a request runs under:
 * - the one this request's consent made, or the one the provider's session holds for the app;
 * - for a first-party app, a new one for what it asks: no consent page is shown;
 * - else the account's latest live grant for the app, from any browser or earlier sign-in: what the person allowed
 *   is remembered, and the library asks again — for the new scopes only — when the app asks for more.
 * None (the library then asks for consent) when the person never allowed the app, or removed its access.
 */
function grantLoader(ctx: AppContext) {
  return async function loadExistingGrant(koa: KoaContextWithOIDC) {
    const { oidc } = koa;
    const provider = oidc.provider;
    const clientId = oidc.client!.clientId;
    const accountId = oidc.session.accountId!;
    const own = async (grantId: string | undefined) => {
      const grant = grantId ? await provider.Grant.find(grantId) : undefined;
      // A grant of another account or app would make the library fail the request: it is not this request's.
      return grant && grant.accountId === accountId && grant.clientId === clientId ? grant : undefined;
    };
    const current = (await own(oidc.result?.consent?.grantId)) ?? (await own(oidc.session.grantIdFor(clientId)));
    if (current) return current;
    if (oidc.client!.gatehouse_first_party === true) {
      const grant = new provider.Grant({ accountId, clientId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    }
    return own((await latestGrantIdOf(ctx.db, accountId, clientId, ctx.clock.now())) ?? undefined);
  };
}

/**
 * After the provider answered: when it gave an app a code, "Apps with access" learns of it (the row is made, or its
 * last sign-in moved on), and the first sign-in of an app to the account goes into the activity log. Awaited
 * (event listeners are not), so the row is there when the app's next request comes.
 */
function recordAppSignIns(ctx: AppContext) {
  return async (koa: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    const oidc = koa.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (oidc?.route !== 'authorization' && oidc?.route !== 'resume') return;
    const code = oidc.entities.AuthorizationCode;
    if (!code?.accountId || !code.clientId) return;
    const user = await findUserByOidcSubject(ctx.db, code.accountId);
    if (!user) return;
    const now = ctx.clock.now();
    if (await recordAppSignIn(ctx.db, user.id, code.clientId, now)) {
      const userAgent = koa.req.headers['user-agent'];
      const ip = requestFacts(koa.req)?.ip ?? null;
      await recordSecurityEvent(ctx.db, { userId: user.id, kind: 'oidc_first_sign_in', now, ip, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : null, clientId: code.clientId });
    }
  };
}
