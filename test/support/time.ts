/**
 * Moves `Date.now()` for a test file. rate-limiter-flexible takes its time
 * from `Date.now()` (it has no clock option), so lockout windows are tested by
 * faking the Date object only: timers, I/O and the argon2 thread pool run for
 * real. The app's own clock is the system clock here, so it moves too.
 */
import { vi } from 'vitest';

export interface FakeTime {
  advance(ms: number): void;
  restore(): void;
}

export function fakeDate(start = Date.UTC(2026, 10, 25, 9, 0, 0)): FakeTime {
  vi.useFakeTimers({ toFake: ['Date'], now: start });
  return {
    advance: (ms) => vi.setSystemTime(Date.now() + ms),
    restore: () => vi.useRealTimers(),
  };
}
