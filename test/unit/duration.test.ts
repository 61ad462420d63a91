import { describe, expect, it } from 'vitest';
import { days, durationText, hours, minutes, parseDuration } from '../../src/lib/duration.js';

describe('durations in settings and on pages', () => {
  it('parseDuration reads a whole number and a unit (m, h, d), nothing else', () => {
    expect(parseDuration('90m')).toBe(minutes(90));
    expect(parseDuration(' 48H ')).toBe(hours(48));
    expect(parseDuration('2d')).toBe(days(2));
    for (const bad of ['', '48', 'h', '1.5h', '-1h', '2w', '48 hours', '1e3h']) expect(parseDuration(bad), bad).toBeNull();
  });

  it('durationText says it in the largest whole unit people use', () => {
    expect(durationText(hours(48))).toBe('48 hours');
    expect(durationText(hours(1))).toBe('1 hour');
    expect(durationText(days(3))).toBe('3 days');
    expect(durationText(days(30))).toBe('30 days');
    expect(durationText(minutes(90))).toBe('90 minutes');
    expect(durationText(minutes(1))).toBe('1 minute');
  });
});
