/**
 * A mail the outbox gave up on (src/db/mail-outbox.ts), made through the real flow: a password reset asked for
 * over HTTP, a real SMTP server (test/support/smtp-sink.ts) refusing it, and the clock moved past MAIL_RETRY_FOR.
 * For the console's mail page and the attacks on it.
 */
import { expect } from 'vitest';
import { listOutbox } from '../../src/db/mail-outbox.js';
import { hours, type ManualClock } from '../../src/lib/duration.js';
import { createUser, type TestApp } from './app.js';
import { csrfTokenIn, TestClient } from './client.js';
import { eventually, type Rejection, type SmtpSink } from './smtp-sink.js';

/**
 * A password-reset mail for a new account that the SMTP server refuses (with `refusal`) until the outbox gives it
 * up. The app must run with MAIL_RETRY_FOR=24h on `clock`, sending to `sink`; the sink is left refusing.
 */
export async function failedResetMail(on: { t: TestApp; sink: SmtpSink; clock: ManualClock }, ip: string, refusal: Rejection) {
  const { t, sink, clock } = on;
  const user = await createUser(t.app);
  sink.reject(refusal);
  const client = new TestClient(t.app, ip);
  const form = await client.get('/reset-password');
  expect((await client.post('/reset-password', { _csrf: csrfTokenIn(form.body), email: user.email })).status).toBe(200);
  await t.app.outbox.deliverDue(); // the first try (the worker's kick may have made it already: claims keep it to one)
  clock.advance(hours(25));
  // Past MAIL_RETRY_FOR: the next try gives it up (ours, or the running worker's if it claimed the row first).
  const row = await eventually(async () => {
    await t.app.outbox.deliverDue();
    return (await listOutbox(t.app.ctx.db)).find((r) => r.to_address === user.email && r.failed_at !== null);
  }, 'the mail given up on');
  return { user, row };
}
