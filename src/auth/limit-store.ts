/**
 * Where throttles and lockouts count: rate-limiter-flexible's limiters (fixed windows, atomic increments, blocks)
 * on this process's memory by default, or on Redis when REDIS_URL is set, so every instance shares one set of
 * counters (keys start with RATE_LIMIT_KEY_PREFIX). Time is rate-limiter-flexible's: `Date.now()` in memory, the
 * server's TTLs in Redis. The lockouts (lockout.ts), the SMS guard (sms-guard.ts) and the per-IP limits
 * (limits.ts) are built on it. See docs/decisions/008-rate-limits.md.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Keys never hold a typed login, address or number in clear (Redis keys are visible to whoever runs Redis). */
export const keyDigest = (s: string) => createHash('sha256').update(s).digest('base64url');

export type LimitVerdict = { ok: true } | { ok: false; retryAfterMs: number };

export type Limiter = RateLimiterMemory | RateLimiterRedis;

/** Builds limiters on the chosen store. */
export class LimiterFactory {
  constructor(
    private readonly redis: Redis | null,
    private readonly prefix: string,
  ) {}

  /** A small text kept beside the counters for `ttlMs` (in Redis when REDIS_URL is set, shared by every instance). */
  note(name: string): Note {
    return this.redis ? new RedisNote(this.redis, `${this.prefix}:${name}`) : new MemoryNote();
  }

  /** durationMs 0 = the count never expires. */
  make(name: string, points: number, durationMs: number): Limiter {
    const options = { keyPrefix: `${this.prefix}:${name}`, points, duration: Math.ceil(durationMs / 1000) };
    if (!this.redis) return new RateLimiterMemory(options);
    // If Redis stops answering, each instance counts in its own memory until it is back, rather than failing open.
    return new RateLimiterRedis({ ...options, storeClient: this.redis, insuranceLimiter: new RateLimiterMemory(options) });
  }
}

/** A text that forgets itself after a while: why the SMS breaker opened, for the console. */
export interface Note {
  set(value: string, ttlMs: number): Promise<void>;
  get(): Promise<string | null>;
  clear(): Promise<void>;
}

class MemoryNote implements Note {
  private value: { text: string; until: number } | null = null;

  set(text: string, ttlMs: number): Promise<void> {
    this.value = { text, until: Date.now() + ttlMs };
    return Promise.resolve();
  }

  get(): Promise<string | null> {
    return Promise.resolve(this.value && this.value.until > Date.now() ? this.value.text : null);
  }

  clear(): Promise<void> {
    this.value = null;
    return Promise.resolve();
  }
}

/**
 * In Redis, so every instance reads the same note. Only informative: when Redis does not answer, the note is
 * not kept (or read as absent) rather than failing the send that tripped the breaker or the console's page.
 */
class RedisNote implements Note {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async set(text: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key, text, 'PX', Math.max(1, Math.ceil(ttlMs))).catch(() => undefined);
  }

  async get(): Promise<string | null> {
    return this.redis.get(this.key).catch(() => null);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key).catch(() => undefined);
  }
}

/** Consume `points`; a refusal is a value, a store failure an exception. */
export async function take(limiter: Limiter, key: string, points = 1): Promise<LimitVerdict> {
  try {
    await limiter.consume(key, points);
    return { ok: true };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(error.msBeforeNext, 0) };
    throw error;
  }
}
