import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en/index.js';
import { es } from '../../src/i18n/es/index.js';
import { days, durationText, hours, minutes, parseDuration, seconds } from '../../src/lib/duration.js';

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

  it('pages and mail say the same in each language, and a wait is never "0 minutes"', () => {
    expect([hours(48), days(3), minutes(90), minutes(1)].map(en.common.time.duration)).toEqual(['48 hours', '3 days', '90 minutes', '1 minute']);
    expect([hours(48), days(3), minutes(90), hours(1)].map(es.common.time.duration)).toEqual(['48 horas', '3 días', '90 minutos', '1 hora']);
    expect(en.common.time.waitMinutes(seconds(5))).toBe('1 minute');
    expect(es.common.time.waitMinutes(minutes(11) + 1)).toBe('12 minutos');
  });
});
