import type { Messages } from '../../i18n/messages.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';
import { LOGIN_PATH, REGISTER_PATH } from '../../lib/paths.js';

export type RegisterValues = Partial<Record<'first_name' | 'last_name' | 'username' | 'email', string>>;

export function registerPage(t: Messages, p: { csrfToken: string; values: RegisterValues; errors: FieldErrors }): SafeHtml {
  const e = p.errors;
  const f = t.account.fields;
  const r = t.account.register;
  return html`<h1>${r.heading}</h1>
${errorSummary(t, e)}
<form method="post" action="${REGISTER_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  <div class="field-row">
    ${input({ name: 'first_name', label: f.firstName, value: p.values.first_name ?? '', error: e.first_name, autocomplete: 'given-name', required: true })}
    ${input({ name: 'last_name', label: f.lastName, value: p.values.last_name ?? '', error: e.last_name, autocomplete: 'family-name', required: true })}
  </div>
  ${input({ name: 'username', label: f.username, value: p.values.username ?? '', error: e.username, autocomplete: 'username', required: true, hint: f.usernameHint })}
  ${input({ name: 'email', label: f.email, type: 'email', value: p.values.email ?? '', error: e.email, autocomplete: 'email', required: true, hint: r.emailHint })}
  ${input({ name: 'password', label: f.password, type: 'password', error: e.password, autocomplete: 'new-password', required: true, hint: t.problems.newPasswordHint })}
  ${input({ name: 'confirm_password', label: f.repeatPassword, type: 'password', error: e.confirm_password, autocomplete: 'new-password', required: true })}
  <button type="submit" class="button primary">${r.submit}</button>
</form>
<p>${r.haveAccount(html`<a href="${LOGIN_PATH}">${t.common.layout.signIn}</a>`)}</p>`;
}
