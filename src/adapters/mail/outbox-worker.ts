/**
 * Delivers the mail outbox. Flows only insert rows (in their own transaction,
 * sealed: `enqueue`); this worker claims due rows, opens and sends them, and on
 * failure retries with exponential back-off and jitter for MAIL_RETRY_FOR
 * (3 days by default), so an SMTP outage delays mail but loses none. Past that
 * the mail is marked failed, logged at error level and counted
 * (`gatehouse_mail_failed_total`); `npm run admin -- mail retry` queues it again.
 *
 * A mail whose link or code expired while it waited is not sent stale: the
 * message sealed beside it for that case goes instead (src/views/mail.ts).
 * See docs/decisions/005-mail-outbox.md.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { claimDueMail, enqueueMail, markMailFailed, markMailSent, type Mail, type MailSeal } from '../../db/mail-outbox.js';
import type { Database, OutboxMail } from '../../db/schema.js';
import type { AppMetrics } from '../../http/metrics-off.js';
import { withDeadline } from '../../lib/deadline.js';
import { days, hours, minutes, seconds, type Clock } from '../../lib/duration.js';
import type { MailTransport } from './types.js';

/** The first retry waits about this long; each next one twice as long (30 s, 1 min, 2 min, 4 min …). */
export const RETRY_BASE_MS = seconds(30);
/** The longest wait between two tries: once an outage ends, waiting mail goes out within the hour. */
export const RETRY_CAP_MS = hours(1);
/**
 * MAIL_RETRY_FOR's default: how long a mail is retried after it was queued before it is given up on. Three days
 * outlast an outage over a weekend; mail servers themselves keep trying for about five.
 */
export const DEFAULT_MAIL_RETRY_FOR_MS = days(3);
/** The shortest MAIL_RETRY_FOR accepts: an outage overnight must lose no mail (issue #12: at least 24 hours). */
export const MIN_MAIL_RETRY_FOR_MS = hours(24);
/** The longest: every link a mail carries ("This wasn't me" lasts 7 days, the longest) has expired by then. */
export const MAX_MAIL_RETRY_FOR_MS = days(7);

export interface OutboxWorkerOptions {
  /** How often the worker looks for due mail when nobody kicks it. Default 5 s. */
  pollIntervalMs?: number;
  /** The first retry's wait before jitter; doubles each attempt. Default RETRY_BASE_MS (30 s). */
  retryBaseMs?: number;
  /** The longest wait between tries, before jitter. Default RETRY_CAP_MS (1 h). */
  retryCapMs?: number;
  /** MAIL_RETRY_FOR: retries stop this long after the mail was queued (or re-queued). Default 3 days. */
  retryForMs?: number;
  /** How long a claim holds before another worker may take the row. Default 2 min. */
  claimMs?: number;
  /** The jitter's source, [0, 1). Default Math.random. */
  random?: () => number;
  /** Where a mail given up on is counted. Default: nowhere (metrics off). */
  metrics?: Pick<AppMetrics, 'mailFailed'>;
}

const BATCH_SIZE = 20;

/**
 * The wait after the `failedAttempts`-th failed try: `baseMs` doubled for each
 * try before it, at most `capMs`, then drawn uniformly between half of that and
 * all of it ("equal jitter"), so the mail of one outage does not all come back
 * in the same second, and no wait is shorter than half the schedule's.
 */
export function retryDelay(failedAttempts: number, baseMs: number, capMs: number, random: () => number): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 40));
  return Math.round(full / 2 + random() * (full / 2));
}

export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = true;
  private readonly pollIntervalMs: number;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;
  private readonly retryForMs: number;
  private readonly claimMs: number;
  private readonly random: () => number;
  private readonly metrics: Pick<AppMetrics, 'mailFailed'>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly transport: MailTransport,
    private readonly seal: MailSeal,
    private readonly from: string,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    options: OutboxWorkerOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? seconds(5);
    this.retryBaseMs = options.retryBaseMs ?? RETRY_BASE_MS;
    this.retryCapMs = options.retryCapMs ?? RETRY_CAP_MS;
    this.retryForMs = options.retryForMs ?? DEFAULT_MAIL_RETRY_FOR_MS;
    this.claimMs = options.claimMs ?? minutes(2);
    this.random = options.random ?? Math.random;
    this.metrics = options.metrics ?? { mailFailed: () => undefined }; // no metrics: nothing counted
  }

  /** Queues `mail` in `db` (the flow's transaction), sealed; `userId` is the account it is about (null: none). Call `kick()` after the commit. */
  async enqueue(db: Kysely<Database>, mail: Mail, userId: number | null, now: number): Promise<void> {
    await enqueueMail(db, this.seal, mail, userId, now);
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
      for (const mail of batch) if (await this.deliver(mail)) delivered++;
      if (batch.length < BATCH_SIZE) return delivered;
    }
  }

  /** Sends one claimed mail; true when it went out. */
  private async deliver(mail: OutboxMail): Promise<boolean> {
    const sealed = mail.content === null ? null : this.seal.open(mail.content);
    if (!sealed) {
      // Retrying cannot help; `mail retry` can, once the SECRET_KEY it was sealed under is back.
      await markMailFailed(this.db, mail.id, 'cannot open the sealed mail: SECRET_KEY changed since it was queued, or the row is damaged', null, this.clock.now());
      this.gaveUp(mail, mail.attempts + 1, 'cannot open the sealed mail (SECRET_KEY changed?)');
      return false;
    }
    // A link or code that expired while the mail waited is not sent: the message saying so goes instead.
    const expired = sealed.expiry !== null && this.clock.now() >= sealed.expiry.at;
    const message = expired ? sealed.expiry!.instead : sealed.message;
    try {
      // A send must end well inside the claim, or another worker could claim the row and send it again.
      await withDeadline(this.transport.send({ ...message, from: this.from }), this.claimMs / 2, 'mail delivery');
    } catch (error) {
      const attempts = mail.attempts + 1;
      const failedAt = this.clock.now();
      const deadline = mail.queued_at + this.retryForMs;
      // The last try is at the deadline itself, so a mail is retried for the whole of MAIL_RETRY_FOR.
      const next = failedAt >= deadline ? null : Math.min(deadline, failedAt + retryDelay(attempts, this.retryBaseMs, this.retryCapMs, this.random));
      const reason = error instanceof Error ? error.message : String(error);
      await markMailFailed(this.db, mail.id, reason, next, failedAt);
      if (next === null) this.gaveUp(mail, attempts, reason);
      else this.log.warn({ err: error, mailId: mail.id, kind: mail.kind, attempts, nextAttemptAt: next }, 'mail delivery failed; will retry');
      return false;
    }
    await markMailSent(this.db, mail.id, this.clock.now());
    if (expired) this.log.info({ mailId: mail.id, kind: mail.kind }, 'mail delivered after its link or code had expired: sent the notice that says so instead');
    return true;
  }

  /** Error level and a metric: an operator must hear of mail that did not go (`npm run admin -- mail list --failed`). */
  private gaveUp(mail: OutboxMail, attempts: number, reason: string): void {
    this.metrics.mailFailed(mail.kind);
    this.log.error(
      { mailId: mail.id, kind: mail.kind, attempts, queuedAt: mail.queued_at, lastError: reason },
      'mail given up on: not delivered; see `npm run admin -- mail list --failed`, and `mail retry` to send it again',
    );
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
