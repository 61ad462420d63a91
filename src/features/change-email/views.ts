import type { Messages } from '../../i18n/messages.js';
import { csrfField, errorSummary, input } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { CHANGE_EMAIL_PATH, SECURITY_PATH } from '../../lib/paths.js';

export function changeEmailPage(t: Messages, p: { csrfToken: string; current: string; value: string; error?: string }): SafeHtml {
  const m = t.security.changeEmail;
  return html`<h1>${m.title}</h1>
<p>${m.current(p.current)}</p>
${p.error ? errorSummary(t, { email: p.error }) : ''}
<form method="post" action="${CHANGE_EMAIL_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'email', label: m.newEmail, type: 'email', value: p.value, autocomplete: 'email', inputmode: 'email', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button primary">${m.send}</button>
</form>
<p><a href="${SECURITY_PATH}">${m.cancel}</a></p>`;
}

export function confirmEmailChangePage(t: Messages, p: { csrfToken: string; action: string; newEmail: string }): SafeHtml {
  const m = t.security.changeEmail;
  return html`<h1>${m.confirmTitle}</h1>
<p>${m.confirmText(p.newEmail)}</p>
<form method="post" action="${p.action}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">${m.confirm}</button>
</form>`;
}

export function linkExpiredPage(t: Messages): SafeHtml {
  const m = t.security.changeEmail;
  return html`<h1>${m.expiredHeading}</h1>
<p>${m.expiredText(html`<a href="${SECURITY_PATH}">${m.securityPageLink}</a>`)}</p>`;
}
