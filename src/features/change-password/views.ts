import { NEW_PASSWORD_HINT } from '../../auth/account-rules.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';

export function changePasswordPage(p: { csrfToken: string; username: string; errors: FieldErrors }): SafeHtml {
  const e = p.errors;
  return html`<h1>Change your password</h1>
${errorSummary(e)}
<p>Afterwards, every other device signed in to your account is signed out, and we email you a notice.</p>
<form method="post" action="/profile/password" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password', required: true, autofocus: true, error: e.current_password })}
  ${input({ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true, error: e.password, hint: NEW_PASSWORD_HINT })}
  ${input({ name: 'confirm_password', label: 'Repeat new password', type: 'password', autocomplete: 'new-password', required: true, error: e.confirm_password })}
  <button type="submit" class="button primary">Change password</button>
  <a href="/user/${encodeURIComponent(p.username)}">Cancel</a>
</form>`;
}
