import type { Kysely, KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  claimDueMail,
  enqueueMail,
  listOutbox,
  markMailFailed,
  markMailSent,
  pendingMailCount,
  type MailMessage,
} from '../../src/db/mail-outbox.js';
import type { Database } from '../../src/db/schema.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const LOCK = 60_000;

let counter = 0;
function message(overrides: Partial<MailMessage> = {}): MailMessage {
  counter++;
  return { to: `to${counter}@example.com`, subject: `Subject ${counter}`, text: `text ${counter}`, html: `<p>html ${counter}</p>`, ...overrides };
}

/**
 * `db`, but the first SELECT it runs waits for `between` before handing back
 * its rows: a deterministic "another worker acted between my SELECT and my
 * UPDATE". `between` must use another handle (SQLite holds this one's
 * connection meanwhile).
 */
function pauseAfterFirstSelect(db: Kysely<Database>, between: () => Promise<void>): Kysely<Database> {
  let selectId: string | undefined;
  let fired = false;
  const plugin: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      if (node.kind === 'SelectQueryNode' && selectId === undefined) selectId = queryId.queryId;
      return node;
    },
    transformResult: async ({ result, queryId }) => {
      if (!fired && queryId.queryId === selectId) {
        fired = true;
        await between();
      }
      return result;
    },
  };
  return db.withPlugin(plugin);
}

describe.each(forEachDatabase())('mail outbox on $name', (target) => {
  const handle = useDatabase(target);

  it('enqueues a message as pending and due at once', async () => {
    const { db } = handle();
    const m = message();
    await enqueueMail(db, m, T0);
    const rows = await listOutbox(db);
    expect(rows).toEqual([
      {
        id: expect.any(Number) as number,
        to_address: m.to,
        subject: m.subject,
        text_body: m.text,
        html_body: m.html,
        created_at: T0,
        attempts: 0,
        next_attempt_at: T0,
        locked_until: null,
        sent_at: null,
        failed_at: null,
        last_error: null,
      },
    ]);
    expect(await pendingMailCount(db)).toBe(1);
    expect(await claimDueMail(db, T0 - 1, LOCK, 10)).toEqual([]);
  });

  it('claims due rows oldest first, up to the limit, and locks them for lockMs', async () => {
    const { db } = handle();
    for (let i = 0; i < 5; i++) await enqueueMail(db, message(), T0);
    const ids = (await listOutbox(db)).map((r) => r.id);
    const first = await claimDueMail(db, T0, LOCK, 3);
    expect(first.map((r) => r.id)).toEqual(ids.slice(0, 3));
    expect(first.every((r) => r.locked_until === T0 + LOCK)).toBe(true);
    const second = await claimDueMail(db, T0 + 1, LOCK, 10);
    expect(second.map((r) => r.id)).toEqual(ids.slice(3));
    expect(await claimDueMail(db, T0 + LOCK - 1, LOCK, 10)).toEqual([]);
    // A claim whose worker died is taken over when the lock runs out.
    expect((await claimDueMail(db, T0 + LOCK, LOCK, 10)).map((r) => r.id)).toEqual(ids.slice(0, 3));
  });

  it('never hands one row to two concurrent claimers (same instance or another)', async () => {
    const { db } = handle();
    const other = target.openAnother().db;
    for (let i = 0; i < 30; i++) await enqueueMail(db, message(), T0);
    const claimers = [db, db, db, other, other, other];
    const batches = await Promise.all(claimers.map((d) => claimDueMail(d, T0, LOCK, 10)));
    const ids = batches.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Claiming until nothing is left hands out every row exactly once.
    for (;;) {
      const more = await claimDueMail(db, T0, LOCK, 10);
      if (more.length === 0) break;
      ids.push(...more.map((r) => r.id));
    }
    expect([...ids].sort((a, b) => a - b)).toEqual((await listOutbox(db)).map((r) => r.id));
  });

  if (target.name === 'sqlite') {
    // Between its SELECT and its UPDATE another worker can act on the row; the swap must notice.
    it('compare-and-swap (SQLite has no row locks): does not claim a row another worker claimed and gave up on after this claimer read it', async () => {
      const { db } = handle();
      const other = target.openAnother().db;
      await enqueueMail(db, message(), T0);
      const claimer = pauseAfterFirstSelect(db, async () => {
        const [mail] = await claimDueMail(other, T0, LOCK, 10);
        if (!mail) throw new Error('the other worker should have claimed the row');
        await markMailFailed(other, mail.id, 'rejected for good', null, T0);
      });
      expect(await claimDueMail(claimer, T0, LOCK, 10)).toEqual([]);
      expect((await listOutbox(db))[0]).toMatchObject({ failed_at: T0, attempts: 1, locked_until: null });
    });

    it('compare-and-swap (SQLite has no row locks): does not claim a row rescheduled for later after this claimer read it, and returns the current row', async () => {
      const { db } = handle();
      const other = target.openAnother().db;
      await enqueueMail(db, message(), T0);
      await enqueueMail(db, message(), T0);
      const [laterId, nowId] = (await listOutbox(db)).map((r) => r.id);
      const claimer = pauseAfterFirstSelect(db, async () => {
        const mails = await claimDueMail(other, T0, LOCK, 10);
        expect(mails.map((m) => m.id)).toEqual([laterId, nowId]);
        await markMailFailed(other, laterId!, 'try later', T0 + 5 * LOCK, T0);
        await markMailFailed(other, nowId!, 'try again now', T0, T0);
      });
      const claimed = await claimDueMail(claimer, T0, LOCK, 10);
      expect(claimed.map((m) => m.id)).toEqual([nowId]);
      expect(claimed[0]).toMatchObject({ attempts: 1, last_error: 'try again now', locked_until: T0 + LOCK });
    });
  }

  if (target.name === 'postgres') {
    // SELECT … FOR UPDATE SKIP LOCKED: while one claimer holds a row, another skips it (neither waits nor takes it).
    it('row locks (PostgreSQL): a row another claimer is claiming right now is skipped, not waited for nor handed out twice', async () => {
      const { db } = handle();
      const other = target.openAnother().db;
      for (let i = 0; i < 3; i++) await enqueueMail(db, message(), T0);
      const ids = (await listOutbox(db)).map((r) => r.id);
      let meanwhile: number[] | undefined;
      const claimer = pauseAfterFirstSelect(db, async () => {
        // The claimer has locked the first two rows and not yet stamped them; a waiting claim would hang here.
        const started = Date.now();
        meanwhile = (await claimDueMail(other, T0, LOCK, 10)).map((r) => r.id);
        expect(Date.now() - started).toBeLessThan(2000);
      });
      const claimed = await claimDueMail(claimer, T0, LOCK, 2);
      expect(claimed.map((r) => r.id)).toEqual(ids.slice(0, 2));
      expect(meanwhile).toEqual(ids.slice(2));
      expect(claimed.every((r) => r.locked_until === T0 + LOCK)).toBe(true);
      expect(await claimDueMail(other, T0, LOCK, 10)).toEqual([]);
    });

    it('row locks (PostgreSQL): a claim returns the current row, rescheduled by a worker that held it before', async () => {
      const { db } = handle();
      const other = target.openAnother().db;
      await enqueueMail(db, message(), T0);
      await enqueueMail(db, message(), T0);
      const [laterId, nowId] = (await listOutbox(db)).map((r) => r.id);
      const first = await claimDueMail(other, T0, LOCK, 10);
      expect(first.map((m) => m.id)).toEqual([laterId, nowId]);
      expect(await claimDueMail(db, T0, LOCK, 10)).toEqual([]);
      await markMailFailed(other, laterId!, 'try later', T0 + 5 * LOCK, T0);
      await markMailFailed(other, nowId!, 'try again now', T0, T0);
      const claimed = await claimDueMail(db, T0, LOCK, 10);
      expect(claimed.map((m) => m.id)).toEqual([nowId]);
      expect(claimed[0]).toMatchObject({ attempts: 1, last_error: 'try again now', locked_until: T0 + LOCK });
    });
  }

  it('markMailSent ends the message: sent_at set, attempt counted, never claimed again', async () => {
    const { db } = handle();
    await enqueueMail(db, message(), T0);
    await enqueueMail(db, message(), T0);
    const [mail] = await claimDueMail(db, T0, LOCK, 1);
    await markMailSent(db, mail!.id, T0 + 5);
    expect(await pendingMailCount(db)).toBe(1);
    const row = (await listOutbox(db)).find((r) => r.id === mail!.id);
    expect(row).toMatchObject({ sent_at: T0 + 5, attempts: 1, locked_until: null, failed_at: null });
    const later = await claimDueMail(db, T0 + 10 * LOCK, LOCK, 10);
    expect(later.map((r) => r.id)).not.toContain(mail!.id);
    expect(later).toHaveLength(1);
  });

  it('markMailFailed with a retry time reschedules, keeps it pending and stores the error (capped)', async () => {
    const { db } = handle();
    await enqueueMail(db, message(), T0);
    const [mail] = await claimDueMail(db, T0, LOCK, 1);
    await markMailFailed(db, mail!.id, 'x'.repeat(5000), T0 + 2 * LOCK, T0 + 1);
    const [row] = await listOutbox(db);
    expect(row).toMatchObject({ attempts: 1, next_attempt_at: T0 + 2 * LOCK, locked_until: null, failed_at: null, sent_at: null });
    expect(row?.last_error).toHaveLength(1000);
    expect(await pendingMailCount(db)).toBe(1);
    expect(await claimDueMail(db, T0 + 2 * LOCK - 1, LOCK, 10)).toEqual([]);
    const retried = await claimDueMail(db, T0 + 2 * LOCK, LOCK, 10);
    expect(retried.map((r) => [r.id, r.attempts])).toEqual([[mail!.id, 1]]);
    await markMailFailed(db, mail!.id, 'again', T0 + 4 * LOCK, T0 + 2 * LOCK);
    expect((await listOutbox(db))[0]).toMatchObject({ attempts: 2, last_error: 'again' });
  });

  it('markMailFailed without a retry time gives up: failed_at set, no longer pending or claimable', async () => {
    const { db } = handle();
    await enqueueMail(db, message(), T0);
    const [mail] = await claimDueMail(db, T0, LOCK, 1);
    await markMailFailed(db, mail!.id, 'mailbox unavailable', null, T0 + 7);
    expect((await listOutbox(db))[0]).toMatchObject({ failed_at: T0 + 7, next_attempt_at: T0 + 7, attempts: 1, locked_until: null });
    expect(await pendingMailCount(db)).toBe(0);
    expect(await claimDueMail(db, T0 + 100 * LOCK, LOCK, 10)).toEqual([]);
  });

  it('pendingMailCount counts unsent, not given-up messages as a number', async () => {
    const { db } = handle();
    expect(await pendingMailCount(db)).toBe(0);
    for (let i = 0; i < 4; i++) await enqueueMail(db, message(), T0);
    const [a, b] = await claimDueMail(db, T0, LOCK, 2);
    await markMailSent(db, a!.id, T0);
    await markMailFailed(db, b!.id, 'gone', null, T0);
    const n = await pendingMailCount(db);
    expect(typeof n).toBe('number');
    expect(n).toBe(2);
  });

  it('keeps far-future times exact', async () => {
    const { db } = handle();
    const far = Date.UTC(2100, 0, 1);
    await enqueueMail(db, message(), far);
    const [mail] = await claimDueMail(db, far, LOCK, 1);
    expect(mail).toMatchObject({ created_at: far, next_attempt_at: far, locked_until: far + LOCK });
    expect(typeof mail?.locked_until).toBe('number');
    await markMailSent(db, mail!.id, far + 1);
    expect((await listOutbox(db))[0]?.sent_at).toBe(far + 1);
  });
});
