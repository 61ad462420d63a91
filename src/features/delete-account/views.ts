import type { Messages } from '../../i18n/messages.js';
import { csrfField, errorSummary, input } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { DELETE_ACCOUNT_PATH, SECURITY_PATH } from '../../lib/paths.js';

export function deleteAccountPage(t: Messages, p: { csrfToken: string; username: string; error?: string }): SafeHtml {
  const m = t.security.deleteAccount;
  return html`<h1>${m.title}</h1>
<p>${m.explain(p.username)}</p>
${p.error ? errorSummary(t, { confirm_username: p.error }) : ''}
<form method="post" action="${DELETE_ACCOUNT_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'confirm_username', label: m.confirmLabel, value: '', autocomplete: 'off', required: true, error: p.error })}
  <button type="submit" class="button danger">${m.button}</button>
</form>
<p><a href="${SECURITY_PATH}">${m.cancel}</a></p>`;
}
