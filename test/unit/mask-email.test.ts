import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../src/lib/mask-email.js';

describe('maskEmail', () => {
  it('keeps the first character of the local part and the whole domain', () => {
    expect(maskEmail('ada@example.com')).toBe('a…@example.com');
    expect(maskEmail('Grace.Hopper@Navy.mil')).toBe('G…@Navy.mil');
    expect(maskEmail('x@example.org')).toBe('x…@example.org');
  });

  it('never cuts a character in half, and uses the last "@" (quoted local parts may contain one)', () => {
    expect(maskEmail('👍🏽ok@example.com')).toBe('👍…@example.com');
    expect(maskEmail('"a@b"@example.com')).toBe('"…@example.com');
  });

  it('shows nothing of a value that is not an address', () => {
    expect(maskEmail('no-at-sign')).toBe('…');
    expect(maskEmail('@example.com')).toBe('…');
  });
});
