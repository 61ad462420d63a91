/** "3 minutes ago" in a <time> element: exact UTC in the tooltip, and public/js/app.js keeps the words current. */
import { exactUtc, relativeTime } from '../lib/relative-time.js';
import { html, type SafeHtml } from './html.js';

export function timeAgo(at: number, now: number): SafeHtml {
  return html`<time datetime="${new Date(at).toISOString()}" title="${exactUtc(at)}" data-relative>${relativeTime(at, now)}</time>`;
}
