import { describe, expect, it } from 'vitest';
import { aboutMeRule, newPasswordRule, usernameRule, visibleLength } from '../../src/auth/account-rules.js';
import { maskPhone, normalizeCode, resendWaitMs } from '../../src/auth/two-factor.js';
import { parsePhone } from '../../src/features/two-factor/sms/routes.js';
import { days, hours, minutes, seconds } from '../../src/lib/duration.js';
import { exactUtc, relativePhrase } from '../../src/lib/relative-time.js';

describe('account rules', () => {
  it('usernames: 3–32 of letters, digits, _ - .', () => {
    for (const ok of ['abc', 'a.b-c_d', 'X'.repeat(32), 'user123']) expect(usernameRule.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['ab', 'X'.repeat(33), 'a b', 'a@b', 'ä bc', '<script>', '']) expect(usernameRule.safeParse(bad).success, bad).toBe(false);
  });

  it('passwords: 15+ characters counted as code points, any characters, up to 1024 (more in test/unit/password-rules.test.ts)', () => {
    expect(newPasswordRule.safeParse('🐙🦑🐠🐡🦀🦞🦐').success).toBe(false); // 7 emoji = 14 UTF-16 units
    expect(newPasswordRule.safeParse('🐙🦑🐠🐡🦀🦞🐙🦑🐠🐡🦀🦞🐙🦑🐠').success).toBe(true);
    expect(newPasswordRule.safeParse('pass phrase with spaces').success).toBe(true);
    expect(newPasswordRule.safeParse('xyz'.repeat(341) + 'w').success).toBe(true); // 1024
    expect(newPasswordRule.safeParse('xyz'.repeat(341) + 'wv').success).toBe(false); // 1025
  });

  it('about me: counts graphemes and treats CRLF as one line break', () => {
    expect(visibleLength('👨‍👩‍👧‍👦é')).toBe(2);
    expect(aboutMeRule.safeParse('a\r\n'.repeat(70)).success).toBe(true); // 70 × 2 visible characters, trimmed
    expect(aboutMeRule.parse(' x\r\ny ')).toBe('x\ny');
  });
});

describe('phone numbers and codes', () => {
  it('parses international numbers to E.164 and refuses the rest', () => {
    expect(parsePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(parsePhone('0044 7400 123456')).toBe('+447400123456');
    expect(parsePhone('4155552671')).toBeNull(); // no country code
    expect(parsePhone('+1 555 0000')).toBeNull();
    expect(parsePhone('+999 123')).toBeNull();
  });

  it('masks a number, keeping the country code and the last four digits', () => {
    expect(maskPhone('+14155552671')).toBe('+1 ••• 2671');
    expect(maskPhone('+447700900123')).toBe('+44 ••• 0123');
  });

  it('reads codes typed with spaces or dashes', () => {
    expect(normalizeCode(' 123 456 ')).toBe('123456');
    expect(normalizeCode('123-456')).toBe('123456');
    expect(normalizeCode('12a456')).toBeNull();
    expect(normalizeCode('')).toBeNull();
  });

  it('allows a resend 30 seconds after the last code', () => {
    expect(resendWaitMs(null, 1000)).toBe(0);
    expect(resendWaitMs(0, seconds(10))).toBe(seconds(20));
    expect(resendWaitMs(0, seconds(30))).toBe(0);
  });
});

describe('time', () => {
  it('durations', () => {
    expect(seconds(1)).toBe(1000);
    expect(minutes(10)).toBe(600_000);
    expect(hours(2)).toBe(7_200_000);
    expect(days(30)).toBe(2_592_000_000);
  });

  it('relative times read naturally', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(relativePhrase(now - seconds(10), now, 'en')).toBeNull(); // the catalogue's "just now"
    expect(relativePhrase(now - minutes(3), now, 'en')).toBe('3 minutes ago');
    expect(relativePhrase(now - hours(1), now, 'en')).toBe('1 hour ago');
    expect(relativePhrase(now - days(1), now, 'en')).toBe('yesterday');
    expect(relativePhrase(now - days(400), now, 'en')).toBe('last year');
    expect(relativePhrase(now - minutes(3), now, 'es')).toBe('hace 3 minutos');
    expect(relativePhrase(now - days(1), now, 'es')).toBe('ayer');
    expect(exactUtc(now)).toBe('2026-11-25 12:00 UTC');
  });
});
