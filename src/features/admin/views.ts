/**
 * The console's pages (src/features/admin/routes.ts). Plain server-rendered HTML in the site's frame, with the
 * console's own navigation; tables scroll sideways on a narrow screen rather than squeeze.
 */
import type { AccountFactors } from '../../auth/factors.js';
import type { AppWithAccess } from '../../db/app-access.js';
import { ADMIN_ACTIONS, type AdminAction, isAdminAction } from '../../db/admin-audit.js';
import type { AdminAuditEntry, Session, TrustedDevice, User } from '../../db/schema.js';
import type { ListedSecurityEvent } from '../../db/security-events.js';
import type { Messages } from '../../i18n/messages.js';
import { deviceName } from '../../lib/user-agent.js';
import { html, type SafeHtml } from '../../views/html.js';
import { eventLabel } from '../../views/security-events.js';
import { timeAgo } from '../../views/time-ago.js';

/** The console's stylesheet, added to the site's on every console page. */
export const CONSOLE_STYLES = ['/static/css/admin.css'];

type Section = 'overview' | 'people' | 'audit';

const SECTIONS: readonly { section: Section; path: string }[] = [
  { section: 'overview', path: '/admin' },
  { section: 'people', path: '/admin/people' },
  { section: 'audit', path: '/admin/audit' },
];

/** The console's navigation above each of its pages, the current section marked for screen readers. */
export function consoleFrame(t: Messages, current: Section, body: SafeHtml): SafeHtml {
  const n = t.admin.nav;
  return html`<nav class="console-nav" aria-label="${n.label}"><ul>
  ${SECTIONS.map(({ section, path }) => html`<li><a href="${path}"${section === current ? html` aria-current="page"` : ''}>${n[section]}</a></li>`)}
</ul></nav>
${body}`;
}

export function setUpFactorPage(t: Messages): SafeHtml {
  const m = t.admin.setUpFactor;
  return html`<h1>${m.heading}</h1>
<p>${m.text}</p>
<p><a class="button primary" href="/security">${m.link}</a></p>`;
}

export function overviewPage(t: Messages, p: { people: number; admins: number; apps: number }): SafeHtml {
  const m = t.admin.overview;
  return consoleFrame(
    t,
    'overview',
    html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
<ul class="console-counts">
  <li><a href="/admin/people">${m.people(p.people)}</a></li>
  <li>${m.admins(p.admins)}</li>
  <li>${m.apps(p.apps)}</li>
</ul>`,
  );
}

export interface PeopleRow {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  email_confirmed_at: number | null;
  created_at: number;
  is_admin: number;
}

export function peoplePage(t: Messages, p: { q: string; rows: readonly PeopleRow[]; nextHref: string | null; now: number }): SafeHtml {
  const m = t.admin.people;
  const caption = p.q ? m.results(p.q) : m.newest;
  return consoleFrame(
    t,
    'people',
    html`<h1>${m.heading}</h1>
<form method="get" action="/admin/people" class="console-search" role="search">
  <div class="field">
    <label for="f-q">${m.searchLabel}</label>
    <p class="hint" id="f-q-hint">${m.searchHint}</p>
    <input id="f-q" name="q" type="search" value="${p.q}" maxlength="320" aria-describedby="f-q-hint" autocomplete="off" spellcheck="false">
  </div>
  <button type="submit" class="button">${m.search}</button>
</form>
${p.rows.length === 0 && p.q
  ? html`<p role="status">${m.noResults(p.q)}</p>`
  : html`<div class="table-scroll" role="region" aria-label="${caption}" tabindex="0"><table class="console-table">
  <caption>${caption}</caption>
  <thead><tr><th scope="col">${m.columns.username}</th><th scope="col">${m.columns.name}</th><th scope="col">${m.columns.email}</th><th scope="col">${m.columns.created}</th></tr></thead>
  <tbody>
  ${p.rows.map(
    (r) => html`<tr>
    <th scope="row"><a href="/admin/people/${r.id}">${r.username}</a>${r.is_admin === 1 ? html` <span class="badge">${m.adminBadge}</span>` : ''}</th>
    <td>${r.first_name} ${r.last_name}</td>
    <td>${r.email}${r.email_confirmed_at === null ? html` <span class="badge badge-muted">${m.unconfirmedBadge}</span>` : ''}</td>
    <td>${timeAgo(t, r.created_at, p.now)}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`}
${p.nextHref ? html`<p><a href="${p.nextHref}" rel="next">${m.next}</a></p>` : ''}`,
  );
}

export interface LockoutState {
  passwordFailures: number;
  codeFailures: number;
  /** null: not locked; 'reset': locked until a password reset; else ms left. */
  locked: null | 'reset' | number;
}

export interface PersonPageProps {
  user: User;
  factors: AccountFactors;
  lockout: LockoutState;
  sessions: readonly Session[];
  devices: readonly TrustedDevice[];
  apps: readonly AppWithAccess[];
  groups: readonly string[];
  events: readonly ListedSecurityEvent[];
  audit: readonly AdminAuditEntry[];
  now: number;
}

export function personPage(t: Messages, p: PersonPageProps): SafeHtml {
  const m = t.admin.person;
  const f = m.fields;
  const u = p.user;
  const section = (id: string, heading: string, body: SafeHtml) =>
    html`<section class="console-section" aria-labelledby="${id}"><h2 id="${id}">${heading}</h2>${body}</section>`;
  return consoleFrame(
    t,
    'people',
    html`<p><a href="/admin/people">${m.back}</a></p>
<h1>${u.first_name} ${u.last_name} <span class="username-inline">@${u.username}</span></h1>
${section(
  'profile-heading',
  m.profile,
  html`<dl class="facts">
  <dt>${f.username}</dt><dd>${u.username}</dd>
  <dt>${f.name}</dt><dd>${u.first_name} ${u.last_name}</dd>
  <dt>${f.email}</dt><dd>${u.email} (${u.email_confirmed_at === null ? f.emailNotConfirmed : f.emailConfirmed})</dd>
  <dt>${f.joined}</dt><dd>${timeAgo(t, u.created_at, p.now)}</dd>
  <dt>${f.lastSeen}</dt><dd>${timeAgo(t, u.last_seen_at, p.now)}</dd>
  <dt>${f.language}</dt><dd>${u.locale ?? 'en'}</dd>
  <dt>${f.role}</dt><dd>${u.is_admin === 1 ? f.admin : f.member}</dd>
</dl>`,
)}
${section('factors-heading', m.factors, factorList(t, p))}
${section('lockout-heading', m.lockout, lockoutText(t, p.lockout))}
${section(
  'sessions-heading',
  m.sessions,
  p.sessions.length === 0
    ? html`<p>${m.noSessions}</p>`
    : html`<ul>${p.sessions.map(
        (s) => html`<li>${deviceName(t, s.user_agent)}${s.ip ? html` · ${s.ip}` : ''} · ${m.sessionSince(t.common.time.exact(s.created_at))} · ${m.lastActive(t.common.time.exact(s.last_active_at))}</li>`,
      )}</ul>`,
)}
${section(
  'devices-heading',
  m.devices,
  p.devices.length === 0
    ? html`<p>${m.noDevices}</p>`
    : html`<ul>${p.devices.map((d) => html`<li>${d.name} · ${m.deviceUntil(t.common.time.exact(d.expires_at))}</li>`)}</ul>`,
)}
${section(
  'apps-heading',
  m.apps,
  p.apps.length === 0
    ? html`<p>${m.noApps}</p>`
    : html`<ul>${p.apps.map((a) => html`<li>${a.name ?? m.removedApp} · ${m.appLastUsed(t.common.time.exact(a.lastSignInAt))}</li>`)}</ul>`,
)}
${section('groups-heading', m.groups, p.groups.length === 0 ? html`<p>${m.noGroups}</p>` : html`<ul>${p.groups.map((g) => html`<li>${g}</li>`)}</ul>`)}
${section(
  'events-heading',
  m.events,
  p.events.length === 0
    ? html`<p>${m.noEvents}</p>`
    : html`<div class="table-scroll" role="region" aria-labelledby="events-heading" tabindex="0"><table class="console-table">
  <thead><tr><th scope="col">${m.columns.what}</th><th scope="col">${m.columns.when}</th><th scope="col">${m.columns.where}</th></tr></thead>
  <tbody>${p.events.map(
    (e) => html`<tr><td>${eventLabel(t, e)}</td><td>${timeAgo(t, e.created_at, p.now)}</td><td>${e.ip ?? ''}${e.user_agent ? html`<br><span class="hint">${deviceName(t, e.user_agent)}</span>` : ''}</td></tr>`,
  )}</tbody>
</table></div>`,
)}
${section('audit-heading', m.auditAbout, p.audit.length === 0 ? html`<p>${m.noAudit}</p>` : auditTable(t, p.audit, p.now, 'audit-heading'))}`,
  );
}

function factorList(t: Messages, p: PersonPageProps): SafeHtml {
  const m = t.admin.person;
  const n = m.factorNames;
  const f = p.factors;
  const items: string[] = [];
  if (f.passkeys > 0) items.push(n.passkeys(f.passkeys));
  if (f.totp) items.push(n.totp);
  if (f.sms) items.push(n.sms((p.user.phone ?? '').slice(-4)));
  if (f.backupPhone) items.push(n.backupPhone((p.user.backup_phone ?? '').slice(-4)));
  if (f.emailCodes) items.push(n.emailCodes);
  if (f.recoveryCodes > 0) items.push(n.recoveryCodes(f.recoveryCodes));
  const none = f.passkeys === 0 && !f.totp && !f.sms;
  return html`${none ? html`<p>${m.noFactors}</p>` : ''}${items.length > 0 ? html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>` : ''}${
    p.user.must_set_up_factor === 1 ? html`<p>${m.mustSetUp}</p>` : ''
  }`;
}

function lockoutText(t: Messages, l: LockoutState): SafeHtml {
  const m = t.admin.person;
  const lines: string[] = [];
  if (l.locked === 'reset') lines.push(m.lockedUntilReset);
  else if (l.locked !== null) lines.push(m.lockedFor(t.common.time.duration(l.locked)));
  else lines.push(m.notLocked);
  if (l.passwordFailures > 0) lines.push(m.failures(l.passwordFailures));
  if (l.codeFailures > 0) lines.push(m.codeFailures(l.codeFailures));
  return html`${lines.map((line) => html`<p>${line}</p>`)}`;
}

function actionLabel(t: Messages, action: string): string {
  return isAdminAction(action) ? t.admin.audit.actions[action] : action;
}

/** `detail` as "key: value" pairs; it is plain data the console wrote (never a secret), escaped like any text. */
function detailText(detail: string | null): string {
  if (detail === null) return '';
  try {
    const value = JSON.parse(detail) as Record<string, unknown>;
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ');
  } catch {
    return detail;
  }
}

function auditTable(t: Messages, entries: readonly AdminAuditEntry[], now: number, labelledBy: string, caption?: string): SafeHtml {
  const c = t.admin.audit.columns;
  return html`<div class="table-scroll" role="region" aria-labelledby="${labelledBy}" tabindex="0"><table class="console-table">
  ${caption ? html`<caption>${caption}</caption>` : ''}
  <thead><tr><th scope="col">${c.when}</th><th scope="col">${c.who}</th><th scope="col">${c.action}</th><th scope="col">${c.about}</th><th scope="col">${c.detail}</th><th scope="col">${c.from}</th></tr></thead>
  <tbody>${entries.map(
    (e) => html`<tr>
    <td>${timeAgo(t, e.created_at, now)}</td>
    <td>${e.actor_user_id !== null ? html`<a href="/admin/people/${e.actor_user_id}">${e.actor}</a>` : e.actor}</td>
    <td>${actionLabel(t, e.action)}</td>
    <td>${e.target_user_id !== null ? html`<a href="/admin/people/${e.target_user_id}">${e.target ?? ''}</a>` : (e.target ?? '')}</td>
    <td>${detailText(e.detail)}</td>
    <td>${e.ip ?? ''}</td>
  </tr>`,
  )}</tbody>
</table></div>`;
}

export interface AuditPageProps {
  entries: readonly AdminAuditEntry[];
  filter: { action: AdminAction | ''; person: string; actor: string };
  /** A filter naming an account that does not exist: said, and nothing listed. */
  problem: string | null;
  nextHref: string | null;
  exportHref: string;
  now: number;
}

export function auditPage(t: Messages, p: AuditPageProps): SafeHtml {
  const m = t.admin.audit;
  return consoleFrame(
    t,
    'audit',
    html`<h1 id="audit-page-heading">${m.heading}</h1>
<p>${m.intro}</p>
<form method="get" action="/admin/audit" class="console-filter">
  <div class="field">
    <label for="f-action">${m.filterAction}</label>
    <select id="f-action" name="action">
      <option value=""${p.filter.action === '' ? html` selected` : ''}>${m.anyAction}</option>
      ${ADMIN_ACTIONS.map((a) => html`<option value="${a}"${p.filter.action === a ? html` selected` : ''}>${m.actions[a]}</option>`)}
    </select>
  </div>
  <div class="field"><label for="f-person">${m.filterPerson}</label><input id="f-person" name="person" type="text" value="${p.filter.person}" maxlength="200" autocomplete="off"></div>
  <div class="field"><label for="f-actor">${m.filterActor}</label><input id="f-actor" name="actor" type="text" value="${p.filter.actor}" maxlength="200" autocomplete="off"></div>
  <button type="submit" class="button">${m.filter}</button>
</form>
<p><a href="${p.exportHref}" download>${m.export}</a></p>
${p.problem
  ? html`<p role="alert" class="error">${p.problem}</p>`
  : p.entries.length === 0
    ? html`<p>${m.noEntries}</p>`
    : auditTable(t, p.entries, p.now, 'audit-page-heading')}
${p.nextHref ? html`<p><a href="${p.nextHref}" rel="next">${m.next}</a></p>` : ''}`,
  );
}
