/**
 * Bar charts drawn by the server as inline SVG (issue #14: the console's overview), each with its table twin: the
 * same numbers in a `<table>` that screen readers read, rendered by the same call from the same buckets so the two
 * cannot disagree. No script, no client library, nothing fetched: the page is complete as it arrives.
 *
 * - The SVG is `aria-hidden`: the table is the accessible version (decision record 020 says why not `role="img"`).
 *   The table is visually hidden; the figure's caption names both.
 * - Colours are classes of public/css/admin.css that read the site's custom properties (`var(--primary)`…), so the
 *   chart follows the light and dark themes. Not `style` attributes (the CSP allows no inline style) and not `fill`
 *   attributes (a presentation attribute cannot hold `var()`).
 * - The drawing has a fixed viewBox and no width, so it scales to the column it is in: a 375 px phone shows it at
 *   about its own size, with labels still legible.
 */
import { html, type SafeHtml } from './html.js';

export interface ChartBucket {
  /** In the table's row header, e.g. "14:00", "Dec 5". */
  label: string;
  /**
   * Under its bar, when it differs from `label` ("Sat" for "Dec 5": seven dates do not fit a phone's width); null
   * for none (24 hours do not fit either; every sixth does). Default: `label`.
   */
  axisLabel?: string | null;
  /** The bucket's time for `<time datetime>` in the table, e.g. "2026-12-05T14:00Z". */
  datetime?: string;
  value: number;
}

export interface BarChartProps {
  /** The figure's caption id (unique in the page): the table is labelled by it. */
  id: string;
  title: string;
  /** A line under the title, e.g. the total. */
  note?: string;
  /** The table's column headers: the buckets' ("Hour (UTC)") and the values' ("Sign-ins"). */
  bucketHeader: string;
  valueHeader: string;
  buckets: readonly ChartBucket[];
  /** For the numbers: "1,234" / "1234", and the axis' "1.2K" / "1,2 mil". */
  locale: string;
}

/** The drawing's own units; the browser scales them to the width it has. */
export const CHART_WIDTH = 320;
export const CHART_HEIGHT = 160;
const MARGIN = { top: 10, right: 4, bottom: 22, left: 34 };
export const PLOT_HEIGHT = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
const PLOT_WIDTH = CHART_WIDTH - MARGIN.left - MARGIN.right;
/** The share of a bar's slot the bar fills; the rest is the gap between bars. */
const BAR_SHARE = 0.7;
/** A count above zero is never drawn flat, however tall its neighbour: at least this high (in drawing units). */
export const MIN_VISIBLE_BAR = 1;

/**
 * Drawing coordinates with one decimal at most (a tenth of a unit is below a pixel at any width the console is
 * read at): the SVG stays small — eight charts of up to 24 bars share one page's 50 KB — and the same input gives
 * the same bytes.
 */
const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The top of the value axis: the largest value rounded up to 1, 2 or 5 times a power of ten (7 → 10, 230 → 500),
 * so its label and the half-way line are round numbers. At least 1, so an empty chart still has an axis.
 */
export function axisTop(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** A bar's height for `value` on an axis up to `top`: in proportion, but never flat for a count above zero. */
export function barHeight(value: number, top: number): number {
  if (!(value > 0)) return 0;
  return Math.max(MIN_VISIBLE_BAR, Math.min(value / top, 1) * PLOT_HEIGHT);
}

export function barChart(p: BarChartProps): SafeHtml {
  const full = new Intl.NumberFormat(p.locale);
  return html`<figure class="chart">
<figcaption id="${p.id}"><span class="chart-title">${p.title}</span>${p.note === undefined ? '' : html` <span class="chart-note">${p.note}</span>`}</figcaption>
${drawing(p)}
<table class="visually-hidden" aria-labelledby="${p.id}">
  <thead><tr><th scope="col">${p.bucketHeader}</th><th scope="col">${p.valueHeader}</th></tr></thead>
  <tbody>${p.buckets.map(
    (b) => html`<tr><th scope="row">${b.datetime === undefined ? b.label : html`<time datetime="${b.datetime}">${b.label}</time>`}</th><td>${full.format(b.value)}</td></tr>`,
  )}</tbody>
</table>
</figure>`;
}

function drawing(p: BarChartProps): SafeHtml {
  const top = axisTop(Math.max(0, ...p.buckets.map((b) => b.value)));
  const compact = new Intl.NumberFormat(p.locale, { notation: 'compact' });
  const baseline = MARGIN.top + PLOT_HEIGHT;
  const slot = p.buckets.length > 0 ? PLOT_WIDTH / p.buckets.length : PLOT_WIDTH;
  // The axis' lines and labels: 0, the top, and half-way when that is a whole number.
  const marks = [top, ...(top % 2 === 0 ? [top / 2] : [])].map((v) => ({ v, y: round(baseline - (v / top) * PLOT_HEIGHT) }));
  return html`<svg class="chart-drawing" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" aria-hidden="true" focusable="false">
${marks.map((m) => html`<line class="chart-gridline" x1="${MARGIN.left}" x2="${CHART_WIDTH - MARGIN.right}" y1="${m.y}" y2="${m.y}"/><text x="${MARGIN.left - 4}" y="${round(m.y + 3.5)}" text-anchor="end">${compact.format(m.v)}</text>`)}
<line class="chart-axis" x1="${MARGIN.left}" x2="${CHART_WIDTH - MARGIN.right}" y1="${baseline}" y2="${baseline}"/><text x="${MARGIN.left - 4}" y="${baseline + 3.5}" text-anchor="end">${compact.format(0)}</text>
${p.buckets.map((b, i) => {
  const h = round(barHeight(b.value, top));
  const x = MARGIN.left + i * slot;
  // Bare elements, coloured by the stylesheet (.chart-drawing rect, text): a class on each would weigh more than the bar.
  const bar = h > 0 ? html`<rect x="${round(x + (slot * (1 - BAR_SHARE)) / 2)}" y="${round(baseline - h)}" width="${round(slot * BAR_SHARE)}" height="${h}"/>` : '';
  const text = b.axisLabel === undefined ? b.label : b.axisLabel;
  const tick = text === null ? '' : html`<text x="${round(x + slot / 2)}" y="${CHART_HEIGHT - 6}" text-anchor="middle">${text}</text>`;
  return html`${bar}${tick}`;
})}
</svg>`;
}
