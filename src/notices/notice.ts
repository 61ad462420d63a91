/**
 * A notice: a mail to an account's owner about their account — something that happened to it (a new sign-in, a
 * changed password, a factor added), or a link or code they asked for. It is described, not written: its kind, its
 * words in the owner's catalogue, whether it carries "This wasn't me", and (rarely) another address or no account.
 * `notifyOwner` (notify.ts) turns it into a queued mail; src/views/mail.ts draws the frame.
 */
import type { Mail, MailKind } from '../db/mail-outbox.js';
import type { Messages } from '../i18n/messages.js';
import { renderMail, type ExpiredContent, type ExpiringLink, type MailContent, type WasntMeLink } from '../views/mail.js';

/** What a notice says: the frame's content but for its recipient, kind and "This wasn't me" (the notice's own). */
export type Words = Omit<MailContent, 'kind' | 'to' | 'firstName' | 'wasntMe'>;

/** What a notice's words are made of. */
export interface Occasion {
  /** The owner's catalogue (messagesForAccount): whoever caused the notice may speak another language. */
  t: Messages;
  /** When it happened: the moment the notice is queued. */
  now: number;
  /** APP_URL: a mail's links never come from a request's Host header. */
  appUrl: string;
}

export interface Notice {
  kind: MailKind;
  /** Carries a "This wasn't me" link (src/notices/wasnt-me.ts), made in the transaction that queues the notice. */
  wasntMe: boolean;
  /** Its words, in the owner's language. */
  words(o: Occasion): Words;
  /** Another address than the account's: a new address to confirm, or the owner's address of before a takeover. */
  to?: string;
  /**
   * Sent as the account is deleted, in the same transaction: the queued mail belongs to no account, so it
   * survives the delete (an account's own mail goes with it: ON DELETE CASCADE).
   */
  accountGone?: boolean;
}

/** Whom a notice greets, at which address (unless the notice names another). */
export interface Recipient {
  email: string;
  first_name: string;
}

/** The mail of `notice` to `owner`, with its "This wasn't me" link when it carries one. */
export function renderNotice(notice: Notice, owner: Recipient, o: Occasion, wasntMe?: WasntMeLink): Mail {
  return renderMail(o.t, { kind: notice.kind, to: notice.to ?? owner.email, firstName: owner.first_name, ...notice.words(o), wasntMe });
}

/** A catalogue entry that titles a notice. */
interface Titled {
  subject: string;
  heading: string;
}

/**
 * Most notices are one catalogue entry's subject and heading over a few paragraphs; `paragraphs` gets the entry,
 * the moment formatted for the owner (`at`) and their catalogue.
 */
export function told<M extends Titled>(
  kind: MailKind,
  o: { wasntMe: boolean; accountGone?: boolean },
  entry: (t: Messages) => M,
  paragraphs: (m: M, at: string, t: Messages) => string[],
): Notice {
  return {
    kind,
    ...o,
    words: ({ t, now }) => {
      const m = entry(t);
      return { ...titled(m), paragraphs: paragraphs(m, t.common.time.exact(now), t) };
    },
  };
}

/** A catalogue entry for a mail sent for a link or code: its words, and the words of the mail sent instead once that expired. */
interface ExpiringEntry extends Titled {
  /** The label of the button to the link, when the mail is sent for a link. */
  action?: string;
  expired: Titled;
}

/** The body of a mail sent for a link or code, and of the one sent instead (`instead`: no link or code in it). */
type ExpiringBody = Pick<Words, 'paragraphs' | 'after'> & { instead: Omit<ExpiredContent, 'subject' | 'heading'> };

/**
 * A mail sent for a link (its button, `entry.action`) or a code, which stops working at `secret.expiresAt`: delivered
 * after that, it goes out as `instead`, titled by the entry's `expired` words.
 */
export function expiring<M extends ExpiringEntry>(
  kind: MailKind,
  o: { wasntMe: boolean; to?: string; secret: ExpiringLink | { expiresAt: number } },
  entry: (t: Messages) => M,
  body: (m: M, o: Occasion) => ExpiringBody,
): Notice {
  const { secret, ...rest } = o;
  return {
    kind,
    ...rest,
    words: (occasion) => {
      const m = entry(occasion.t);
      const { instead, ...now } = body(m, occasion);
      const action = 'url' in secret && m.action !== undefined ? { action: { label: m.action, url: secret.url } } : {};
      return { ...titled(m), ...now, ...action, expires: { at: secret.expiresAt, instead: { ...titled(m.expired), ...instead } } };
    },
  };
}

function titled(m: Titled): Titled {
  return { subject: m.subject, heading: m.heading };
}
