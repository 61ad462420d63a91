/** The console's people pages: the search and a person's page (src/features/admin/people.ts). */
import type { AccountFactors } from '../../auth/factors.js';
import type { PersonRow } from '../../db/admin-people.js';
import type { AppWithAccess } from '../../db/app-access.js';
import type { AdminAuditEntry, Session, TrustedDevice, User } from '../../db/schema.js';
import type { ListedSecurityEvent } from '../../db/security-events.js';
import type { Messages } from '../../i18n/messages.js';
import { deviceName } from '../../lib/user-agent.js';
import { html, type SafeHtml } from '../../views/html.js';
import { eventLabel } from '../../views/security-events.js';
import { timeAgo } from '../../views/time-ago.js';
import { auditTable } from './audit-views.js';
import { consoleFrame } from './views.js';
import { CONSOLE_PEOPLE_PATH, consolePersonPath } from '../../lib/paths.js';


export function peoplePage(t: Messages, p: { q: string; rows: readonly PersonRow[]; nextHref: string | null; now: number }): SafeHtml {
  const m = t.admin.people;
  const caption = p.q ? m.results(p.q) : m.newest;
  return consoleFrame(
    t,
    'people',
    html`<h1>${m.heading}</h1>
<form method="get" action="${CONSOLE_PEOPLE_PATH}" class="console-search" role="search">
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
    <th scope="row"><a href="${consolePersonPath(r.id)}">${r.username}</a>${r.is_admin === 1 ? html` <span class="badge">${m.adminBadge}</span>` : ''}</th>
    <td>${r.first_name} ${r.last_name}</td>
    <td>${r.email}${r.email_confirmed_at === null ? html` <span class="badge badge-muted">${m.unconfirmedBadge}</span>` : ''}${
      r.suspended_at !== null ? html` <span class="badge badge-warning">${m.suspendedBadge}</span>` : ''
    }</td>
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
  csrfToken: string;
  /** The admin signed in with both steps lately: actions go through without a fresh sign-in. */
  steppedUp: boolean;
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
    html`<p><a href="${CONSOLE_PEOPLE_PATH}">${m.back}</a></p>
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
  <dt>${f.state}</dt><dd>${u.suspended_at === null ? f.active : html`<strong>${f.suspendedSince(t.common.time.exact(u.suspended_at))}</strong>`}</dd>
</dl>`,
)}
${section('actions-heading', m.actions.heading, actionForms(t, p))}
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
${section('groups-heading', m.groups, groupForms(t, p))}
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

/** One button per action, each its own small form (CSRF token, no fields unless the action needs one). */
function actionForm(p: PersonPageProps, action: string, label: string, hint: string, fields: SafeHtml | '' = '', style: 'plain' | 'danger' = 'plain'): SafeHtml {
  const hintId = `hint-${action.replace('/', '-')}`;
  return html`<form method="post" action="${consolePersonPath(p.user.id)}/${action}" class="console-action">
  <input type="hidden" name="_csrf" value="${p.csrfToken}">${fields}
  <button type="submit" class="button${style === 'danger' ? ' danger' : ''}" aria-describedby="${hintId}">${label}</button>
  <p class="hint" id="${hintId}">${hint}</p>
</form>`;
}

/** The person's groups, each with its Remove button, and the form that adds one. */
function groupForms(t: Messages, p: PersonPageProps): SafeHtml {
  const a = t.admin.person.actions;
  return html`${p.groups.length === 0 ? html`<p>${t.admin.person.noGroups}</p>` : html`<ul class="console-groups">${p.groups.map(
    (g) => html`<li>${g} <form method="post" action="${consolePersonPath(p.user.id)}/groups/remove" class="inline"><input type="hidden" name="_csrf" value="${p.csrfToken}"><input type="hidden" name="group" value="${g}"><button type="submit" class="link-button">${a.removeGroup(g)}</button></form></li>`,
  )}</ul>`}
<form method="post" action="${consolePersonPath(p.user.id)}/groups/add" class="console-search">
  <input type="hidden" name="_csrf" value="${p.csrfToken}">
  <div class="field">
    <label for="f-group">${a.groupName}</label>
    <p class="hint" id="f-group-hint">${a.groupNameHint}</p>
    <input id="f-group" name="group" type="text" maxlength="64" autocomplete="off" spellcheck="false" aria-describedby="f-group-hint">
  </div>
  <button type="submit" class="button">${a.addGroup}</button>
</form>`;
}

function actionForms(t: Messages, p: PersonPageProps): SafeHtml {
  const a = t.admin.person.actions;
  const locked = p.lockout.locked !== null || p.lockout.passwordFailures > 0 || p.lockout.codeFailures > 0;
  const hasFactor = p.factors.passkeys > 0 || p.factors.totp || p.factors.sms || p.factors.recoveryCodes > 0;
  return html`${p.steppedUp ? '' : html`<p class="hint">${a.stepUpNote}</p>`}
${locked ? actionForm(p, 'unlock', a.unlock, a.unlockHint) : ''}
${p.sessions.length > 0 ? actionForm(p, 'sign-out', a.signOut, a.signOutHint) : ''}
${hasFactor && p.user.is_admin !== 1 ? actionForm(p, 'reset-factors', a.resetFactors, a.resetFactorsHint, '', 'danger') : ''}
${actionForm(p, 'send-reset-link', a.sendResetLink, a.sendResetLinkHint)}
${p.user.email_confirmed_at === null ? actionForm(p, 'resend-confirmation', a.resendConfirmation, a.resendConfirmationHint) : ''}
${p.user.suspended_at !== null
  ? actionForm(p, 'reactivate', a.reactivate, a.reactivateHint)
  : p.user.is_admin === 1
    ? ''
    : actionForm(
        p,
        'suspend',
        a.suspend,
        a.suspendHint,
        html`<div class="field"><label for="f-reason">${a.suspendReason}</label><input id="f-reason" name="reason" type="text" maxlength="500" autocomplete="off"></div>`,
        'danger',
      )}
${p.user.is_admin === 1
  ? html`<p class="hint">${a.adminProtected}</p>`
  : actionForm(
      p,
      'delete',
      a.delete,
      a.deleteHint,
      html`<div class="field"><label for="f-confirm_username">${a.deleteConfirm(p.user.username)}</label><input id="f-confirm_username" name="confirm_username" type="text" maxlength="200" autocomplete="off" spellcheck="false" required></div>`,
      'danger',
    )}`;
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
