/**
 * Durations in milliseconds. Every security number in Gatehouse is written with
 * these helpers (`minutes(10)`, never `600000` or `10 * 60 * 1000`) so that the
 * unit is visible where the number is.
 */
export const seconds = (n: number): number => n * 1000;
export const minutes = (n: number): number => seconds(n * 60);
export const hours = (n: number): number => minutes(n * 60);
export const days = (n: number): number => hours(n * 24);

const UNIT_MS = { m: minutes(1), h: hours(1), d: days(1) } as const;

/**
 * A duration as an operator writes it in a setting: a whole number and a unit,
 * `m` (minutes), `h` (hours) or `d` (days), e.g. `90m`, `48h`, `2d`. null for
 * anything else (no unit, fractions, negative numbers).
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d{1,6})\s*([mhd])\s*$/i.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2]!.toLowerCase() as keyof typeof UNIT_MS];
}

/**
 * How a duration is said: in the largest whole unit (48 hours, 3 days, 90
 * minutes). The words are each language's (`t.common.time.duration`); the rule is this one.
 */
export function largestWholeUnit(ms: number): { count: number; unit: 'day' | 'hour' | 'minute' } {
  // Whole days from three on read better as days; a 48-hour wait is what people say.
  if (ms % days(1) === 0 && ms >= days(3)) return { count: ms / days(1), unit: 'day' };
  if (ms % hours(1) === 0) return { count: ms / hours(1), unit: 'hour' };
  return { count: Math.ceil(ms / minutes(1)), unit: 'minute' };
}

/** Whole minutes of a wait, rounded up and never 0 ("try again in 1 minute", not "in 0 minutes"). */
export function waitMinutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / minutes(1)));
}

/** "48 hours", "3 days", "90 minutes", "1 hour": for operators' messages (settings); pages and mail use the catalogue. */
export function durationText(ms: number): string {
  const { count, unit } = largestWholeUnit(ms);
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** A source of the current time, so tests can move time forward. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests and benchmarks. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
