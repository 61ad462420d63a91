/**
 * What the flows report to metrics, and the no-op used when metrics are off.
 * Kept apart from metrics.ts so an app without METRICS_ENABLED never loads prom-client.
 */
export type SignInOutcome = 'success' | 'failure' | 'locked' | 'throttled';

export interface AppMetrics {
  signIn(outcome: SignInOutcome): void;
  /** The outbox gave up on a mail of this kind (src/adapters/mail/outbox-worker.ts). */
  mailFailed(kind: string): void;
  /** A back-channel logout token was sent to an app: it answered 200/204, or it did not (src/oidc/logout.ts). */
  backchannelLogout(outcome: BackchannelOutcome): void;
}

export type BackchannelOutcome = 'delivered' | 'failed';

export const metricsOff: AppMetrics = { signIn: () => undefined, mailFailed: () => undefined, backchannelLogout: () => undefined };
