/**
 * The server-drawn bar charts (src/views/charts.ts): bars in proportion to their values on a round axis, an empty
 * chart that still draws (and says 0), one huge value that neither overflows the drawing nor flattens the small
 * ones to nothing, labels escaped, and the table twin holding exactly the drawn numbers.
 */
import { describe, expect, it } from 'vitest';
import { axisTop, barChart, CHART_HEIGHT, MIN_VISIBLE_BAR, PLOT_HEIGHT, type BarChartProps } from '../../src/views/charts.js';

function chart(values: readonly number[], more: Partial<BarChartProps> = {}): string {
  return barChart({
    id: 'chart-test',
    title: 'Sign-ins per hour',
    bucketHeader: 'Hour (UTC)',
    valueHeader: 'Sign-ins',
    buckets: values.map((value, i) => ({ label: `${String(i).padStart(2, '0')}:00`, datetime: `2026-12-05T${String(i).padStart(2, '0')}:00Z`, value })),
    locale: 'en',
    ...more,
  }).value;
}

const svgOf = (out: string) => /<svg[\s\S]*<\/svg>/.exec(out)?.[0] ?? '';
/** The drawn bars, in order: their height and top. */
const bars = (out: string) => [...svgOf(out).matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"\/>/g)].map((m) => ({ y: Number(m[1]), height: Number(m[2]) }));
/** The table twin's rows: header cell text (without markup) and value. */
const tableRows = (out: string) =>
  [...(/<table[\s\S]*<\/table>/.exec(out)?.[0] ?? '').matchAll(/<tr><th scope="row">(?:<time datetime="[^"]*">)?([\s\S]*?)(?:<\/time>)?<\/th><td>([^<]*)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
const axisLabels = (out: string) => [...svgOf(out).matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]*)<\/text>/g)].map((m) => m[1]);

describe('barChart', () => {
  it('draws each bar in proportion to its value, on an axis rounded up to 1, 2 or 5 times a power of ten', () => {
    const out = chart([1, 2, 4, 8]);
    const heights = bars(out).map((b) => b.height);
    expect(heights).toHaveLength(4);
    // The axis goes to 10 (8 rounded up), so 8 fills 80 % of the plot and each bar is its value's share of it.
    expect(heights[3]).toBeCloseTo(PLOT_HEIGHT * 0.8, 1);
    for (const [i, v] of [1, 2, 4, 8].entries()) expect(heights[i]! / heights[3]!).toBeCloseTo(v / 8, 2);
    expect(axisLabels(out)).toEqual(['10', '5', '0']);
    // Every bar stands on the same baseline.
    const baselines = bars(out).map((b) => Math.round((b.y + b.height) * 100) / 100);
    expect(new Set(baselines).size).toBe(1);
  });

  it('puts the same numbers in its table twin, one row per bucket, and hides the drawing from screen readers', () => {
    const out = chart([0, 3, 12345]);
    expect(tableRows(out)).toEqual([
      ['00:00', '0'],
      ['01:00', '3'],
      ['02:00', '12,345'],
    ]);
    expect(out).toMatch(/<svg class="chart-drawing" viewBox="0 0 \d+ \d+" aria-hidden="true" focusable="false">/);
    expect(out).toContain('<figcaption id="chart-test">');
    expect(out).toContain('<table class="visually-hidden" aria-labelledby="chart-test">');
    expect(out).toContain('<th scope="col">Hour (UTC)</th><th scope="col">Sign-ins</th>');
    expect(out).toContain('<time datetime="2026-12-05T01:00Z">01:00</time>');
  });

  it('draws a chart with no data: no bars, an axis from 0 to 1, every row 0, and no NaN anywhere', () => {
    const out = chart(Array.from({ length: 24 }, () => 0));
    expect(bars(out)).toEqual([]);
    expect(axisLabels(out)).toEqual(['1', '0']);
    expect(tableRows(out)).toHaveLength(24);
    expect(tableRows(out).every(([, v]) => v === '0')).toBe(true);
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('draws a chart with no buckets at all without failing', () => {
    const out = chart([]);
    expect(bars(out)).toEqual([]);
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('one huge value fills the plot without leaving the drawing, and a small count beside it is still visible', () => {
    const out = chart([0, 1, 1_000_000_000, 3]);
    const [one, huge, three] = bars(out);
    expect(huge!.height).toBeCloseTo(PLOT_HEIGHT, 5);
    expect(huge!.y).toBeGreaterThanOrEqual(0);
    expect(huge!.y + huge!.height).toBeLessThanOrEqual(CHART_HEIGHT);
    // A count above zero is never drawn flat.
    expect(one!.height).toBe(MIN_VISIBLE_BAR);
    expect(three!.height).toBe(MIN_VISIBLE_BAR);
    // The axis says it short; the table gives every digit.
    expect(axisLabels(out)[0]).toBe('1B');
    expect(tableRows(out)[2]).toEqual(['02:00', '1,000,000,000']);
  });

  it('escapes every text it is given: title, note, headers, labels', () => {
    const evil = '<script>alert(1)</script>"&';
    const out = barChart({
      id: 'chart-x',
      title: evil,
      note: evil,
      bucketHeader: evil,
      valueHeader: evil,
      buckets: [{ label: evil, datetime: '"><img src=x onerror=alert(1)>', value: 2 }],
      locale: 'en',
    }).value;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;');
    // In the drawing too: the bar's label.
    expect(svgOf(out)).toContain('&lt;script&gt;');
  });

  it('labels only the bars whose bucket asks for it under the drawing, and every row in the table', () => {
    const values = Array.from({ length: 24 }, (_, i) => i);
    const out = chart(values, { buckets: values.map((value, i) => ({ label: `${String(i).padStart(2, '0')}:00`, value, axisLabel: i % 6 === 0 ? undefined : null })) });
    const ticks = [...svgOf(out).matchAll(/text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(ticks).toEqual(['00:00', '06:00', '12:00', '18:00']);
    expect(tableRows(out)).toHaveLength(24);
  });

  it('writes a shorter label under a bar when it has one, and the full one in the table', () => {
    const out = chart([], { buckets: [{ label: 'Dec 5', axisLabel: 'Sat', datetime: '2026-12-05', value: 1 }] });
    expect([...svgOf(out).matchAll(/text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1])).toEqual(['Sat']);
    expect(tableRows(out)).toEqual([['Dec 5', '1']]);
  });

  it('writes numbers the reader’s way', () => {
    const out = chart([12345, 2_500_000], { locale: 'es' });
    expect(tableRows(out).map(([, v]) => v)).toEqual(['12.345', '2.500.000']);
    expect(axisLabels(out)[0]).toMatch(/^5\sM$/);
  });
});

describe('axisTop', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [Number.NaN, 1],
    [1, 1],
    [2, 2],
    [3, 5],
    [7, 10],
    [10, 10],
    [11, 20],
    [230, 500],
    [999, 1000],
    [1_000_000, 1_000_000],
  ])('%d → %d', (max, top) => {
    expect(axisTop(max)).toBe(top);
  });
});
