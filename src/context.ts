/** What every feature receives: the config and the adapters chosen at build time. */
import type { Kysely } from 'kysely';
import type { OutboxWorker } from './adapters/mail/outbox-worker.js';
import type { Limits } from './auth/limits.js';
import type { PwnedPasswords } from './adapters/pwned-passwords/types.js';
import type { VerifyService } from './adapters/verify/types.js';
import type { Config } from './config.js';
import type { Database } from './db/schema.js';
import type { EndedSession } from './db/sessions.js';
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
  /** Tells the OpenID Connect provider about ended Gatehouse sessions (src/oidc/logout.ts), so no feature imports it. */
  identityProvider: IdentityProviderSessions;
}

/**
 * Why Gatehouse sessions ended. `signed-out`: the person signed out (or ended one session); what an app was given
 * for `offline_access` outlives it, as it outlives the browser session by design. `account-secured`: something said
 * the account may be in other hands (src/auth/sign-out-everywhere.ts); every grant of the account is gone already.
 */
export type SessionsEndedReason = 'signed-out' | 'account-secured';

export interface IdentityProviderSessions {
  /**
   * For each provider session that stood for one of these Gatehouse sessions: every app signed in through it is told
   * (back-channel logout, where it registered an address), its grants end (but `offline_access` ones on a plain
   * sign-out) and the provider session ends. Call it after the sessions were deleted and the deletion committed. An
   * app that does not answer is logged and counted, never a failure of the sign-out.
   */
  sessionsEnded(sessions: readonly EndedSession[], reason: SessionsEndedReason): Promise<void>;
  /**
   * "Remove access" took an app's grants and tokens away (committed): each of the person's provider sessions (found
   * by their Gatehouse sessions) that signed the app in tells it (back-channel logout, where it registered an
   * address) and forgets it. The person stays signed in to Gatehouse and to the other apps. `sub` is the account's
   * `users.oidc_subject`. An app that does not answer is logged and counted, never a failure of the removal.
   */
  appAccessRemoved(userId: number, sub: string | null, clientId: string): Promise<void>;
}
