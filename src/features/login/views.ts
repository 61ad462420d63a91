import type { Messages } from '../../i18n/messages.js';
import { codeInput, csrfField, errorSummary, input } from '../../views/forms.js';
import { rememberDeviceField } from '../../views/code-entry.js';
import { html, type SafeHtml } from '../../views/html.js';
import { LOGIN_PATH, LOGOUT_PATH, PASSKEY_SIGN_IN_PATH, RECOVER_PATH, REGISTER_PATH, RESET_PASSWORD_PATH, SIGN_IN_WAY_PATHS } from '../../lib/paths.js';

/** A paused sign-in (a lockout): for how long (null: until a reset), shown with the way out. */
export interface SignInPause {
  retryAfterMs: number | null;
}

export function loginPage(
  t: Messages,
  p: {
    csrfToken: string;
    login: string;
    remember: boolean;
    next: string | null;
    error?: string;
    paused?: SignInPause;
    fresh?: boolean;
    /** An app needs two factors: the second step is asked even on a remembered browser (told, and kept in the form). */
    secondStepRequired?: boolean;
  },
): SafeHtml {
  const l = t.login.page;
  return html`<h1>${l.heading}</h1>
${p.paused ? pausedNotice(t, p.paused) : p.error ? errorSummary(t, { login: p.error }) : ''}
${p.secondStepRequired ? html`<p class="hint">${l.secondStepRequired}</p>` : ''}
<form method="post" action="${LOGIN_PATH}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${p.next ? html`<input type="hidden" name="next" value="${p.next}">` : ''}
  ${p.secondStepRequired ? html`<input type="hidden" name="require" value="two-factor">` : ''}
  ${input({ name: 'login', label: l.usernameOrEmail, value: p.login, autocomplete: 'username', required: true, autofocus: !p.login })}
  ${input({ name: 'password', label: l.password, type: 'password', autocomplete: 'current-password', required: true, autofocus: Boolean(p.login) })}
  <div class="field checkbox">
    <input id="f-remember" type="checkbox" name="remember"${p.remember ? html` checked` : ''}>
    <label for="f-remember">${l.rememberMe}</label>
  </div>
  <button type="submit" class="button primary">${l.submit}</button>
</form>
<p><a href="${PASSKEY_SIGN_IN_PATH}${passkeyQuery(p)}">${l.withPasskey}</a></p>
<p><a href="${RESET_PASSWORD_PATH}">${l.forgotPassword}</a></p>
<p>${l.newHere(html`<a href="${REGISTER_PATH}">${l.createAccount}</a>`)}</p>`;
}

/** The passkey page keeps where to go next, and a request for a fresh sign-in. */
function passkeyQuery(p: { next: string | null; fresh?: boolean }): string {
  const query = new URLSearchParams();
  if (p.fresh) query.set('fresh', '1');
  if (p.next) query.set('next', p.next);
  return query.size > 0 ? `?${query.toString()}` : '';
}

/** Not a mistake in a field: the whole sign-in is paused, and the way out is one link away. */
function pausedNotice(t: Messages, paused: SignInPause): SafeHtml {
  const l = t.login.page;
  const untilReset = paused.retryAfterMs === null;
  return html`<div class="error-summary" role="alert" tabindex="-1">
  <p>${untilReset ? l.pausedUntilReset : l.paused(paused.retryAfterMs ?? 0)}</p>
  <p><a href="${RESET_PASSWORD_PATH}">${untilReset ? l.pausedUntilResetWayOut : l.pausedWayOut}</a></p>
</div>`;
}

export function signInFooter(t: Messages, csrfToken: string): SafeHtml {
  const f = t.login.footer;
  return html`<p class="recover-account"><a href="${RECOVER_PATH}">${f.recover}</a></p>
<form method="post" action="${LOGOUT_PATH}" class="inline start-over">
  ${csrfField(csrfToken)}
  <button type="submit" class="link-button">${f.startOver}</button>
</form>`;
}

/**
 * A way to finish signing in: one page of the second step (SIGN_IN_WAY_PATHS), as "Try another way" lists them
 * (each has its label in `t.login.otherWays`). A second factor (SecondFactor, src/auth/factors.ts) is a way; so
 * are the backup phone and the fallbacks (email codes, recovery codes).
 */
export type SignInWay = keyof typeof SIGN_IN_WAY_PATHS;

/** "Try another way": the other ways this account can finish signing in. */
export function otherWays(t: Messages, ways: readonly SignInWay[], pathOf: (way: SignInWay) => string): SafeHtml {
  if (ways.length === 0) return html``;
  const o = t.login.otherWays;
  return html`<nav class="other-ways" aria-labelledby="other-ways-heading">
  <h2 id="other-ways-heading">${o.heading}</h2>
  <ul>
    ${ways.map((way) => html`<li><a href="${pathOf(way)}">${o[way]}</a></li>`)}
  </ul>
</nav>`;
}

export function totpSignInPage(t: Messages, p: { csrfToken: string; error?: string | undefined; otherWays: SafeHtml; footer: SafeHtml }): SafeHtml {
  const m = t.login.totp;
  return html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
<form method="post" action="${SIGN_IN_WAY_PATHS.totp}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${codeInput(t, p.error)}
  ${rememberDeviceField(t)}
  <button type="submit" class="button primary">${t.common.forms.verify}</button>
</form>
${p.otherWays}
${p.footer}`;
}

export function recoveryCodeSignInPage(t: Messages, p: { csrfToken: string; error?: string | undefined; otherWays: SafeHtml; footer: SafeHtml }): SafeHtml {
  const m = t.login.recoveryCode;
  return html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
<form method="post" action="${SIGN_IN_WAY_PATHS.recovery}" class="form" novalidate>
  ${csrfField(p.csrfToken)}
  ${input({ name: 'code', label: m.label, value: '', error: p.error, autocomplete: 'off', required: true, autofocus: true, hint: m.hint, maxlength: 20 })}
  <button type="submit" class="button primary">${m.submit}</button>
</form>
${p.otherWays}
${p.footer}`;
}

export function passkeySignInPage(t: Messages, p: { form: SafeHtml; otherWays: SafeHtml; footer: SafeHtml }): SafeHtml {
  const m = t.login.passkey;
  return html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
${p.form}
${p.otherWays}
${p.footer}`;
}
