/** The few pages of the identity provider; the sign-in itself uses Gatehouse's own pages. */
import type { Messages } from '../i18n/messages.js';
import { csrfField } from '../views/forms.js';
import { html, type SafeHtml } from '../views/html.js';
import { LOGIN_PATH } from '../lib/paths.js';

/** The scopes the consent page can name, in the order it names them. */
export const DESCRIBED_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;
export type DescribedScope = (typeof DESCRIBED_SCOPES)[number];

export interface ConsentPageProps {
  csrfToken: string;
  appName: string;
  /** Who is signed in (their username): the account the app will see. */
  username: string;
  /** What the app asks for now that it was not allowed before. */
  scopes: DescribedScope[];
  /** The app has access already and asks for more: the page names only the new scopes. */
  more: boolean;
  /** The Allow and Deny forms' addresses. */
  allowAction: string;
  denyAction: string;
}

/**
 * Asks the person whether an app may see what it asks for, each scope in plain words. Allow is the first button (the
 * form's default), Deny sends the app `access_denied`; both are one form with Gatehouse's CSRF token.
 */
export function consentPage(t: Messages, p: ConsentPageProps): SafeHtml {
  const m = t.apps.consent;
  return html`<h1>${p.more ? m.headingMore(p.appName) : m.heading(p.appName)}</h1>
<p>${p.more ? m.introMore(p.appName) : m.intro(p.appName, p.username)}</p>
<ul class="consent-scopes">
  ${p.scopes.map((scope) => html`<li>${m.scopes[scope]}</li>`)}
</ul>
<p class="hint">${m.removeLater}</p>
<form method="post" action="${p.allowAction}" class="form">
  ${csrfField(p.csrfToken)}
  <button type="submit" class="button primary">${m.allow}</button>
  <button type="submit" class="button" formaction="${p.denyAction}">${m.deny}</button>
</form>
<p class="hint">${m.notYou(p.username)}</p>`;
}

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
${p.appName === null ? html`<p><a class="button primary" href="${LOGIN_PATH}">${m.signInAgain}</a></p>` : ''}`;
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
