/**
 * Server-rendered HTML with auto-escaping: a tagged template `html\`…\`` that
 * escapes every interpolated value unless it is already SafeHtml (the result
 * of another `html` call). Templates are plain typed functions, so a missing
 * or misspelt field is a compile error. See docs/decisions/002-typed-html-templates.md.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

const NEEDS_ESCAPING = /[&<>"'`]/;

export function escapeHtml(text: string): string {
  // Most values (tokens, usernames, counts) have nothing to escape: skip the replace and its callback.
  return NEEDS_ESCAPING.test(text) ? text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!) : text;
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function isList(value: Interpolation): value is readonly Interpolation[] {
  return Array.isArray(value);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (isList(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}
