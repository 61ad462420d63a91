/** The ingredients of a fuzz request: odd methods, paths, field names and values, encodings and query strings. */
import type { Rng } from './random.js';

/** Weighted towards GET and POST; the rest are every other kind Node's HTTP parser lets through. */
export const ODD_METHODS = ['HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'MKCOL', 'LOCK', 'PURGE', 'QUERY'] as const;

/** Every field name a form in the app reads, plus a few that none does. */
export const FIELD_NAMES = [
  '_csrf', 'login', 'password', 'remember', 'next', 'code', 'channel', 'phone', 'email', 'username', 'first_name', 'last_name',
  'confirm_password', 'about_me', 'current_password', 'new_password', 'token', 'id', '__proto__', 'constructor', 'prototype', '',
] as const;

export const ODD_PATHS = [
  '//', '///login', '/login/', '/LOGIN', '/login?', '/login#x', '/login;jsessionid=1', '/./login', '/../login', '/%2e%2e/login', '/login/..',
  '/%', '/%%', '/%G0', '/%E0%A4%A', '/%C0%AF', '/%FF%FE', '/%00', '/\u0000', '/*', '/?', '/?next=%', '/static/..%2f..%2fpackage.json',
  '/static/%2e%2e/%2e%2e/package.json', '/vendor/intl-tel-input/../../../package.json', '/user/', '/user//x', '/reset-password/',
  '/two-factor/', '/dev/outbox/1/html', '/dev/outbox/-1/html', '/dev/outbox/99999999999999999999/html', '/dev/outbox/abc/html',
  `/${'a'.repeat(3000)}`, `/user/${'%41'.repeat(400)}`, '/😀', '/%F0%9F%98%80', '/user/%F0%9F%98', '/login?next=//evil.example',
  '/login?next=https:%2F%2Fevil.example', '/login?next=%5C%5Cevil.example', '/login?next=javascript:alert(1)',
];

/** Values for params, query strings and fields: wrong types, encodings and sizes. */
export function weirdValue(r: Rng): string {
  switch (r.int(22)) {
    case 0: return '';
    case 1: return 'x'.repeat(r.pick([1, 16, 199, 200, 201, 256, 500, 1001, 4096, 4097, 20_000]));
    case 2: return String(r.pick([0, -1, 1e308, -0, 2 ** 53, NaN, Infinity]));
    case 3: return r.pick(['true', 'false', 'null', 'undefined', '[]', '{}', '[object Object]', 'on', 'off']);
    case 4: return r.pick(['sms', 'call', 'whatsapp', 'SMS', 'sms ', 'email', 'auto']);
    case 5: return r.pick(['+14155552671', '+1 415 555 2671', '0014155552671', '+999999999999999', '+1', '4155552671', '+4420', '+12015550123']);
    case 6: return r.pick(['123456', '000000', '12345', '1234567890', '12 34 56', '१२३४५६', '12345678901234567890', '-123456']);
    case 7: return r.pick(['admin', 'Admin', 'ADMIN ', 'a', 'user@example.com', 'ü', 'İstanbul', 'ǅ', 'ﬀ', '\u0000', '\u202e', '\ud800']);
    case 8: return r.pick(['../../etc/passwd', '..\\..\\', '/%2e%2e/', '%00', '\r\nSet-Cookie: x=1', '<script>alert(1)</script>', "' OR 1=1 --", '${7*7}', '{{7*7}}']);
    case 9: return r.pick(['//evil.example', 'https://evil.example', '/\\evil.example', '\\\\evil.example', '/%0d%0aLocation:x', 'javascript:alert(1)', '/ok']);
    case 10: return '😀'.repeat(r.int(300));
    case 11: return randomToken(r, r.pick([20, 43, 44, 100, 101]));
    case 12: return r.pick(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']);
    case 13: return Array.from({ length: r.int(30) }, () => String.fromCharCode(r.int(0x10000))).join('');
    case 14: return Array.from({ length: r.int(30) }, () => String.fromCharCode(r.int(128))).join('');
    case 15: return 'correct horse battery staple';
    case 16: return 'fuzz-password-long-enough-2024 ✓';
    case 17: return ' '.repeat(r.int(50));
    case 18: return 'a@b';
    case 19: return `${randomToken(r, 8)}@example.com`;
    case 20: return 'x'.repeat(70_000); // over the body limit
    default: return randomToken(r, r.int(40));
  }
}

/** A value that passes the field's shape, so the request gets past validation into the handler. */
export function plausibleValue(r: Rng, name: string, password: string): string {
  if (name.includes('password')) return r.pick([password, password, 'violet harbour quietly 87 lanterns', 'short']);
  switch (name) {
    case 'code': return r.pick(['123456', '000000', '12 34 56', '1234']);
    case 'phone': return r.pick(['+14155552671', '+1 201 555 0123', '+447400123456', '+12015550100']);
    case 'channel': return r.pick(['sms', 'call']);
    case 'email': return r.pick(['fuzz1@example.com', `new${randomToken(r, 6)}@example.com`, 'nobody@example.com']);
    case 'login': return r.pick(['fuzz1', 'fuzz2@example.com', 'nobody']);
    case 'username': return `u${randomToken(r, 8).replace(/[-_]/g, 'x')}`;
    case 'remember': return 'on';
    case 'next': return r.pick(['/', '/profile/edit', '//evil.example']);
    default: return r.pick(['Ada', 'About me text', '']);
  }
}

export function randomToken(r: Rng, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from({ length }, () => alphabet[r.int(alphabet.length)]).join('');
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the bytes Node would send. */
export function enc(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

/** Raw (already encoded) text for a URL or a form body: sometimes deliberately broken percent-encoding. */
export function encodeOddly(r: Rng, value: string): string {
  switch (r.int(8)) {
    case 0: return r.pick(['%', '%G1', '%E0%A4%A', '%C0%AF', '%FF', '%ED%A0%80', '%F0%9F%98', '%00', '%25', '%u0041', '+%+']);
    case 1: return enc(value).slice(0, Math.max(0, r.int(enc(value).length + 1)));
    case 2: return value.replace(/ /g, '+');
    default: return enc(value);
  }
}

export function fillPath(r: Rng, pattern: string): string {
  return pattern.replace(/:[a-zA-Z]+|\*/g, () => {
    if (r.chance(0.1)) return '';
    return r.chance(0.5) ? encodeOddly(r, weirdValue(r)) : enc(r.pick(['1', 'abc', randomToken(r, 43), 'app.css', 'js/app.js', 'nope.css']));
  });
}

export function queryString(r: Rng): string {
  if (r.chance(0.6)) return '';
  const parts = Array.from({ length: 1 + r.int(4) }, () => {
    const key = r.chance(0.2) ? r.pick(['next[]', 'next[0]', 'a[b][c]', '__proto__[x]', 'constructor[prototype][y]', '', '=']) : r.pick(FIELD_NAMES);
    return `${encodeOddly(r, key)}=${encodeOddly(r, weirdValue(r))}`;
  });
  if (r.chance(0.2)) parts.push(parts[0]!); // a duplicated key
  return `?${parts.join(r.chance(0.1) ? ';' : '&')}`;
}
