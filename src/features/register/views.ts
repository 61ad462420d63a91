import { NEW_PASSWORD_HINT } from '../../auth/account-rules.js';
import { csrfField, errorSummary, input, type FieldErrors } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';

export type RegisterValues = Partial<Record<'first_name' | 'last_name' | 'username' | 'email', string>>;

export function registerPage(p: { csrfToken: string; values: RegisterValues; errors: FieldErrors }): SafeHtml {
  const e = p.errors;
  return html`<h1>Create an account</h1>
${errorSummary(e)}
<form method="post" action="/register" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  <div class="field-row">
    ${input({ name: 'first_name', label: 'First name', value: p.values.first_name ?? '', error: e.first_name, autocomplete: 'given-name', required: true })}
    ${input({ name: 'last_name', label: 'Last name', value: p.values.last_name ?? '', error: e.last_name, autocomplete: 'family-name', required: true })}
  </div>
  ${input({ name: 'username', label: 'Username', value: p.values.username ?? '', error: e.username, autocomplete: 'username', required: true, hint: '3 to 32 letters, digits, "_", "-" or "."' })}
  ${input({ name: 'email', label: 'Email', type: 'email', value: p.values.email ?? '', error: e.email, autocomplete: 'email', required: true, hint: 'We will send a link to this address to confirm it.' })}
  ${input({ name: 'password', label: 'Password', type: 'password', error: e.password, autocomplete: 'new-password', required: true, hint: NEW_PASSWORD_HINT })}
  ${input({ name: 'confirm_password', label: 'Repeat password', type: 'password', error: e.confirm_password, autocomplete: 'new-password', required: true })}
  <button type="submit" class="button primary">Create account</button>
</form>
<p>Already have an account? <a href="/login">Sign in</a></p>`;
}
