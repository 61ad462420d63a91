/** "3 minutes ago" in a <time> element: the exact time in the tooltip, and public/js/app.js keeps the words current. */
import type { Messages } from '../i18n/messages.js';
import { relativePhrase } from '../lib/relative-time.js';
import { html, type SafeHtml } from './html.js';

export function timeAgo(t: Messages, at: number, now: number): SafeHtml {
  return html`<time datetime="${new Date(at).toISOString()}" title="${t.common.time.exact(at)}" data-relative>${
    relativePhrase(at, now, t.common.locale) ?? t.common.time.justNow
  }</time>`;
}
