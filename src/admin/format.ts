/**
 * How the admin CLI prints what users typed. Names, emails and IPs are
 * attacker-chosen text shown in an operator's terminal, so control characters
 * (an ESC starts a terminal escape sequence that can rewrite the screen or the
 * window title) and bidirectional overrides (which reorder what is shown, as in
 * "Trojan Source") are replaced before printing.
 */
import { visibleLength } from '../auth/account-rules.js';

/** C0 and C1 controls, and the Unicode bidi embeddings, overrides and isolates. */
const UNSAFE_FOR_TERMINAL = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/** `text` with every character a terminal would act on replaced by U+FFFD. */
export function printable(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, '\uFFFD');
}

/** Rows of cells as lines: each column padded to its widest cell (counted as people count characters), two spaces apart. */
export function columns(rows: string[][]): string[] {
  const cells = rows.map((row) => row.map(printable));
  const count = Math.max(0, ...cells.map((row) => row.length));
  const widths = Array.from({ length: count }, (_, column) => Math.max(...cells.map((row) => visibleLength(row[column] ?? ''))));
  return cells.map((row) =>
    row
      .map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - visibleLength(cell)))
      .join('  ')
      .trimEnd(),
  );
}

/** `columns` with a header row first. */
export function table(header: string[], rows: string[][]): string[] {
  return columns([header, ...rows]);
}
