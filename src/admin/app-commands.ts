/**
 * `npm run admin -- apps add|list|show|remove|rotate-secret`: the apps that sign people in with Gatehouse
 * (OpenID Connect, issue #13). A confidential app's secret is printed once and stored only as its SHA-256;
 * redirect URIs are stored as typed and compared exactly by the provider. `--first-party` lets an app sign people in
 * without asking them; an app without it shows people a consent page, once per app and scopes.
 * `--require` and the logout URIs are stored now and take effect with the steps that bring policy and logout.
 */
import { randomBytes } from 'node:crypto';
import { hashToken } from '../auth/tokens.js';
import { deleteOidcApp, findOidcApp, insertOidcApp, listOidcApps, replaceOidcAppSecret } from '../db/oidc-apps.js';
import type { OidcApp } from '../db/schema.js';
import { exactUtc } from '../lib/relative-time.js';
import type { AdminContext, Refused } from './commands.js';
import { columns, printable, table } from './format.js';

/** 'web' signs people in with a secret; 'public' (a single-page or native app) has none; 'service' only uses client credentials. */
export type AppKind = 'web' | 'public' | 'service';
export type AppRequirement = 'none' | 'two-factor' | 'passkey';
export type IdTokenAlg = 'ES256' | 'RS256';

export interface NewAppInput {
  name: string;
  kind: AppKind;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  firstParty: boolean;
  requirement: AppRequirement;
  idTokenAlg: IdTokenAlg;
  json: boolean;
}

/** Longest app name: it is shown to people on consent and "continuing" pages. */
export const MAX_APP_NAME_LENGTH = 100;
/** A client secret: 256 random bits, like a session token; the prefix makes a leaked one easy to recognise. */
const CLIENT_SECRET_PREFIX = 'gh_';
const CLIENT_SECRET_BYTES = 32;
/** A client id is public; 96 random bits keep ids unguessable all the same (no listing apps by trying ids). */
const CLIENT_ID_BYTES = 12;

const refused = (problem: string): Refused => ({ ok: false, problem });

function newClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
}

/**
 * Loopback addresses, where a plain-http address never leaves the machine (RFC 8252 §7.3). Not `localhost`: a
 * name a hosts file or a resolver may point elsewhere, which RFC 8252 §8.3 advises against.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Why an address cannot be registered, or null. https, or http on a loopback address (development, native apps); no
 * fragment (OAuth 2.0 §3.1.2), no user name or password in it. The provider compares what is stored exactly.
 */
export function uriProblem(flag: string, value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${flag} "${printable(value)}" is not an absolute URL.`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    return `${flag} "${printable(value)}" must be https:// (plain http:// only on the loopback addresses 127.0.0.1 or [::1], not localhost).`;
  }
  if (value.includes('#')) return `${flag} "${printable(value)}" must not have a fragment (#…).`;
  if (url.username || url.password) return `${flag} "${printable(value)}" must not carry a user name or password.`;
  return null;
}

function printSecret(ctx: AdminContext, app: Pick<OidcApp, 'client_id' | 'name'>, secret: string | null, json: boolean, what: string): void {
  if (json) {
    ctx.output.out(JSON.stringify(secret === null ? { client_id: app.client_id } : { client_id: app.client_id, client_secret: secret }));
    return;
  }
  ctx.output.out(`${what} "${printable(app.name)}".`);
  const rows = [['client_id', app.client_id], ...(secret === null ? [] : [['client_secret', secret]])];
  for (const line of columns(rows)) ctx.output.out(`  ${line}`);
  if (secret !== null) ctx.output.out('The client secret is shown only now: store it in the app\'s settings. `apps rotate-secret` makes a new one.');
  ctx.output.out(`Discovery: ${ctx.config.appUrl}/oidc/.well-known/openid-configuration`);
}

// ---- apps add ----

export async function addApp(ctx: AdminContext, input: NewAppInput): Promise<{ ok: true; clientId: string } | Refused> {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_APP_NAME_LENGTH) return refused(`--name must be 1 to ${MAX_APP_NAME_LENGTH} characters.`);
  if (input.kind === 'service') {
    if (input.redirectUris.length > 0 || input.postLogoutRedirectUris.length > 0 || input.backchannelLogoutUri !== null) {
      return refused('A --service app signs nobody in: it takes no --redirect-uri, --post-logout-redirect-uri or --backchannel-logout-uri.');
    }
  } else if (input.redirectUris.length === 0) {
    return refused('An app needs at least one --redirect-uri (where Gatehouse sends people back with the code).');
  }
  const problem =
    input.redirectUris.map((u) => uriProblem('--redirect-uri', u)).find((p) => p !== null) ??
    input.postLogoutRedirectUris.map((u) => uriProblem('--post-logout-redirect-uri', u)).find((p) => p !== null) ??
    (input.backchannelLogoutUri === null ? null : uriProblem('--backchannel-logout-uri', input.backchannelLogoutUri));
  if (problem) return refused(problem);

  const secret = input.kind === 'public' ? null : newClientSecret();
  const app: OidcApp = {
    client_id: randomBytes(CLIENT_ID_BYTES).toString('hex'),
    name,
    kind: input.kind,
    secret_hash: secret === null ? null : hashToken(secret),
    redirect_uris: JSON.stringify([...new Set(input.redirectUris)]),
    post_logout_redirect_uris: JSON.stringify([...new Set(input.postLogoutRedirectUris)]),
    backchannel_logout_uri: input.backchannelLogoutUri,
    first_party: input.firstParty ? 1 : 0,
    requirement: input.requirement,
    id_token_alg: input.idTokenAlg,
    created_at: ctx.clock.now(),
    secret_rotated_at: null,
  };
  await insertOidcApp(ctx.db, app);
  printSecret(ctx, app, secret, input.json, 'Registered the app');
  return { ok: true, clientId: app.client_id };
}

// ---- apps list ----

export async function listApps(ctx: AdminContext): Promise<{ ok: true }> {
  const apps = await listOidcApps(ctx.db);
  if (apps.length === 0) {
    ctx.output.out('No apps yet. Register one with: npm run admin -- apps add --name NAME --redirect-uri URI');
    return { ok: true };
  }
  const rows = apps.map((a) => [a.client_id, a.name, a.kind, a.first_party ? 'yes' : 'no', a.requirement, exactUtc(a.created_at)]);
  for (const line of table(['client_id', 'name', 'kind', 'first-party', 'requires', 'registered'], rows)) ctx.output.out(line);
  return { ok: true };
}

// ---- apps show ----

export async function showApp(ctx: AdminContext, clientId: string): Promise<{ ok: true } | Refused> {
  const app = await findOidcApp(ctx.db, clientId);
  if (!app) return refused(noSuchApp(clientId));
  const list = (json: string) => {
    const items = JSON.parse(json) as string[];
    return items.length === 0 ? '-' : items.join(' ');
  };
  ctx.output.out(`App ${app.client_id}: ${printable(app.name)}`);
  const rows = [
    ['kind', app.kind],
    ['client secret', app.secret_hash === null ? 'none (public app: PKCE only)' : `set ${exactUtc(app.secret_rotated_at ?? app.created_at)} (stored hashed; rotate-secret makes a new one)`],
    ['redirect URIs', list(app.redirect_uris)],
    ['post-logout redirect URIs', list(app.post_logout_redirect_uris)],
    ['back-channel logout URI', app.backchannel_logout_uri ?? '-'],
    ['first-party', app.first_party ? 'yes' : 'no'],
    ['requires', app.requirement],
    ['ID token algorithm', app.id_token_alg],
    ['registered', exactUtc(app.created_at)],
  ];
  for (const line of columns(rows)) ctx.output.out(`  ${line}`);
  return { ok: true };
}

// ---- apps remove ----

export async function removeApp(ctx: AdminContext, clientId: string): Promise<{ ok: true } | Refused> {
  const app = await findOidcApp(ctx.db, clientId);
  if (!app || !(await deleteOidcApp(ctx.db, clientId))) return refused(noSuchApp(clientId));
  ctx.output.out(`Removed the app "${printable(app.name)}" (${app.client_id}): its codes, tokens and grants no longer work.`);
  return { ok: true };
}

// ---- apps rotate-secret ----

export async function rotateAppSecret(ctx: AdminContext, clientId: string, options: { json: boolean }): Promise<{ ok: true } | Refused> {
  const app = await findOidcApp(ctx.db, clientId);
  if (!app) return refused(noSuchApp(clientId));
  if (app.secret_hash === null) return refused(`The app "${printable(app.name)}" is public: it has no client secret to rotate.`);
  const secret = newClientSecret();
  if (!(await replaceOidcAppSecret(ctx.db, clientId, hashToken(secret), ctx.clock.now()))) return refused(noSuchApp(clientId));
  printSecret(ctx, app, secret, options.json, 'New client secret for the app');
  if (!options.json) ctx.output.out('The old secret no longer works.');
  return { ok: true };
}

function noSuchApp(clientId: string): string {
  return `No app has the client_id "${printable(clientId)}" (see apps list).`;
}
