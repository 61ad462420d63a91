/**
 * The console's frame and its own pages (src/features/admin/routes.ts); each section's pages are in its own
 * `*-views.ts`. Plain server-rendered HTML in the site's frame, with the console's own navigation; tables scroll
 * sideways on a narrow screen rather than squeeze.
 */
import type { Messages } from '../../i18n/messages.js';
import { html, type SafeHtml } from '../../views/html.js';

/** The console's stylesheet, added to the site's on every console page. */
export const CONSOLE_STYLES = ['/static/css/admin.css'];

type Section = 'overview' | 'people' | 'apps' | 'audit' | 'mail' | 'sms';

const SECTIONS: readonly { section: Section; path: string }[] = [
  { section: 'overview', path: '/admin' },
  { section: 'people', path: '/admin/people' },
  { section: 'apps', path: '/admin/apps' },
  { section: 'audit', path: '/admin/audit' },
  { section: 'mail', path: '/admin/mail' },
  { section: 'sms', path: '/admin/sms' },
];

/** The console's navigation above each of its pages, the current section marked for screen readers. */
export function consoleFrame(t: Messages, current: Section, body: SafeHtml): SafeHtml {
  const n = t.admin.nav;
  return html`<nav class="console-nav" aria-label="${n.label}"><ul>
  ${SECTIONS.map(({ section, path }) => html`<li><a href="${path}"${section === current ? html` aria-current="page"` : ''}>${n[section]}</a></li>`)}
</ul></nav>
${body}`;
}

export function setUpFactorPage(t: Messages): SafeHtml {
  const m = t.admin.setUpFactor;
  return html`<h1>${m.heading}</h1>
<p>${m.text}</p>
<p><a class="button primary" href="/security">${m.link}</a></p>`;
}

export function overviewPage(t: Messages, p: { people: number; admins: number; apps: number }): SafeHtml {
  const m = t.admin.overview;
  return consoleFrame(
    t,
    'overview',
    html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
<ul class="console-counts">
  <li><a href="/admin/people">${m.people(p.people)}</a></li>
  <li>${m.admins(p.admins)}</li>
  <li><a href="/admin/apps">${m.apps(p.apps)}</a></li>
</ul>`,
  );
}
