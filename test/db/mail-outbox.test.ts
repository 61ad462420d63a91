import type { Kysely, KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  claimDueMail,
  enqueueMail as enqueueSealed,
  failedMailCount,
  listOutbox,
  listUndeliveredMail,
  MAIL_RECORD_RETENTION_MS,
  MailSeal,
  markMailFailed,
  markMailSent,
  pendingMailCount,
  purgeOldMail,
  requeueFailedMail,
  sealCarriedOverMail,
  UNSEALED_PREFIX,
  type Mail,
} from '../../src/db/mail-outbox.js';
import { purgeExpired } from '../../src/db/housekeeping.js';
import type { Database } from '../../src/db/schema.js';
import { deleteUser } from '../../src/db/users.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);
const LOCK = 60_000;
const SEAL = new MailSeal('mail-outbox-test-secret-key-that-is-long-enough');

let counter = 0;
function message(overrides: Partial<Mail['message']> = {}): Mail {
  counter++;
  return {
    kind: 'password_reset',
    message: { to: `to${counter}@example.com`, subject: `Subject ${counter}`, text: `text ${counter}`, html: `<p>html ${counter}</p>`, ...overrides },
    expiry: null,
  };
}

/** Queues `mail` sealed, about no account. */
const enqueueMail = (db: Kysely<Database>, mail: Mail, now: number, userId: number | null = null) => enqueueSealed(db, SEAL, mail, userId, now);

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

  it('enqueues a message as pending and due at once, its subject and bodies sealed', async () => {
    const { db } = handle();
    const m = message({ subject: 'Your code is 123456', text: 'https://x.example/reset-password/SECRET-TOKEN' });
    await enqueueMail(db, m, T0);
    const rows = await listOutbox(db);
    expect(rows).toEqual([
      {
        id: expect.any(Number) as number,
        kind: 'password_reset',
        user_id: null,
        to_address: m.message.to,
        content: expect.stringMatching(/^v1\./) as string,
        created_at: T0,
        queued_at: T0,
        attempts: 0,
        next_attempt_at: T0,
        locked_until: null,
        sent_at: null,
        failed_at: null,
        last_error: null,
      },
    ]);
    const content = rows[0]!.content!;
    for (const secret of ['123456', 'SECRET-TOKEN', m.message.subject, m.message.html]) expect(content).not.toContain(secret);
    expect(SEAL.open(content)).toEqual({ message: m.message, expiry: null });
    // Another SECRET_KEY cannot open it (nor can anyone without one).
    expect(new MailSeal('another-secret-key-that-is-long-enough-too').open(content)).toBeNull();
    expect(await pendingMailCount(db)).toBe(1);
    expect(await claimDueMail(db, T0 - 1, LOCK, 10)).toEqual([]);
  });

  it('keeps the expired-link version sealed with the message', async () => {
    const { db } = handle();
    const m: Mail = { ...message(), expiry: { at: T0 + 1000, instead: { to: 'a@example.com', subject: 'It expired', text: 'Ask again', html: '<p>Ask again</p>' } } };
    await enqueueMail(db, m, T0);
    expect(SEAL.open((await listOutbox(db))[0]!.content!)).toEqual({ message: m.message, expiry: m.expiry });
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

  it('markMailSent ends the message: sent_at set, attempt counted, its content gone, never claimed again', async () => {
    const { db } = handle();
    await enqueueMail(db, message(), T0);
    await enqueueMail(db, message(), T0);
    const [mail] = await claimDueMail(db, T0, LOCK, 1);
    await markMailSent(db, mail!.id, T0 + 5);
    expect(await pendingMailCount(db)).toBe(1);
    const row = (await listOutbox(db)).find((r) => r.id === mail!.id);
    expect(row).toMatchObject({ sent_at: T0 + 5, attempts: 1, locked_until: null, failed_at: null, content: null, kind: 'password_reset', to_address: mail!.to_address });
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

  it('markMailFailed without a retry time gives up: failed_at set, no longer pending or claimable, content kept for a retry', async () => {
    const { db } = handle();
    await enqueueMail(db, message(), T0);
    const [mail] = await claimDueMail(db, T0, LOCK, 1);
    await markMailFailed(db, mail!.id, 'mailbox unavailable', null, T0 + 7);
    expect((await listOutbox(db))[0]).toMatchObject({ failed_at: T0 + 7, next_attempt_at: T0 + 7, attempts: 1, locked_until: null, content: mail!.content });
    expect(await pendingMailCount(db)).toBe(0);
    expect(await failedMailCount(db)).toBe(1);
    expect(await claimDueMail(db, T0 + 100 * LOCK, LOCK, 10)).toEqual([]);
  });

  it('requeueFailedMail puts failed mail back, due at once and queued anew; it leaves waiting and sent mail alone', async () => {
    const { db } = handle();
    for (let i = 0; i < 4; i++) await enqueueMail(db, message(), T0);
    const [failedA, failedB, sent] = await claimDueMail(db, T0, LOCK, 3);
    await markMailFailed(db, failedA!.id, 'gone', null, T0 + 1);
    await markMailFailed(db, failedB!.id, 'gone', null, T0 + 1);
    await markMailSent(db, sent!.id, T0 + 1);
    const waiting = (await listOutbox(db))[3]!;

    expect(await requeueFailedMail(db, [failedA!.id, sent!.id, waiting.id], T0 + 10)).toEqual([failedA!.id]);
    expect((await listOutbox(db)).find((r) => r.id === failedA!.id)).toMatchObject({ failed_at: null, next_attempt_at: T0 + 10, queued_at: T0 + 10, attempts: 1 });
    expect(await failedMailCount(db)).toBe(1);
    expect(await requeueFailedMail(db, null, T0 + 20)).toEqual([failedB!.id]);
    expect(await requeueFailedMail(db, null, T0 + 30)).toEqual([]);
    expect(await failedMailCount(db)).toBe(0);
    expect((await claimDueMail(db, T0 + 30, LOCK, 10)).map((r) => r.id)).toEqual([failedA!.id, failedB!.id, waiting.id]);
  });

  it('listUndeliveredMail lists waiting and failed mail newest first (or failed only), without content', async () => {
    const { db } = handle();
    for (let i = 0; i < 3; i++) await enqueueMail(db, message(), T0);
    const [failed, sent] = await claimDueMail(db, T0, LOCK, 2);
    await markMailFailed(db, failed!.id, '451 try later', null, T0 + 1);
    await markMailSent(db, sent!.id, T0 + 1);
    const waitingId = (await listOutbox(db))[2]!.id;
    const all = await listUndeliveredMail(db, { failedOnly: false, limit: 10 });
    expect(all.map((m) => m.id)).toEqual([waitingId, failed!.id]);
    expect(all[0]).not.toHaveProperty('content');
    expect((await listUndeliveredMail(db, { failedOnly: true, limit: 10 })).map((m) => [m.id, m.last_error])).toEqual([[failed!.id, '451 try later']]);
    expect(await listUndeliveredMail(db, { failedOnly: false, limit: 1 })).toHaveLength(1);
  });

  it('the hourly purge deletes sent and failed rows past MAIL_RECORD_RETENTION_MS, never waiting ones', async () => {
    const { db } = handle();
    for (let i = 0; i < 4; i++) await enqueueMail(db, message(), T0);
    const [oldSent, oldFailed, recentSent] = await claimDueMail(db, T0, LOCK, 3);
    await markMailSent(db, oldSent!.id, T0);
    await markMailFailed(db, oldFailed!.id, 'gone', null, T0);
    await markMailSent(db, recentSent!.id, T0 + 1000);
    const now = T0 + MAIL_RECORD_RETENTION_MS + 1;
    expect(Number((await purgeOldMail(db, now - 2)).numDeletedRows)).toBe(0);
    expect(await purgeExpired(db, now)).toBe(2);
    expect((await listOutbox(db)).map((r) => r.id)).not.toContain(oldSent!.id);
    expect(await listOutbox(db)).toHaveLength(2); // the recent one and the one still waiting (queued long ago)
  });

  it("deleting an account deletes its mail, sent or not; mail about no account stays", async () => {
    const { db } = handle();
    const gone = await insertTestUser(db, { username: 'leaving' });
    const stays = await insertTestUser(db, { username: 'staying' });
    await enqueueMail(db, message(), T0, gone.id);
    await enqueueMail(db, message(), T0, gone.id);
    await enqueueMail(db, message(), T0, stays.id);
    await enqueueMail(db, message(), T0, null);
    const [first] = await claimDueMail(db, T0, LOCK, 1);
    await markMailSent(db, first!.id, T0);
    await deleteUser(db, gone.id);
    expect((await listOutbox(db)).map((r) => r.user_id)).toEqual([stays.id, null]);
  });

  it('sealCarriedOverMail seals what migration 013 carried over unsealed, once', async () => {
    const { db } = handle();
    await enqueueMail(db, message(), T0);
    const carried = { message: { to: 'old@example.com', subject: 'Reset', text: 'https://x.example/reset-password/OLD-TOKEN', html: '<p>old</p>' }, expiry: null };
    await sql`insert into mail_outbox (kind, to_address, content, created_at, queued_at, attempts, next_attempt_at) values ('unknown', 'old@example.com', ${UNSEALED_PREFIX + JSON.stringify(carried)}, ${T0}, ${T0}, 0, ${T0})`.execute(db);
    expect(await sealCarriedOverMail(db, SEAL)).toBe(1);
    const row = (await listOutbox(db)).find((r) => r.to_address === 'old@example.com')!;
    expect(row.content).not.toContain('OLD-TOKEN');
    expect(SEAL.open(row.content!)).toEqual(carried);
    expect(await sealCarriedOverMail(db, SEAL)).toBe(0);
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
