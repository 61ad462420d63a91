import type { Messages } from '../../i18n/messages.js';
import { csrfField, errorSummary, input } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { REAUTHENTICATE_PATH } from '../../lib/paths.js';

export function reauthenticatePage(t: Messages, p: { csrfToken: string; next: string; error?: string }): SafeHtml {
  const m = t.security.reauthenticate;
  return html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
${p.error ? errorSummary(t, { password: p.error }) : ''}
<form method="post" action="${REAUTHENTICATE_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  <input type="hidden" name="next" value="${p.next}">
  ${input({ name: 'password', label: m.password, type: 'password', autocomplete: 'current-password', required: true, autofocus: true, error: p.error })}
  <button type="submit" class="button primary">${m.continue}</button>
</form>`;
}
