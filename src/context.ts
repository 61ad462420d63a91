/** What every feature receives: the config and the adapters chosen at build time. */
import type { Kysely } from 'kysely';
import type { OutboxWorker } from './adapters/mail/outbox-worker.js';
import type { Limits } from './auth/limits.js';
import type { PwnedPasswords } from './adapters/pwned-passwords/types.js';
import type { VerifyService } from './adapters/verify/types.js';
import type { Config } from './config.js';
import type { Database } from './db/schema.js';
import type { AppMetrics } from './http/metrics-off.js';
import type { Clock } from './lib/duration.js';

export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  clock: Clock;
  verify: VerifyService;
  /**
   * Flows queue mail in their transaction (`mail.enqueue`: sealed, with the account it is about), then call
   * `mail.kick()` after the commit.
   */
  mail: Pick<OutboxWorker, 'enqueue' | 'kick'>;
  /** The breached-password check for new passwords (off unless PWNED_PASSWORDS_CHECK=true). */
  pwnedPasswords: PwnedPasswords;
  /** Throttles, lockouts and the SMS guard (src/auth/limits.ts). */
  limits: Limits;
  /** Counters the flows report to (Prometheus when METRICS_ENABLED=true, else a no-op). */
  metrics: AppMetrics;
}
