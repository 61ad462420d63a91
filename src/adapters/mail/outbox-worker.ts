/**
 * Delivers the mail outbox. Flows only insert rows (in their own transaction);
 * this worker claims due rows, sends them, and on failure schedules a retry
 * with exponential back-off, giving up after MAX_ATTEMPTS. A crash or an SMTP
 * outage therefore loses no message: the row stays until it is sent.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { claimDueMail, markMailFailed, markMailSent } from '../../db/mail-outbox.js';
import type { Database } from '../../db/schema.js';
import { withDeadline } from '../../lib/deadline.js';
import { minutes, seconds, type Clock } from '../../lib/duration.js';
import type { MailTransport } from './types.js';

export interface OutboxWorkerOptions {
  /** How often the worker looks for due mail when nobody kicks it. Default 5 s. */
  pollIntervalMs?: number;
  /** First retry delay; doubles each attempt (30 s, 1 min, 2 min, 4 min). Default 30 s. */
  retryBaseMs?: number;
  /** Attempts before a message is given up on. Default 5 (the figure). */
  maxAttempts?: number;
  /** How long a claim holds before another worker may take the row. Default 2 min. */
  claimMs?: number;
}

const BATCH_SIZE = 20;

export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = true;
  private readonly pollIntervalMs: number;
  private readonly retryBaseMs: number;
  private readonly maxAttempts: number;
  private readonly claimMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly transport: MailTransport,
    private readonly from: string,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    options: OutboxWorkerOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? seconds(5);
    this.retryBaseMs = options.retryBaseMs ?? seconds(30);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.claimMs = options.claimMs ?? minutes(2);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a delivery pass now (after a flow committed a message). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.rerun = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One delivery pass (the timer calls it; tests call it directly). */
  async deliverDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const now = this.clock.now();
      const batch = await claimDueMail(this.db, now, this.claimMs, BATCH_SIZE);
      if (batch.length === 0) return delivered;
      for (const mail of batch) {
        try {
          // A send must end well inside the claim, or another worker could claim the row and send it again.
          await withDeadline(
            this.transport.send({ from: this.from, to: mail.to_address, subject: mail.subject, text: mail.text_body, html: mail.html_body }),
            this.claimMs / 2,
            'mail delivery',
          );
          await markMailSent(this.db, mail.id, this.clock.now());
          delivered++;
        } catch (error) {
          const attempts = mail.attempts + 1;
          const giveUp = attempts >= this.maxAttempts;
          const next = giveUp ? null : this.clock.now() + this.retryBaseMs * 2 ** (attempts - 1);
          await markMailFailed(this.db, mail.id, error instanceof Error ? error.message : String(error), next, this.clock.now());
          this.log[giveUp ? 'error' : 'warn']({ err: error, mailId: mail.id, attempts }, giveUp ? 'mail delivery failed for good' : 'mail delivery failed; will retry');
        }
      }
      if (batch.length < BATCH_SIZE) return delivered;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    this.timer = null;
    this.running = this.deliverDue().then(
      () => undefined,
      (error: unknown) => this.log.error({ err: error }, 'mail outbox pass failed'),
    );
    await this.running;
    this.running = null;
    const again = this.rerun;
    this.rerun = false;
    this.schedule(again ? 0 : this.pollIntervalMs);
  }
}
