/**
 * `npm run admin -- apps add|list|show|remove|rotate-secret`: the apps that sign people in with Gatehouse
 * (OpenID Connect, issue #13). A confidential app's secret is printed once and stored only as its SHA-256;
 * redirect URIs are stored as typed and compared exactly by the provider. `--first-party` lets an app sign people in
 * without asking them; an app without it shows people a consent page, once per app and scopes.
 * `--require` and the logout URIs are stored now and take effect with the steps that bring policy and logout.
 * The rules (what is accepted, how a secret is made and stored) are src/oidc/app-registration.ts's, shared with the
 * console's Apps section; this file puts their answers in the CLI's words.
 */
import { deleteOidcApp, findOidcApp, listOidcApps } from '../db/oidc-apps.js';
import type { OidcApp } from '../db/schema.js';
import { exactUtc } from '../lib/relative-time.js';
import {
  MAX_APP_NAME_LENGTH,
  registerOidcApp,
  rotateOidcAppSecret,
  uriFault,
  type AppProblem,
  type AppSettings,
  type UriFault,
  type UriSetting,
} from '../oidc/app-registration.js';
import type { AdminContext, Refused } from './commands.js';
import { columns, printable, table } from './format.js';

export type { AppKind, AppRequirement, IdTokenAlg } from '../oidc/app-registration.js';

export interface NewAppInput extends AppSettings {
  json: boolean;
}

const refused = (problem: string): Refused => ({ ok: false, problem });

/** The flag each address setting is given with. */
const FLAG_OF: Record<UriSetting, string> = {
  redirectUris: '--redirect-uri',
  postLogoutRedirectUris: '--post-logout-redirect-uri',
  backchannelLogoutUri: '--backchannel-logout-uri',
};

function uriFaultText(flag: string, value: string, fault: UriFault): string {
  const shown = `${flag} "${printable(value)}"`;
  switch (fault) {
    case 'not-absolute':
      return `${shown} is not an absolute URL.`;
    case 'not-https':
      return `${shown} must be https:// (plain http:// only on the loopback addresses 127.0.0.1 or [::1], not localhost).`;
    case 'fragment':
      return `${shown} must not have a fragment (#…).`;
    case 'credentials':
      return `${shown} must not carry a user name or password.`;
  }
}

/** Why an address cannot be registered (src/oidc/app-registration.ts's rule), in the CLI's words, or null. */
export function uriProblem(flag: string, value: string): string | null {
  const fault = uriFault(value);
  return fault === null ? null : uriFaultText(flag, value, fault);
}

function problemText(p: AppProblem): string {
  switch (p.problem) {
    case 'name':
      return `--name must be 1 to ${MAX_APP_NAME_LENGTH} characters.`;
    case 'service-signs-nobody-in':
      return 'A --service app signs nobody in: it takes no --redirect-uri, --post-logout-redirect-uri or --backchannel-logout-uri.';
    case 'no-redirect-uri':
      return 'An app needs at least one --redirect-uri (where Gatehouse sends people back with the code).';
    case 'uri':
      return uriFaultText(FLAG_OF[p.setting], p.value, p.fault);
  }
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
  const { json, ...settings } = input;
  const registered = await registerOidcApp(ctx.db, ctx.clock.now(), settings);
  if (!registered.ok) return refused(problemText(registered.problems[0]!));
  printSecret(ctx, registered.app, registered.secret, json, 'Registered the app');
  return { ok: true, clientId: registered.app.client_id };
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
  const secret = await rotateOidcAppSecret(ctx.db, clientId, ctx.clock.now());
  if (secret === null) return refused(noSuchApp(clientId));
  printSecret(ctx, app, secret, options.json, 'New client secret for the app');
  if (!options.json) ctx.output.out('The old secret no longer works.');
  return { ok: true };
}

function noSuchApp(clientId: string): string {
  return `No app has the client_id "${printable(clientId)}" (see apps list).`;
}
