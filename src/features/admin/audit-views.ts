/** The console's audit log pages (src/features/admin/audit.ts), and the table a person's page shows too. */
import { ADMIN_ACTIONS, type AdminAction, isAdminAction } from '../../db/admin-audit.js';
import type { AdminAuditEntry } from '../../db/schema.js';
import type { Messages } from '../../i18n/messages.js';
import { html, type SafeHtml } from '../../views/html.js';
import { timeAgo } from '../../views/time-ago.js';
import { consoleFrame } from './views.js';
import { CONSOLE_AUDIT_PATH, consolePersonPath } from '../../lib/paths.js';

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

export function auditTable(t: Messages, entries: readonly AdminAuditEntry[], now: number, labelledBy: string, caption?: string): SafeHtml {
  const c = t.admin.audit.columns;
  return html`<div class="table-scroll" role="region" aria-labelledby="${labelledBy}" tabindex="0"><table class="console-table">
  ${caption ? html`<caption>${caption}</caption>` : ''}
  <thead><tr><th scope="col">${c.when}</th><th scope="col">${c.who}</th><th scope="col">${c.action}</th><th scope="col">${c.about}</th><th scope="col">${c.detail}</th><th scope="col">${c.from}</th></tr></thead>
  <tbody>${entries.map(
    (e) => html`<tr>
    <td>${timeAgo(t, e.created_at, now)}</td>
    <td>${e.actor_user_id !== null ? html`<a href="${consolePersonPath(e.actor_user_id)}">${e.actor}</a>` : e.actor}</td>
    <td>${actionLabel(t, e.action)}</td>
    <td>${e.target_user_id !== null ? html`<a href="${consolePersonPath(e.target_user_id)}">${e.target ?? ''}</a>` : (e.target ?? '')}</td>
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
<form method="get" action="${CONSOLE_AUDIT_PATH}" class="console-filter">
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
