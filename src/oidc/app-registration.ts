/**
 * The rules for registering and changing an app that signs people in with Gatehouse (OpenID Connect, issue #13),
 * shared by the admin CLI (`apps add|rotate-secret`, src/admin/app-commands.ts) and the console's Apps section
 * (src/features/admin/apps.ts), so both accept and refuse exactly the same settings. Problems come back as values
 * naming the setting and the fault; each caller puts them in its own words (the CLI's flags, the console's fields
 * in the reader's language).
 *
 * A confidential app's secret is made here, handed back once, and stored only as its SHA-256. Redirect URIs are
 * stored as given and compared exactly by the provider.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashToken } from '../lib/tokens.js';
import { insertOidcApp, replaceOidcAppSecret, updateOidcAppSettings } from '../db/oidc-apps.js';
import type { Database, OidcApp } from '../db/schema.js';

type Db = Kysely<Database>;

/** 'web' signs people in with a secret; 'public' (a single-page or native app) has none; 'service' only uses client credentials. */
export const APP_KINDS = ['web', 'public', 'service'] as const;
export type AppKind = (typeof APP_KINDS)[number];
/** What a sign-in to the app must have proved (src/oidc/policy.ts). */
export const APP_REQUIREMENTS = ['none', 'two-factor', 'passkey'] as const;
export type AppRequirement = (typeof APP_REQUIREMENTS)[number];
export const ID_TOKEN_ALGS = ['ES256', 'RS256'] as const;
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

export const isAppKind = (value: string): value is AppKind => (APP_KINDS as readonly string[]).includes(value);
export const isAppRequirement = (value: string): value is AppRequirement => (APP_REQUIREMENTS as readonly string[]).includes(value);

/** Longest app name: it is shown to people on consent and "continuing" pages. */
export const MAX_APP_NAME_LENGTH = 100;
/** A client secret: 256 random bits, like a session token; the prefix makes a leaked one easy to recognise. */
const CLIENT_SECRET_PREFIX = 'gh_';
const CLIENT_SECRET_BYTES = 32;
/** A client id is public; 96 random bits keep ids unguessable all the same (no listing apps by trying ids). */
const CLIENT_ID_BYTES = 12;

/** Everything an operator chooses when registering an app. */
export interface AppSettings {
  name: string;
  kind: AppKind;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  firstParty: boolean;
  requirement: AppRequirement;
  idTokenAlg: IdTokenAlg;
}

/** What may change once an app is registered: not its kind (a secret appears or goes), not its ID token algorithm. */
export type AppChange = Omit<AppSettings, 'kind' | 'idTokenAlg'>;

/** The settings that hold addresses. */
export type UriSetting = 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri';
/** Why an address cannot be registered. */
export type UriFault = 'not-absolute' | 'not-https' | 'fragment' | 'credentials';

export type AppProblem =
  | { problem: 'name' }
  | { problem: 'service-signs-nobody-in' }
  | { problem: 'no-redirect-uri' }
  | { problem: 'uri'; setting: UriSetting; value: string; fault: UriFault };

/**
 * Loopback addresses, where a plain-http address never leaves the machine (RFC 8252 §7.3). Not `localhost`: a
 * name a hosts file or a resolver may point elsewhere, which RFC 8252 §8.3 advises against.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Why an address cannot be registered, or null. https, or http on a loopback address (development, native apps); no
 * fragment (OAuth 2.0 §3.1.2), no user name or password in it. The provider compares what is stored exactly.
 */
export function uriFault(value: string): UriFault | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not-absolute';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return 'not-https';
  if (value.includes('#')) return 'fragment';
  if (url.username || url.password) return 'credentials';
  return null;
}

/**
 * Every problem of the settings, in the order the CLI reports them (it shows the first): the name, what a service
 * app may not have or a signing-in app must have, then each address.
 */
export function appSettingsProblems(settings: AppSettings): AppProblem[] {
  return problemsOf(settings, settings.kind);
}

/** The same rules for an app of `kind` (a registered app's, as stored). */
function problemsOf(settings: AppChange, kind: string): AppProblem[] {
  const problems: AppProblem[] = [];
  const name = settings.name.trim();
  if (name === '' || name.length > MAX_APP_NAME_LENGTH) problems.push({ problem: 'name' });
  if (kind === 'service') {
    if (settings.redirectUris.length > 0 || settings.postLogoutRedirectUris.length > 0 || settings.backchannelLogoutUri !== null) {
      problems.push({ problem: 'service-signs-nobody-in' });
    }
  } else if (settings.redirectUris.length === 0) {
    problems.push({ problem: 'no-redirect-uri' });
  }
  const addresses: [UriSetting, string[]][] = [
    ['redirectUris', settings.redirectUris],
    ['postLogoutRedirectUris', settings.postLogoutRedirectUris],
    ['backchannelLogoutUri', settings.backchannelLogoutUri === null ? [] : [settings.backchannelLogoutUri]],
  ];
  for (const [setting, values] of addresses) {
    for (const value of values) {
      const fault = uriFault(value);
      if (fault !== null) problems.push({ problem: 'uri', setting, value, fault });
    }
  }
  return problems;
}

export function newClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
}

/** The columns the settings are stored in (names trimmed, repeated addresses once): what a change compares. */
export function storedSettings(s: AppChange): Pick<OidcApp, 'name' | 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri' | 'first_party' | 'requirement'> {
  return {
    name: s.name.trim(),
    redirect_uris: JSON.stringify([...new Set(s.redirectUris)]),
    post_logout_redirect_uris: JSON.stringify([...new Set(s.postLogoutRedirectUris)]),
    backchannel_logout_uri: s.backchannelLogoutUri,
    first_party: s.firstParty ? 1 : 0,
    requirement: s.requirement,
  };
}

/**
 * Registers the app, or returns its problems (nothing stored). The secret (null for a public app) is returned to be
 * shown once; only its hash is kept.
 */
export async function registerOidcApp(db: Db, now: number, settings: AppSettings): Promise<{ ok: true; app: OidcApp; secret: string | null } | { ok: false; problems: AppProblem[] }> {
  const problems = appSettingsProblems(settings);
  if (problems.length > 0) return { ok: false, problems };
  const secret = settings.kind === 'public' ? null : newClientSecret();
  const app: OidcApp = {
    client_id: randomBytes(CLIENT_ID_BYTES).toString('hex'),
    kind: settings.kind,
    secret_hash: secret === null ? null : hashToken(secret),
    ...storedSettings(settings),
    id_token_alg: settings.idTokenAlg,
    created_at: now,
    secret_rotated_at: null,
  };
  await insertOidcApp(db, app);
  return { ok: true, app, secret };
}

/**
 * Changes a registered app's settings, checked by the rules of registration for its kind, or returns the problems
 * (nothing stored). The provider reads the app afresh at each request (src/oidc/adapter.ts), so the change counts at
 * the next one: an address taken out is refused from then on.
 */
export async function changeOidcApp(db: Db, app: Pick<OidcApp, 'client_id' | 'kind'>, change: AppChange): Promise<AppChangeOutcome> {
  const problems = problemsOf(change, app.kind);
  if (problems.length > 0) return { outcome: 'refused', problems };
  return { outcome: (await updateOidcAppSettings(db, app.client_id, storedSettings(change))) ? 'changed' : 'gone' };
}

export type AppChangeOutcome = { outcome: 'changed' } | { outcome: 'gone' } | { outcome: 'refused'; problems: AppProblem[] };

/** A new secret for a confidential app, to be shown once; the old one stops matching at once. Null: no such app, or a public one. */
export async function rotateOidcAppSecret(db: Db, clientId: string, now: number): Promise<string | null> {
  const secret = newClientSecret();
  return (await replaceOidcAppSecret(db, clientId, hashToken(secret), now)) ? secret : null;
}
