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
