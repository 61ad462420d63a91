/** Bodies of the error pages (they render inside the normal layout). */
import type { Messages } from '../i18n/messages.js';
import { html, type SafeHtml } from './html.js';
import { HOME_PATH } from '../lib/paths.js';

export function notFoundPage(t: Messages): SafeHtml {
  const e = t.common.errors;
  return html`<h1>${e.notFoundHeading}</h1>
<p>${e.notFoundText}</p>
<p><a href="${HOME_PATH}">${e.goHome}</a></p>`;
}

export function methodNotAllowedPage(t: Messages, allowed: string[]): SafeHtml {
  const e = t.common.errors;
  return html`<h1>${e.notAllowedHeading}</h1>
<p>${e.notAllowedText(allowed.join(', '))}</p>
<p><a href="${HOME_PATH}">${e.goHome}</a></p>`;
}

export function clientErrorPage(t: Messages, status: number, message: string): SafeHtml {
  const e = t.common.errors;
  return html`<h1>${status === 403 ? e.refusedTitle : e.badRequestHeading}</h1>
<p>${message}</p>
<p><a href="${HOME_PATH}">${e.goHome}</a></p>`;
}

/** The 500 and 503 pages: what happened and the request id to quote; the details are in the log only. */
export function serverErrorPage(t: Messages, requestId: string, status: number): SafeHtml {
  const e = t.common.errors;
  return html`<h1>${status === 503 ? e.unavailableTitle : e.serverErrorHeading}</h1>
<p>${status === 503 ? e.unavailableText : e.serverErrorText}</p>
<p>${e.reference} <code class="request-id">${requestId}</code></p>`;
}

/** 503 when too many sign-ins are being checked at once (src/auth/password.ts bounds the hashing). */
export function busyPage(t: Messages): SafeHtml {
  const e = t.common.errors;
  return html`<h1>${e.busyHeading}</h1>
<p>${e.busyText}</p>`;
}
