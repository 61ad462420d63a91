/**
 * Password hashing with argon2id at OWASP's recommended minimum
 * (m = 19 MiB, t = 2, p = 1; OWASP Password Storage Cheat Sheet). @node-rs/argon2
 * hashes on libuv's thread pool, so a sign-in never blocks the event loop.
 * Every hash and check goes through one bounded gate: at most HASH_CONCURRENCY
 * run at once, HASH_QUEUE_MAX_LENGTH wait (each at most HASH_QUEUE_MAX_WAIT_MS),
 * and any beyond get PasswordHashingBusyError, which the error handler answers
 * with a 503 "busy, try again" page.
 */
import { availableParallelism } from 'node:os';
import { hash, verify, type Options } from '@node-rs/argon2';
import { seconds } from '../lib/duration.js';

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  /** KiB: 19 MiB. */
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} satisfies Options;

/** What a new hash costs: ARGON2_OPTIONS, except in the test suite (setNewHashCost). */
let newHashOptions: Options = ARGON2_OPTIONS;

/**
 * The test suite's seam (decision 023): new hashes are made with `options` instead of ARGON2_OPTIONS, so the
 * thousands of sign-ins of a test run do not each spend 19 MiB and ~12 ms. A stored hash carries its own
 * parameters, which verification reads, so nothing else changes. Nothing under src/ may call it (eslint).
 */
export function setNewHashCost(options: Options): void {
  newHashOptions = options;
}

/** Passwords are NFKC-normalised so the same passphrase typed on two keyboards matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

// ---- Bounded hashing: a flood of sign-ins queues briefly, then gets a 503, never unbounded memory ----

/**
 * libuv's thread pool size when UV_THREADPOOL_SIZE is unset. Hashes run there
 * (with file reads and DNS lookups), so more hashes in flight than threads only
 * queue inside libuv, out of our sight and ahead of everything else.
 */
export const LIBUV_DEFAULT_THREADPOOL_SIZE = 4;
/**
 * HASH_CONCURRENCY's default: one hash more than there are cores (each hash is single-threaded, p = 1), at most the
 * thread pool's size. With one per core, a core sat idle whenever a hash had finished and the event loop was still
 * busy with other requests before it could start the next: the spare hash keeps every core at work. Measured with
 * `npm run bench -- --sign-in` on 2 cores (docs/performance.md): idle time per sign-in 1.0–1.5 ms → 0.3–0.5 ms,
 * and visitors' p99 during a sign-in storm unchanged.
 */
export const DEFAULT_HASH_CONCURRENCY = Math.max(1, Math.min(availableParallelism() + 1, LIBUV_DEFAULT_THREADPOOL_SIZE));
/**
 * Hashes that may wait for a free slot. Each waiter holds one request (a few KiB), so the queue's memory is
 * bounded; at 2 cores and ~50 ms a hash, 64 waiters drain in well under HASH_QUEUE_MAX_WAIT_MS.
 */
export const HASH_QUEUE_MAX_LENGTH = 64;
/** A hash that has waited this long gives up: the user gets "busy, try again" rather than a hung page. */
export const HASH_QUEUE_MAX_WAIT_MS = seconds(2);

/** Too many password hashes in flight and waiting: the request is answered 503 "busy, try again" (src/http/errors.ts). */
export class PasswordHashingBusyError extends Error {
  readonly statusCode = 503;
  readonly code = 'GATEHOUSE_HASHING_BUSY';
  constructor(reason: 'queue full' | 'waited too long') {
    super(`password hashing is busy (${reason})`);
    this.name = 'PasswordHashingBusyError';
  }
}

export interface HashingLimits {
  /** Hashes running at once. Default DEFAULT_HASH_CONCURRENCY. */
  concurrency: number;
  /** Hashes waiting for a slot. Default HASH_QUEUE_MAX_LENGTH. */
  maxQueue: number;
  /** How long a hash may wait for a slot. Default HASH_QUEUE_MAX_WAIT_MS. */
  maxWaitMs: number;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

/**
 * A counting semaphore with a bounded, time-limited FIFO queue. One per process
 * (the thread pool is the process's), so every app built in the process shares it.
 */
class HashingGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private limits: HashingLimits) {}

  configure(limits: Partial<HashingLimits>): void {
    this.limits = { ...this.limits, ...limits };
    this.grantFree();
  }

  stats(): { running: number; waiting: number } & HashingLimits {
    return { running: this.running, waiting: this.waiting.length, ...this.limits };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.running--;
      this.grantFree();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limits.concurrency && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxQueue) return Promise.reject(new PasswordHashingBusyError('queue full'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          this.running++;
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new PasswordHashingBusyError('waited too long'));
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private grantFree(): void {
    while (this.running < this.limits.concurrency && this.waiting.length > 0) this.waiting.shift()!.grant();
  }
}

const gate = new HashingGate({ concurrency: DEFAULT_HASH_CONCURRENCY, maxQueue: HASH_QUEUE_MAX_LENGTH, maxWaitMs: HASH_QUEUE_MAX_WAIT_MS });

/** Sets the bounds (buildApp passes HASH_CONCURRENCY); the rest keep their defaults. */
export function configurePasswordHashing(limits: Partial<HashingLimits>): void {
  gate.configure(limits);
}

/** Hashes running and waiting now, and the bounds (metrics, tests). */
export function passwordHashingStats(): { running: number; waiting: number } & HashingLimits {
  return gate.stats();
}

/** Throws PasswordHashingBusyError when too many hashes are running and waiting. */
export async function hashPassword(password: string): Promise<string> {
  return gate.run(() => hash(normalizePassword(password), newHashOptions));
}

/** Throws PasswordHashingBusyError when too many hashes are running and waiting; false for a wrong password. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return gate.run(async () => {
    try {
      return await verify(passwordHash, normalizePassword(password));
    } catch {
      return false; // a malformed stored hash is a failed sign-in, not a crash
    }
  });
}

let dummyHash: Promise<string> | null = null;

/**
 * Spends the same time as a real check when the account does not exist, so
 * response time does not tell an attacker which usernames are registered.
 * Goes through the same bound (and may throw PasswordHashingBusyError).
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  if (dummyHash === null) {
    const made = hashPassword('gatehouse-dummy-password-for-timing');
    dummyHash = made;
    made.catch(() => {
      if (dummyHash === made) dummyHash = null; // busy now: try again next time, do not cache the failure
    });
  }
  await verifyPassword(await dummyHash, password);
  return false;
}
