/**
 * The console's Apps pages (src/features/admin/apps.ts): the list, an app's page with the people who let it in, the
 * form that registers an app or changes one, and the page that shows a client secret — once, in the answer to the
 * POST that made it, never again.
 */
import type { ListedOidcApp } from '../../db/oidc-apps.js';
import type { PersonWithAccess } from '../../db/app-access.js';
import type { OidcApp } from '../../db/schema.js';
import type { Messages } from '../../i18n/messages.js';
import { APP_KINDS, APP_REQUIREMENTS, ID_TOKEN_ALGS, isAppKind, isAppRequirement, MAX_APP_NAME_LENGTH, type AppKind, type AppRequirement, type IdTokenAlg } from '../../oidc/app-registration.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { timeAgo } from '../../views/time-ago.js';
import { consoleFrame } from './views.js';
import { CONSOLE_APPS_PATH, CONSOLE_NEW_APP_PATH, consoleAppPath, consolePersonPath } from '../../lib/paths.js';

function requirementLabel(t: Messages, requirement: string): string {
  return isAppRequirement(requirement) ? t.admin.apps.requirements[requirement] : requirement;
}

function kindLabel(t: Messages, kind: string): string {
  return isAppKind(kind) ? t.admin.apps.kinds[kind] : kind;
}

const urisOf = (json: string) => JSON.parse(json) as string[];

export function appsPage(t: Messages, p: { apps: readonly ListedOidcApp[]; now: number }): SafeHtml {
  const m = t.admin.apps;
  const c = m.columns;
  return consoleFrame(
    t,
    'apps',
    html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
<p><a class="button primary" href="${CONSOLE_NEW_APP_PATH}">${m.add}</a></p>
${p.apps.length === 0
  ? html`<p>${m.none}</p>`
  : html`<div class="table-scroll" role="region" aria-label="${m.caption}" tabindex="0"><table class="console-table">
  <caption>${m.caption}</caption>
  <thead><tr><th scope="col">${c.name}</th><th scope="col">${c.clientId}</th><th scope="col">${c.kind}</th><th scope="col">${c.firstParty}</th><th scope="col">${c.requirement}</th><th scope="col">${c.people}</th><th scope="col">${c.lastUsed}</th></tr></thead>
  <tbody>
  ${p.apps.map(
    (a) => html`<tr>
    <th scope="row"><a href="${consoleAppPath(a.client_id)}">${a.name}</a></th>
    <td><code>${a.client_id}</code></td>
    <td>${kindLabel(t, a.kind)}</td>
    <td>${a.first_party === 1 ? m.yes : m.no}</td>
    <td>${requirementLabel(t, a.requirement)}</td>
    <td>${a.people.toLocaleString(t.common.locale)}</td>
    <td>${a.lastUsedAt === null ? m.never : timeAgo(t, a.lastUsedAt, p.now)}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`}`,
  );
}

export interface AppPageProps {
  app: OidcApp;
  people: readonly PersonWithAccess[];
  morePeopleHref: string | null;
  now: number;
  csrfToken: string;
  steppedUp: boolean;
  /** What was typed in the removal's confirmation, and why it was refused. */
  confirm?: { value: string; error: string };
}

function uriList(t: Messages, uris: readonly string[]): SafeHtml {
  return uris.length === 0 ? html`${t.admin.apps.noneListed}` : html`<ul class="uri-list">${uris.map((u) => html`<li><code>${u}</code></li>`)}</ul>`;
}

export function appPage(t: Messages, p: AppPageProps): SafeHtml {
  const m = t.admin.apps;
  const f = m.fields;
  const a = p.app;
  const section = (id: string, heading: string, body: SafeHtml) =>
    html`<section class="console-section" aria-labelledby="${id}"><h2 id="${id}">${heading}</h2>${body}</section>`;
  return consoleFrame(
    t,
    'apps',
    html`<p><a href="${CONSOLE_APPS_PATH}">${m.back}</a></p>
<h1>${a.name}</h1>
${section(
  'settings-heading',
  m.settings,
  html`<dl class="facts">
  <dt>${f.clientId}</dt><dd><code>${a.client_id}</code></dd>
  <dt>${f.kind}</dt><dd>${kindLabel(t, a.kind)}</dd>
  <dt>${f.secret}</dt><dd>${a.secret_hash === null ? m.noSecret : m.secretSet(t.common.time.exact(a.secret_rotated_at ?? a.created_at))}</dd>
  <dt>${f.redirectUris}</dt><dd>${uriList(t, urisOf(a.redirect_uris))}</dd>
  <dt>${f.postLogoutRedirectUris}</dt><dd>${uriList(t, urisOf(a.post_logout_redirect_uris))}</dd>
  <dt>${f.backchannelLogoutUri}</dt><dd>${a.backchannel_logout_uri === null ? m.noneListed : html`<code>${a.backchannel_logout_uri}</code>`}</dd>
  <dt>${f.firstParty}</dt><dd>${a.first_party === 1 ? m.yes : m.no}</dd>
  <dt>${f.requirement}</dt><dd>${requirementLabel(t, a.requirement)}</dd>
  <dt>${f.idTokenAlg}</dt><dd>${a.id_token_alg}</dd>
  <dt>${f.created}</dt><dd>${timeAgo(t, a.created_at, p.now)}</dd>
</dl>`,
)}
${section('actions-heading', m.actions.heading, appActions(t, p))}
${section(
  'people-heading',
  m.people,
  p.people.length === 0
    ? html`<p>${m.noPeople}</p>`
    : html`<div class="table-scroll" role="region" aria-labelledby="people-heading" tabindex="0"><table class="console-table">
  <caption>${m.peopleCaption}</caption>
  <thead><tr><th scope="col">${m.peopleColumns.username}</th><th scope="col">${m.peopleColumns.firstGranted}</th><th scope="col">${m.peopleColumns.lastSignIn}</th></tr></thead>
  <tbody>${p.people.map(
    (r) => html`<tr><th scope="row"><a href="${consolePersonPath(r.userId)}">${r.username}</a></th><td>${timeAgo(t, r.firstGrantedAt, p.now)}</td><td>${timeAgo(t, r.lastSignInAt, p.now)}</td></tr>`,
  )}</tbody>
</table></div>
${p.morePeopleHref ? html`<p><a href="${p.morePeopleHref}" rel="next">${m.morePeople}</a></p>` : ''}`,
)}`,
  );
}

function appActions(t: Messages, p: AppPageProps): SafeHtml {
  const a = t.admin.apps.actions;
  const path = consoleAppPath(p.app.client_id);
  const confirmError = p.confirm?.error;
  return html`${p.steppedUp ? '' : html`<p class="hint">${a.stepUpNote}</p>`}
<p><a class="button" href="${path}/edit">${a.edit}</a></p>
${p.app.secret_hash === null
  ? ''
  : html`<form method="post" action="${path}/rotate-secret" class="console-action">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button">${a.rotate}</button>
  <p class="hint">${a.rotateHint}</p>
</form>`}
<form method="post" action="${path}/remove" class="console-action console-danger" novalidate>
  ${csrfField(p.csrfToken)}
  ${confirmError ? errorSummary(t, { confirm: confirmError }) : ''}
  <p class="hint">${a.removeHint}</p>
  ${input({ name: 'confirm', label: a.confirm(p.app.name), value: p.confirm?.value ?? '', error: confirmError, autocomplete: 'off', maxlength: 200 })}
  <button type="submit" class="button danger">${a.remove}</button>
</form>`;
}

/** What the register/change form holds, as typed: addresses one per line. */
export interface AppFormValues {
  name: string;
  kind: AppKind;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string;
  firstParty: boolean;
  requirement: AppRequirement;
  idTokenAlg: IdTokenAlg;
}

export type AppFormField = 'name' | 'kind' | 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri';

/** The form's values for a registered app. */
export function formValuesOf(app: OidcApp): AppFormValues {
  return {
    name: app.name,
    kind: isAppKind(app.kind) ? app.kind : 'web',
    redirectUris: urisOf(app.redirect_uris).join('\n'),
    postLogoutRedirectUris: urisOf(app.post_logout_redirect_uris).join('\n'),
    backchannelLogoutUri: app.backchannel_logout_uri ?? '',
    firstParty: app.first_party === 1,
    requirement: isAppRequirement(app.requirement) ? app.requirement : 'none',
    idTokenAlg: app.id_token_alg === 'RS256' ? 'RS256' : 'ES256',
  };
}

function textarea(p: { name: string; label: string; hint: string; value: string; error: string | undefined }): SafeHtml {
  const id = `f-${p.name}`;
  const describedBy = [`${id}-hint`, p.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${p.error ? ' has-error' : ''}">
  <label for="${id}">${p.label}</label>
  <p class="hint" id="${id}-hint">${p.hint}</p>
  <textarea id="${id}" name="${p.name}" rows="3" spellcheck="false" autocomplete="off" aria-describedby="${describedBy}"${p.error ? html` aria-invalid="true"` : ''}>${p.value}</textarea>
  ${p.error ? html`<p class="error" id="${id}-error">${p.error}</p>` : ''}
</div>`;
}

/** Radio buttons in a fieldset; the first one carries the group's id, so the error summary's link lands on it. */
function radios<V extends string>(p: {
  name: string;
  legend: string;
  groupHint?: string;
  options: readonly V[];
  value: V;
  label: (v: V) => string;
  hint?: (v: V) => string;
  error?: string | undefined;
}): SafeHtml {
  const errorId = `f-${p.name}-error`;
  return html`<fieldset class="field radio-group${p.error ? ' has-error' : ''}"${p.error ? html` aria-describedby="${errorId}"` : ''}>
  <legend>${p.legend}</legend>
  ${p.groupHint ? html`<p class="hint">${p.groupHint}</p>` : ''}
  ${p.options.map((v, i) => {
    const id = i === 0 ? `f-${p.name}` : `f-${p.name}-${v}`;
    return html`<div class="radio">
    <input type="radio" id="${id}" name="${p.name}" value="${v}"${v === p.value ? html` checked` : ''}${p.hint ? html` aria-describedby="${id}-hint"` : ''}>
    <label for="${id}">${p.label(v)}</label>
    ${p.hint ? html`<p class="hint" id="${id}-hint">${p.hint(v)}</p>` : ''}
  </div>`;
  })}
  ${p.error ? html`<p class="error" id="${errorId}">${p.error}</p>` : ''}
</fieldset>`;
}

export interface AppFormProps {
  /** Null: registering a new app. */
  app: OidcApp | null;
  values: AppFormValues;
  errors: FieldErrors<AppFormField>;
  csrfToken: string;
  steppedUp: boolean;
}

/** The form that registers an app (every setting) or changes one (what may change: not its kind nor its algorithm). */
export function appFormPage(t: Messages, p: AppFormProps): SafeHtml {
  const m = t.admin.apps;
  const f = m.form;
  const v = p.values;
  const e = p.errors;
  const adding = p.app === null;
  const action = p.app === null ? CONSOLE_NEW_APP_PATH : `${consoleAppPath(p.app.client_id)}/edit`;
  return consoleFrame(
    t,
    'apps',
    html`<p><a href="${p.app === null ? CONSOLE_APPS_PATH : consoleAppPath(p.app.client_id)}">${p.app === null ? m.back : f.cancel}</a></p>
<h1>${p.app === null ? f.newHeading : f.editHeading(p.app.name)}</h1>
<p>${adding ? f.newIntro : f.editIntro}</p>
${p.steppedUp ? '' : html`<p class="hint">${m.actions.stepUpNote}</p>`}
${errorSummary(t, e)}
<form method="post" action="${action}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'name', label: f.name, hint: f.nameHint, value: v.name, error: e.name, required: true, maxlength: MAX_APP_NAME_LENGTH, autocomplete: 'off' })}
  ${adding
    ? radios({ name: 'kind', legend: f.kind, options: APP_KINDS, value: v.kind, label: (k) => m.kinds[k], hint: (k) => m.kindHints[k], error: e.kind })
    : html`<dl class="facts"><dt>${m.fields.kind}</dt><dd>${m.kinds[v.kind]}</dd><dt>${m.fields.idTokenAlg}</dt><dd>${v.idTokenAlg}</dd></dl>`}
  ${textarea({ name: 'redirect_uris', label: f.redirectUris, hint: f.redirectUrisHint, value: v.redirectUris, error: e.redirect_uris })}
  ${textarea({ name: 'post_logout_redirect_uris', label: f.postLogoutRedirectUris, hint: f.postLogoutRedirectUrisHint, value: v.postLogoutRedirectUris, error: e.post_logout_redirect_uris })}
  ${input({ name: 'backchannel_logout_uri', label: f.backchannelLogoutUri, hint: f.backchannelLogoutUriHint, value: v.backchannelLogoutUri, error: e.backchannel_logout_uri, autocomplete: 'off', maxlength: 2000 })}
  <div class="field checkbox">
    <input id="f-first_party" type="checkbox" name="first_party"${v.firstParty ? html` checked` : ''}>
    <label for="f-first_party">${f.firstParty}</label>
  </div>
  ${radios({ name: 'requirement', legend: f.requirement, options: APP_REQUIREMENTS, value: v.requirement, label: (r) => m.requirements[r] })}
  ${adding ? radios({ name: 'id_token_alg', legend: f.idTokenAlg, options: ID_TOKEN_ALGS, value: v.idTokenAlg, groupHint: f.idTokenAlgHint, label: (a) => a }) : ''}
  <button type="submit" class="button primary">${adding ? f.register : f.save}</button>
</form>`,
  );
}

/**
 * The answer to registering an app or rotating its secret: the client_id and (for a confidential app) the secret,
 * the only time it is shown. Sent with `Referrer-Policy: no-referrer` and `no-store`.
 */
export function appSecretPage(t: Messages, p: { app: OidcApp; secret: string | null; rotated: boolean; discoveryUrl: string }): SafeHtml {
  const m = t.admin.apps;
  const s = m.secret;
  return consoleFrame(
    t,
    'apps',
    html`<h1>${p.rotated ? s.rotatedHeading(p.app.name) : s.registeredHeading(p.app.name)}</h1>
<dl class="facts">
  <dt>${m.fields.clientId}</dt><dd><code>${p.app.client_id}</code></dd>
  ${p.secret === null ? '' : html`<dt>${s.clientSecret}</dt><dd><code class="secret-key" data-client-secret>${p.secret}</code></dd>`}
  <dt>${s.discovery}</dt><dd><code>${p.discoveryUrl}</code></dd>
</dl>
${p.secret === null ? html`<p>${s.publicApp}</p>` : html`<p role="status"><strong>${s.once}</strong></p>`}
${p.rotated ? html`<p>${s.oldGone}</p>` : ''}
<p><a class="button primary" href="${consoleAppPath(p.app.client_id)}">${s.toApp}</a></p>`,
  );
}
