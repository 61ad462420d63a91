/** The few pages of the identity provider; the sign-in itself uses Gatehouse's own pages. */
import type { Messages } from '../i18n/messages.js';
import { html, type SafeHtml } from '../views/html.js';

/** After a sign-in form: the browser goes on to the app by itself (a meta refresh in the head), or with the link. */
export function continuingPage(t: Messages, p: { appName: string; to: string }): SafeHtml {
  const m = t.apps.continuing;
  return html`<h1>${m.heading(p.appName)}</h1>
<p>${m.text}</p>
<p><a class="button primary" href="${p.to}">${m.link(p.appName)}</a></p>`;
}

/**
 * An app asked to sign the person out: the library's form (its xsrf secret, posting to `/oidc/session/end/confirm`)
 * and two buttons for it. "Sign out of Gatehouse and <app>" sends `logout=yes`; "Stay signed in" signs out of the
 * app alone. Either way the browser then goes back to the app's registered post-logout address.
 */
export function logoutPage(t: Messages, p: { appName: string | null; form: SafeHtml }): SafeHtml {
  const m = t.apps.logout;
  return html`<h1>${m.heading}</h1>
<p>${m.text(p.appName)}</p>
${p.form}
<div class="actions">
  <button type="submit" form="op.logoutForm" name="logout" value="yes" class="button primary">${m.signOutBoth(p.appName)}</button>
  <button type="submit" form="op.logoutForm" class="button">${m.stay}</button>
</div>`;
}

/** After a sign-out an app started, when it gave no address to go back to; `appName` when only the app signed out. */
export function signedOutPage(t: Messages, p: { appName: string | null }): SafeHtml {
  const m = t.apps.signedOut;
  return html`<h1>${m.heading}</h1>
<p>${p.appName === null ? m.everywhere : m.ofApp(p.appName)}</p>
${p.appName === null ? html`<p><a class="button primary" href="/login">${m.signInAgain}</a></p>` : ''}`;
}

export function expiredPage(t: Messages): SafeHtml {
  const m = t.apps.expired;
  return html`<h1>${m.heading}</h1>
<p>${m.text}</p>`;
}

/** What the provider refused before it could send the person back to the app, with the OAuth error for its developer. */
export function refusedPage(t: Messages, p: { error: string; description: string | undefined }): SafeHtml {
  const m = t.apps.refused;
  return html`<h1>${m.heading}</h1>
<p>${m.text}</p>
<details>
  <summary>${m.details}</summary>
  <p><code>${p.error}</code>${p.description ? html`: ${p.description}` : ''}</p>
</details>`;
}
