/**
 * The console's text-message page (src/features/admin/sms.ts): the breaker, the budget, and the code sends of the
 * last 7 days. Hours × countries would be a table no one can read (168 columns, or a screen reader reading 168
 * cells a row), so the sends are two plain tables with their headers marked: per UTC day and country for the 7
 * days (a row per country), and per hour for the last 24 (a row per hour, the four busiest countries as columns and
 * the rest together).
 */
import type { BreakerState, BudgetState } from '../../auth/sms-guard.js';
import type { SmsSendCount } from '../../db/sms-sends.js';
import type { Messages } from '../../i18n/messages.js';
import { days, hours } from '../../lib/duration.js';
import { html, type SafeHtml } from '../../views/html.js';
import { consoleFrame } from './views.js';
import { CONSOLE_SMS_PATH } from '../../lib/paths.js';

/** Countries with a column of their own in the hourly table; the others share one. */
const HOURLY_COUNTRY_COLUMNS = 4;

export interface SmsPageProps {
  breaker: BreakerState;
  budget: BudgetState;
  allowedCountries: readonly string[] | null;
  /** The breaker and budget are in Redis (REDIS_URL), shared by every instance. */
  sharedStore: boolean;
  perDay: readonly SmsSendCount[];
  perHour: readonly SmsSendCount[];
  /** Start of the first day (UTC midnight) and of the first hour shown. */
  firstDay: number;
  firstHour: number;
  keptMs: number;
  now: number;
  csrfToken: string;
  steppedUp: boolean;
}

/** A destination's key: its ISO country, else its calling code ("+882"), else unknown. */
function destinationKey(row: Pick<SmsSendCount, 'country' | 'calling_code'>): string {
  return row.country ?? (row.calling_code ? `+${row.calling_code}` : '?');
}

function destinationLabel(t: Messages, key: string): string {
  const s = t.admin.sms.sends;
  if (key === '?') return s.unknownCountry;
  if (key.startsWith('+')) return s.noCountry(key.slice(1));
  const name = new Intl.DisplayNames([t.common.locale], { type: 'region' }).of(key);
  return name && name !== key ? `${name} (${key})` : key;
}

interface Tally {
  sent: number;
  refused: number;
  failed: number;
}
const emptyTally = (): Tally => ({ sent: 0, refused: 0, failed: 0 });
const attempts = (x: Tally) => x.sent + x.refused + x.failed;

function add(tally: Tally, row: SmsSendCount): void {
  if (row.outcome === 'sent') tally.sent += row.n;
  else if (row.outcome === 'refused') tally.refused += row.n;
  else tally.failed += row.n;
}

/** Destinations with their tally per bucket and in all, busiest first. */
function byDestination(rows: readonly SmsSendCount[], buckets: readonly number[]) {
  const map = new Map<string, { key: string; perBucket: Tally[]; total: Tally }>();
  for (const row of rows) {
    const key = destinationKey(row);
    let entry = map.get(key);
    if (!entry) map.set(key, (entry = { key, perBucket: buckets.map(emptyTally), total: emptyTally() }));
    const i = buckets.indexOf(row.bucket);
    if (i >= 0) add(entry.perBucket[i]!, row);
    add(entry.total, row);
  }
  return [...map.values()].sort((a, b) => attempts(b.total) - attempts(a.total) || a.key.localeCompare(b.key));
}

export function smsPage(t: Messages, p: SmsPageProps): SafeHtml {
  const m = t.admin.sms;
  const kept = t.common.time.duration(p.keptMs);
  return consoleFrame(
    t,
    'sms',
    html`<h1>${m.heading}</h1>
<p>${m.intro}</p>
<section class="console-section" aria-labelledby="breaker-heading"><h2 id="breaker-heading">${m.breaker.heading}</h2>${breakerPart(t, p)}</section>
<section class="console-section" aria-labelledby="budget-heading"><h2 id="budget-heading">${m.budget.heading}</h2>${budgetPart(t, p)}</section>
<section class="console-section" aria-labelledby="sends-heading"><h2 id="sends-heading">${m.sends.heading}</h2>
<p>${m.sends.intro(kept)}</p>
${p.perDay.length === 0 ? html`<p>${m.sends.none(kept)}</p>` : html`${channelsLine(t, p.perDay)}${daysTable(t, p)}${hoursTable(t, p)}`}
</section>`,
  );
}

function breakerPart(t: Messages, p: SmsPageProps): SafeHtml {
  const b = t.admin.sms.breaker;
  if (!p.breaker.open) return html`<p>${b.closed}</p>`;
  const reason = p.breaker.reason;
  const why = reason === null ? b.whyUnknown : reason.kind === 'budget' ? b.whyBudget : b.whyProvider(reason.errors, reason.sends);
  return html`<p class="console-alert"><strong>${b.open(t.common.time.exact(p.now + p.breaker.forMs))}</strong> ${why}</p>
${p.steppedUp ? '' : html`<p class="hint">${b.stepUpNote}</p>`}
<form method="post" action="${CONSOLE_SMS_PATH}/resume" class="console-action">
  <input type="hidden" name="_csrf" value="${p.csrfToken}">
  <button type="submit" class="button">${b.resume}</button>
  <p class="hint">${b.resumeHint}</p>
</form>`;
}

function budgetPart(t: Messages, p: SmsPageProps): SafeHtml {
  const g = t.admin.sms.budget;
  const { budget, used, endsInMs } = p.budget;
  return html`<p>${endsInMs === null ? g.unused(budget) : html`${g.used(used, budget)} ${g.resets(t.common.time.exact(p.now + endsInMs))}`}</p>
<p>${p.allowedCountries === null ? g.allCountries : g.countries(p.allowedCountries.map((c) => destinationLabel(t, c)).join(', '))}</p>
${p.sharedStore ? '' : html`<p class="hint">${g.perInstance}</p>`}`;
}

function channelsLine(t: Messages, rows: readonly SmsSendCount[]): SafeHtml {
  const sent = (channel: string) => rows.filter((r) => r.channel === channel && r.outcome === 'sent').reduce((sum, r) => sum + r.n, 0);
  return html`<p>${t.admin.sms.sends.channels(sent('sms'), sent('call'))}</p>`;
}

function daysTable(t: Messages, p: SmsPageProps): SafeHtml {
  const s = t.admin.sms.sends;
  const buckets = Array.from({ length: 7 }, (_, i) => p.firstDay + i * days(1));
  const dayName = new Intl.DateTimeFormat(t.common.locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const rows = byDestination(p.perDay, buckets);
  return html`<div class="table-scroll" role="region" aria-labelledby="sends-days-caption" tabindex="0"><table class="console-table console-numbers">
  <caption id="sends-days-caption">${s.daysCaption}</caption>
  <thead><tr><th scope="col">${s.country}</th>${buckets.map((d) => html`<th scope="col"><time datetime="${new Date(d).toISOString().slice(0, 10)}">${dayName.format(d)}</time></th>`)}<th scope="col">${s.total}</th><th scope="col">${s.refused}</th><th scope="col">${s.failed}</th></tr></thead>
  <tbody>${rows.map(
    (r) => html`<tr><th scope="row">${destinationLabel(t, r.key)}</th>${r.perBucket.map((c) => html`<td>${c.sent}</td>`)}<td>${r.total.sent}</td><td>${r.total.refused}</td><td>${r.total.failed}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function hoursTable(t: Messages, p: SmsPageProps): SafeHtml {
  const s = t.admin.sms.sends;
  const buckets = Array.from({ length: 24 }, (_, i) => p.firstHour + i * hours(1));
  const destinations = byDestination(p.perHour, buckets);
  const own = destinations.slice(0, HOURLY_COUNTRY_COLUMNS);
  const rest = destinations.slice(HOURLY_COUNTRY_COLUMNS);
  const hourName = new Intl.DateTimeFormat(t.common.locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
  const cells = buckets.map((_, i) => {
    const total = emptyTally();
    for (const d of destinations) {
      const c = d.perBucket[i]!;
      total.sent += c.sent;
      total.refused += c.refused;
      total.failed += c.failed;
    }
    return { own: own.map((d) => d.perBucket[i]!.sent), rest: rest.reduce((sum, d) => sum + d.perBucket[i]!.sent, 0), total };
  });
  return html`<div class="table-scroll" role="region" aria-labelledby="sends-hours-caption" tabindex="0"><table class="console-table console-numbers">
  <caption id="sends-hours-caption">${s.hoursCaption}</caption>
  <thead><tr><th scope="col">${s.hour}</th>${own.map((d) => html`<th scope="col">${destinationLabel(t, d.key)}</th>`)}${rest.length > 0 ? html`<th scope="col">${s.otherCountries}</th>` : ''}<th scope="col">${s.total}</th><th scope="col">${s.notSent}</th></tr></thead>
  <tbody>${buckets
    .map((h, i) => ({ h, c: cells[i]! }))
    .reverse()
    .map(
      ({ h, c }) =>
        html`<tr><th scope="row"><time datetime="${new Date(h).toISOString()}">${hourName.format(h)}</time></th>${c.own.map((n) => html`<td>${n}</td>`)}${rest.length > 0 ? html`<td>${c.rest}</td>` : ''}<td>${c.total.sent}</td><td>${c.total.refused + c.total.failed}</td></tr>`,
    )}</tbody>
</table></div>`;
}
