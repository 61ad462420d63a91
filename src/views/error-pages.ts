/** Bodies of the error pages (they render inside the normal layout). */
import { html, type SafeHtml } from './html.js';

export function notFoundPage(): SafeHtml {
  return html`<h1>Page not found</h1>
<p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
<p><a href="/">Go to the home page</a></p>`;
}

export function methodNotAllowedPage(allowed: string[]): SafeHtml {
  return html`<h1>That action is not available here</h1>
<p>This address does not accept that kind of request (it accepts ${allowed.join(', ')}).</p>
<p><a href="/">Go to the home page</a></p>`;
}

export function clientErrorPage(status: number, message: string): SafeHtml {
  return html`<h1>${status === 403 ? 'Request refused' : 'Something is wrong with that request'}</h1>
<p>${message}</p>
<p><a href="/">Go to the home page</a></p>`;
}

export function serverErrorPage(requestId: string, status: number, detail: string | null): SafeHtml {
  const message =
    status === 503
      ? 'Service unavailable, try again in a moment. Gatehouse cannot complete requests right now; nothing was changed.'
      : 'We could not complete your request. Nothing you did caused this, and nothing was half-saved: please try again in a moment.';
  return html`<h1>${status === 503 ? 'Service unavailable' : 'Something went wrong on our side'}</h1>
<p>${message}</p>
<p>If it keeps happening, tell us this reference: <code class="request-id">${requestId}</code></p>
${detail ? html`<pre class="error-detail">${detail}</pre>` : ''}`;
}

/** 503 when too many sign-ins are being checked at once (src/auth/password.ts bounds the hashing). */
export function busyPage(): SafeHtml {
  return html`<h1>Gatehouse is busy</h1>
<p>Too many people are signing in right now. Wait a few seconds and try again; nothing was changed.</p>`;
}
