/** The seam to mail delivery. The outbox worker is the only caller. */
import type { MailMessage } from '../../db/mail-outbox.js';

export interface MailTransport {
  /** Delivers one message or throws; the outbox worker retries on a throw. */
  send(message: MailMessage & { from: string }): Promise<void>;
  close?(): void;
}
