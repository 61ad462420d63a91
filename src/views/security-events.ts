/** Words for the security events of an account's activity log: on the owner's security page and in the console. */
import type { ListedSecurityEvent } from '../db/security-events.js';
import type { Messages } from '../i18n/messages.js';

/**
 * The activity log's words for an event: naming the app for an app event that stored one (its name now, or "an app
 * that was removed"); a kind this version does not know (written by a newer one) as it is stored. Plain text: the
 * template escapes it, app name included.
 */
export function eventLabel(t: Messages, e: ListedSecurityEvent): string {
  const named = t.security.appEvents;
  if (e.client_id !== null && Object.hasOwn(named, e.kind)) return named[e.kind as keyof typeof named](e.app_name);
  const labels = t.security.events;
  return Object.hasOwn(labels, e.kind) ? labels[e.kind as keyof typeof labels] : e.kind;
}
