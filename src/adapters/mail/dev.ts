/** Development delivery: the message goes to the log and to /dev/outbox instead of a mailbox. */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { addDevMessage } from '../../db/dev-outbox.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../lib/duration.js';
import type { MailTransport } from './types.js';

export class DevMailTransport implements MailTransport {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  async send(message: { from: string; to: string; subject: string; text: string; html: string }): Promise<void> {
    await addDevMessage(this.db, {
      kind: 'email',
      recipient: message.to,
      subject: message.subject,
      text_body: message.text,
      html_body: message.html,
      created_at: this.clock.now(),
    });
    this.log.info({ devOutbox: true, to: message.to, subject: message.subject }, `DEV OUTBOX: email to ${message.to}: ${message.subject}\n${message.text}`);
  }
}
