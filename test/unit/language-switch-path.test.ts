/**
 * Where the language switcher returns to (src/http/pages.ts): this page, as a
 * path on this site — plain paths on the fast path unchanged, anything else
 * normalised by safeNextPath, and a query only when every `next` in it is safe.
 */
import { describe, expect, it } from 'vitest';
import { languageSwitchReturnPath } from '../../src/http/pages.js';

describe('languageSwitchReturnPath', () => {
  it.each([
    ['/', '/'],
    ['/security', '/security'],
    ['/user/ada', '/user/ada'],
    ['/reset-password/abc_DEF-1~x', '/reset-password/abc_DEF-1~x'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/%2e%2e/x', '/x'],
    ['/.hidden', '/.hidden'],
    ['/login?next=/x', '/login?next=/x'],
    ['/login?next=%2F%2Fevil.example', '/login'],
    ['/login?next=/ok&next=//evil.example', '/login'],
    ['/login?a=1?&next=//evil.example', '/login'],
    ['//', '/'],
    ['//evil.example/x', '/'],
    ['/.//evil.example', '/'],
    ['/%2e//evil.example', '/'],
    ['/x/..//evil.example', '/'],
    ['/\\evil.example', '/'],
  ])('%s → %s', (url, expected) => {
    expect(languageSwitchReturnPath(url)).toBe(expected);
  });
});
