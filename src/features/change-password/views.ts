import type { Messages } from '../../i18n/messages.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { CHANGE_PASSWORD_PATH, profilePath } from '../../lib/paths.js';

export function changePasswordPage(t: Messages, p: { csrfToken: string; username: string; errors: FieldErrors }): SafeHtml {
  const e = p.errors;
  const m = t.account.changePassword;
  return html`<h1>${m.heading}</h1>
${errorSummary(t, e)}
<p>${m.intro}</p>
<form method="post" action="${CHANGE_PASSWORD_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'current_password', label: m.currentPassword, type: 'password', autocomplete: 'current-password', required: true, autofocus: true, error: e.current_password })}
  ${input({ name: 'password', label: m.newPassword, type: 'password', autocomplete: 'new-password', required: true, error: e.password, hint: t.problems.newPasswordHint })}
  ${input({ name: 'confirm_password', label: m.repeatNewPassword, type: 'password', autocomplete: 'new-password', required: true, error: e.confirm_password })}
  <button type="submit" class="button primary">${m.submit}</button>
  <a href="${profilePath(p.username)}">${t.account.cancel}</a>
</form>`;
}
