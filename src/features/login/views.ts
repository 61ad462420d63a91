import { codeInput, csrfField, errorSummary, input } from '../../views/forms.js';
import { rememberDeviceField } from '../../views/code-entry.js';
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
<p><a href="/login/passkey${p.next ? `?next=${encodeURIComponent(p.next)}` : ''}">Sign in with a passkey</a></p>
<p><a href="/reset-password">Forgot your password?</a></p>
<p>New here? <a href="/register">Create an account</a></p>`;
}

export function signInFooter(csrfToken: string): SafeHtml {
  return html`<p class="recover-account"><a href="/login/recover">Can't use any of these? Recover your account</a></p>
<form method="post" action="/logout" class="inline start-over">
  ${csrfField(csrfToken)}
  <button type="submit" class="link-button">Cancel and start over</button>
</form>`;
}

const WAY_LABELS = {
  passkey: 'Use a passkey or security key',
  totp: 'Use your authenticator app',
  sms: 'Get a code by text message or call',
  backupPhone: 'Get a code on your backup phone',
  email: 'Get a code by email',
  recovery: 'Use a recovery code',
} as const;

/** A way to finish signing in, as "Try another way" lists them. */
export type SignInWay = keyof typeof WAY_LABELS;

/** "Try another way": the other ways this account can finish signing in. */
export function otherWays(ways: readonly SignInWay[], pathOf: (way: SignInWay) => string): SafeHtml {
  if (ways.length === 0) return html``;
  return html`<nav class="other-ways" aria-labelledby="other-ways-heading">
  <h2 id="other-ways-heading">Try another way</h2>
  <ul>
    ${ways.map((way) => html`<li><a href="${pathOf(way)}">${WAY_LABELS[way]}</a></li>`)}
  </ul>
</nav>`;
}

export function totpSignInPage(p: { csrfToken: string; error?: string | undefined; otherWays: SafeHtml; footer: SafeHtml }): SafeHtml {
  return html`<h1>Enter the code from your authenticator app</h1>
<p>Open the authenticator app on your phone and type the 6-digit code it shows for Gatehouse.</p>
<form method="post" action="/login/two-factor/app" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${codeInput(p.error)}
  ${rememberDeviceField()}
  <button type="submit" class="button primary">Verify</button>
</form>
${p.otherWays}
${p.footer}`;
}

export function recoveryCodeSignInPage(p: { csrfToken: string; error?: string | undefined; otherWays: SafeHtml; footer: SafeHtml }): SafeHtml {
  return html`<h1>Use a recovery code</h1>
<p>Type one of the recovery codes you saved when you set up two-factor sign-in. Each code works once.</p>
<form method="post" action="/login/two-factor/recovery" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'code', label: 'Recovery code', value: '', error: p.error, autocomplete: 'off', required: true, autofocus: true, hint: 'Like ABCD-EFGH-JKMN. Dashes and spaces do not matter.', maxlength: 20 })}
  <button type="submit" class="button primary">Sign in</button>
</form>
${p.otherWays}
${p.footer}`;
}

export function passkeySignInPage(p: { form: SafeHtml; otherWays: SafeHtml; footer: SafeHtml }): SafeHtml {
  return html`<h1>Use your passkey</h1>
<p>Press the button, then unlock your passkey with your fingerprint, face or screen lock, or touch your security key.</p>
${p.form}
${p.otherWays}
${p.footer}`;
}
