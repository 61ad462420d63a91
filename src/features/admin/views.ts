/**
 * The console's frame and its own pages (src/features/admin/routes.ts); each section's pages are in its own
 * `*-views.ts`. Plain server-rendered HTML in the site's frame, with the console's own navigation; tables scroll
 * sideways on a narrow screen rather than squeeze.
 */
import type { Messages } from '../../i18n/messages.js';
import { barChart } from '../../views/charts.js';
import { html, type SafeHtml } from '../../views/html.js';
import { ACTIVITY_METRICS, type Activity, type ActivityRange } from './activity.js';
import { CONSOLE_APPS_PATH, CONSOLE_AUDIT_PATH, CONSOLE_MAIL_PATH, CONSOLE_PATH, CONSOLE_PEOPLE_PATH, CONSOLE_SMS_PATH, SECURITY_PATH } from '../../lib/paths.js';

/** The console's stylesheet, added to the site's on every console page. */
export const CONSOLE_STYLES = ['/static/css/admin.css'];

type Section = 'overview' | 'people' | 'apps' | 'audit' | 'mail' | 'sms';

const SECTIONS: readonly { section: Section; path: string }[] = [
  { section: 'overview', path: CONSOLE_PATH },
  { section: 'people', path: CONSOLE_PEOPLE_PATH },
  { section: 'apps', path: CONSOLE_APPS_PATH },
  { section: 'audit', path: CONSOLE_AUDIT_PATH },
  { section: 'mail', path: CONSOLE_MAIL_PATH },
  { section: 'sms', path: CONSOLE_SMS_PATH },
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
<p><a class="button primary" href="${SECURITY_PATH}">${m.link}</a></p>`;
}

/** The overview: the counts, then the charts of the last 24 hours and 7 days, each with its table twin. */
export function overviewPage(t: Messages, p: { people: number; admins: number; apps: number }, activity: Activity): SafeHtml {
  const m = t.admin.overview;
  const a = m.activity;
  return consoleFrame(
    t,
    'overview',
    html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
<ul class="console-counts">
  <li><a href="${CONSOLE_PEOPLE_PATH}">${m.people(p.people)}</a></li>
  <li>${m.admins(p.admins)}</li>
  <li><a href="${CONSOLE_APPS_PATH}">${m.apps(p.apps)}</a></li>
</ul>
<section class="console-section" aria-labelledby="activity-heading"><h2 id="activity-heading">${a.heading}</h2>
<p>${a.intro}</p>
${activityRange(t, 'hours', activity.perHour)}
${activityRange(t, 'days', activity.perDay)}
</section>`,
  );
}

/** The four charts of one range, under its heading. */
function activityRange(t: Messages, unit: 'hours' | 'days', range: ActivityRange): SafeHtml {
  const a = t.admin.overview.activity;
  const format =
    unit === 'hours'
      ? new Intl.DateTimeFormat(t.common.locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' })
      : new Intl.DateTimeFormat(t.common.locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  // Under the bars: each day's weekday ("Sat": seven dates do not fit a phone), and the hours 00:00, 06:00, 12:00, 18:00.
  const weekday = new Intl.DateTimeFormat(t.common.locale, { weekday: 'short', timeZone: 'UTC' });
  const axisLabel = (at: number) => (unit === 'days' ? weekday.format(at) : new Date(at).getUTCHours() % 6 === 0 ? format.format(at) : null);
  const starts = Array.from({ length: range.count }, (_, i) => range.first + i * range.sizeMs);
  const datetime = (at: number) => (unit === 'hours' ? new Date(at).toISOString().slice(0, 13) + ':00Z' : new Date(at).toISOString().slice(0, 10));
  const numbers = new Intl.NumberFormat(t.common.locale);
  return html`<h3>${unit === 'hours' ? a.hoursHeading : a.daysHeading}</h3>
<div class="chart-set">
${ACTIVITY_METRICS.map((metric) => {
  const values = range.series[metric];
  const name = a.metrics[metric];
  return barChart({
    id: `chart-${unit}-${metric}`,
    title: unit === 'hours' ? a.perHour(name) : a.perDay(name),
    note: a.total(numbers.format(values.reduce((sum, v) => sum + v, 0))),
    bucketHeader: unit === 'hours' ? a.hour : a.day,
    valueHeader: name,
    buckets: starts.map((at, i) => ({ label: format.format(at), axisLabel: axisLabel(at), datetime: datetime(at), value: values[i] ?? 0 })),
    locale: t.common.locale,
  });
})}
</div>`;
}
