/**
 * A real SMTP server on loopback for tests: the app's nodemailer transport
 * talks SMTP to it exactly as it would to a mail relay. Every accepted message
 * is parsed with mailparser so a test can read its From, To, subject, plain
 * text and HTML. The sink can be stopped and started again on the same port
 * (an outage and its recovery) and told to answer the DATA of each message with
 * a temporary failure (451) for a while.
 *
 *   const sink = await SmtpSink.start();
 *   const app = await startTestApp({ SMTP_URL: sink.url });
 *   …
 *   const [mail] = await sink.waitForMessages(1);
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerError, type SMTPServerSession } from 'smtp-server';

export interface MailAddress {
  name: string;
  address: string;
}

export interface ReceivedMail {
  /** The SMTP envelope: MAIL FROM and RCPT TO. */
  envelopeFrom: string | null;
  envelopeTo: string[];
  /** The parsed headers and bodies. */
  from: MailAddress[];
  to: MailAddress[];
  subject: string;
  text: string;
  html: string | null;
  /** The message exactly as it came over the wire. */
  raw: string;
}

export interface DeliveryAttempt {
  /** Date.now() when the message had been transmitted. */
  at: number;
  envelopeTo: string[];
  accepted: boolean;
}

export interface Rejection {
  /** SMTP reply code; 4xx is a temporary failure a client should retry. Default 451. */
  code?: number;
  message?: string;
  /** Reject only this many messages, then accept again. Default: until `acceptAll()`. */
  times?: number;
}

const DEFAULT_WAIT_MS = 5_000;

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  return [field ?? []]
    .flat()
    .flatMap((group) => group.value)
    .map((a) => ({ name: a.name, address: a.address ?? '' }));
}

export class SmtpSink {
  private server: SMTPServer | null = null;
  private portNumber = 0;
  private readonly received: ReceivedMail[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];
  private rejection: { code: number; message: string; remaining: number } | null = null;
  /** Every message a client transmitted, accepted or refused, in order of arrival. */
  readonly deliveries: DeliveryAttempt[] = [];

  private constructor() {}

  /** Starts a sink on 127.0.0.1; port 0 picks a free port. */
  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink();
    sink.portNumber = port;
    await sink.listen();
    return sink;
  }

  get port(): number {
    return this.portNumber;
  }

  /** The value for SMTP_URL. */
  get url(): string {
    return `smtp://127.0.0.1:${this.portNumber}`;
  }

  /** Messages the sink refused (transmitted in full, then answered with an error). */
  get rejectedCount(): number {
    return this.deliveries.filter((d) => !d.accepted).length;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Every message accepted so far, oldest first. */
  get messages(): readonly ReceivedMail[] {
    return this.received;
  }

  /** Stops listening and drops open connections: clients now get "connection refused". */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Do not wait for a client's idle connection: end it as an outage would.
      for (const connection of server.connections) connection.close();
    });
  }

  /** Listens again on the same port as before. */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  /** Answers each message with `code` (default 451, a temporary failure) until `acceptAll()` or `times` messages. */
  reject(rejection: Rejection = {}): void {
    this.rejection = {
      code: rejection.code ?? 451,
      message: rejection.message ?? '4.3.0 Temporary failure, try again later',
      remaining: rejection.times ?? Number.POSITIVE_INFINITY,
    };
  }

  acceptAll(): void {
    this.rejection = null;
  }

  /**
   * Waits for the next `count` messages after the ones already taken (by an
   * earlier wait or `takeUnread`) and returns them; throws after `timeoutMs`.
   */
  async waitForMessages(count = 1, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length - this.cursor < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`SMTP sink: waited ${timeoutMs} ms for ${count} message(s), got ${this.received.length - this.cursor}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const next = this.received.slice(this.cursor, this.cursor + count);
    this.cursor += count;
    return next;
  }

  /** The messages that arrived since the last wait or take, and marks them taken. */
  takeUnread(): ReceivedMail[] {
    const unread = this.received.slice(this.cursor);
    this.cursor = this.received.length;
    return unread;
  }

  private async listen(): Promise<void> {
    const server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // A reverse DNS lookup of 127.0.0.1 costs ~100 ms per connection here.
      disableReverseLookup: true,
      // A client left connected when the sink stops is cut off at once.
      closeTimeout: 100,
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.portNumber, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    // Errors after start (a client resetting its connection) are not the test's concern.
    server.on('error', () => undefined);
    this.portNumber = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const attempt = { at: Date.now(), envelopeTo: session.envelope.rcptTo.map((r) => r.address), accepted: true };
      this.deliveries.push(attempt);
      if (this.rejection && this.rejection.remaining > 0) {
        this.rejection.remaining--;
        attempt.accepted = false;
        const error: SMTPServerError = new Error(this.rejection.message);
        error.responseCode = this.rejection.code;
        callback(error);
        return;
      }
      simpleParser(Buffer.concat(chunks)).then(
        (parsed) => {
          this.received.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            envelopeTo: attempt.envelopeTo,
            from: addresses(parsed.from),
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
            raw,
          });
          callback();
          const waiters = this.waiters;
          this.waiters = [];
          for (const wake of waiters) wake();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }
}

/** Polls `check` until it returns a truthy value (which it returns) or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, description: string, timeoutMs = DEFAULT_WAIT_MS, intervalMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
