/** Delivery over SMTP with nodemailer (SMTP_URL or SMTP_HOST…). */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { SmtpSettings } from '../../config.js';
import { seconds } from '../../lib/duration.js';
import type { MailTransport } from './types.js';

/** An SMTP server that does not answer must not hold a worker for minutes (nodemailer's defaults). */
const SMTP_CONNECTION_TIMEOUT_MS = seconds(10);
const SMTP_SOCKET_TIMEOUT_MS = seconds(30);

export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(settings: SmtpSettings) {
    const timeouts = { connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS, greetingTimeout: SMTP_CONNECTION_TIMEOUT_MS, socketTimeout: SMTP_SOCKET_TIMEOUT_MS };
    const options: SMTPTransport.Options = settings.url
      ? { url: settings.url, ...timeouts }
      : {
          host: settings.host,
          port: settings.port,
          secure: settings.secure ?? false,
          auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
          ...timeouts,
        };
    this.transporter = nodemailer.createTransport(options);
  }

  async send(message: { from: string; to: string; subject: string; text: string; html: string }): Promise<void> {
    await this.transporter.sendMail(message);
  }

  close(): void {
    this.transporter.close();
  }
}
