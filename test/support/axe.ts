/**
 * Accessibility check of a page with axe-core (from npm), as the issue asks:
 * WCAG 2.0–2.2 A and AA rules; a serious or critical violation is a problem.
 * The script (AXE_SCRIPT) is added to a browser context as an init script,
 * which the DevTools protocol runs in every new document outside the page's
 * CSP (script-src 'self' stays on and is still checked); sent once per
 * context, not the 500 KB once per page (a quarter of a check's time).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export const AXE_SCRIPT = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const BLOCKING = new Set(['serious', 'critical']);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * One line per serious or critical violation on the page as it is now: `axe <url>: <rule> (<impact>) <help>: <elements>`.
 * The page's context must have AXE_SCRIPT as an init script.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const url = page.url();
  // Runs in the page: `axe` is the global AXE_SCRIPT defined; the whole document is checked.
  const violations = (await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: { run: (options: object) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations;
  }, WCAG_AA)) as AxeViolation[];
  return violations
    .filter((v) => v.impact !== null && BLOCKING.has(v.impact))
    .map((v) => `axe ${url}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

/** The page navigated or closed while it was being checked: the next page load is checked instead. */
export function isGoneWhileChecking(error: unknown): boolean {
  return error instanceof Error && /Execution context was destroyed|Target page, context or browser has been closed|navigation/i.test(error.message);
}
