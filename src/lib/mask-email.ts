/**
 * "ada@example.com" → "a…@example.com": enough for the owner to recognise the
 * address on a page or in a banner, little for someone looking over a shoulder.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '…';
  const first = [...email.slice(0, at)][0] ?? '';
  return `${first}…${email.slice(at)}`;
}
