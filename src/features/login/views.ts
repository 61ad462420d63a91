import { csrfField, errorSummary, input } from '../../views/forms.js';
import { html, type SafeHtml } from '../../views/html.js';

export function loginPage(p: { csrfToken: string; login: string; remember: boolean; next: string | null; error?: string }): SafeHtml {
  return html`<h1>Sign in</h1>
${p.error ? errorSummary({ login: p.error }) : ''}
<form method="post" action="/login" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${p.next ? html`<input type="hidden" name="next" value="${p.next}">` : ''}
  ${input({ name: 'login', label: 'Username or email', value: p.login, autocomplete: 'username', required: true, autofocus: !p.login })}
  ${input({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, autofocus: Boolean(p.login) })}
  <div class="field checkbox">
    <input id="f-remember" type="checkbox" name="remember"${p.remember ? html` checked` : ''}>
    <label for="f-remember">Remember me for 30 days</label>
  </div>
  <button type="submit" class="button primary">Sign in</button>
</form>
<p><a href="/reset-password">Forgot your password?</a></p>
<p>New here? <a href="/register">Create an account</a></p>`;
}

export function signInFooter(csrfToken: string): SafeHtml {
  return html`<form method="post" action="/logout" class="inline start-over">
  ${csrfField(csrfToken)}
  <button type="submit" class="link-button">Cancel and start over</button>
</form>`;
}
