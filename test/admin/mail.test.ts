/**
 * `npm run admin -- mail list|retry` (src/admin/mail-commands.ts): mail the
 * outbox gave up on is listed (never its content) and queued again, on a real
 * SQLite file and a real PostgreSQL schema; and how the command line is read.
 * The process around them (exit codes) is in cli.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { parseAdminArgs, USAGE } from '../../src/admin/args.js';
import type { AdminContext } from '../../src/admin/commands.js';
import { listMail, retryMail } from '../../src/admin/mail-commands.js';
import { loadConfig } from '../../src/config.js';
import { claimDueMail, enqueueMail, listOutbox, MailSeal, markMailFailed, markMailSent } from '../../src/db/mail-outbox.js';
import { hours, ManualClock } from '../../src/lib/duration.js';
import { exactUtc } from '../../src/lib/relative-time.js';
import { plainMail } from '../support/app.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 2, 10, 12, 0);
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-mail-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'admin-mail-test-secret-key-that-is-long-enough' }, { envFile: null, dataDir });
const seal = new MailSeal(config.secretKey);

describe('mail arguments', () => {
  it('reads mail list and mail retry, and refuses what they do not take', () => {
    expect(parseAdminArgs(['mail', 'list'])).toEqual({ ok: true, command: { name: 'mail-list', failedOnly: false, limit: 50 } });
    expect(parseAdminArgs(['mail', 'list', '--failed', '--limit', '5'])).toEqual({ ok: true, command: { name: 'mail-list', failedOnly: true, limit: 5 } });
    expect(parseAdminArgs(['mail', 'retry', '12', '7', '12'])).toEqual({ ok: true, command: { name: 'mail-retry', ids: [12, 7] } });
    expect(parseAdminArgs(['mail', 'retry', '--all'])).toEqual({ ok: true, command: { name: 'mail-retry', ids: null } });
    expect(parseAdminArgs(['mail', '--help'])).toEqual({ ok: true, command: { name: 'help' } });
    expect(parseAdminArgs(['mail', 'retry', '--help'])).toEqual({ ok: true, command: { name: 'help' } });
    for (const [argv, problem] of [
      [['mail'], 'mail needs a subcommand: list or retry.'],
      [['mail', 'send'], 'Unknown mail subcommand "send": use list or retry.'],
      [['mail', 'retry'], 'mail retry needs the ids of failed mail (see mail list --failed), or --all.'],
      [['mail', 'retry', '3', '--all'], 'mail retry takes ids or --all, not both.'],
      [['mail', 'retry', 'x1'], 'mail retry: "x1" is not a mail id (a whole number, as mail list shows).'],
      [['mail', 'retry', '0'], 'mail retry: "0" is not a mail id (a whole number, as mail list shows).'],
      [['mail', 'list', '--limit', '0'], 'mail list --limit takes a whole number from 1 to 1000.'],
      [['mail', 'list', 'extra'], 'mail list takes no arguments besides its options (got "extra").'],
    ] as const) {
      expect(parseAdminArgs(argv), argv.join(' ')).toEqual({ ok: false, problem });
    }
    const unknown = parseAdminArgs(['mail', 'list', '--all']);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problem).toMatch(/^mail list: Unknown option '--all'/);
    expect(USAGE).toContain('mail list [--failed] [--limit N]');
    expect(USAGE).toContain('mail retry <id>... | --all');
  });
});

describe.each(forEachDatabase())('mail commands on $name', (target) => {
  const handle = useDatabase(target);

  function admin(now = T0) {
    const lines: string[] = [];
    const ctx: AdminContext = { db: handle().db, config, clock: new ManualClock(now), pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
    return { ctx, lines, text: () => lines.join('\n') };
  }

  /** Three mails: one sent, one given up on after an outage, one still waiting. */
  async function outbox() {
    const { db } = handle();
    for (const to of ['sent@example.com', 'failed@example.com', 'waiting@example.com']) await enqueueMail(db, seal, plainMail(to, `for ${to}`, 'password_reset'), null, T0);
    const [sent, failed] = await claimDueMail(db, T0, 60_000, 2);
    await markMailSent(db, sent!.id, T0 + 1000);
    await markMailFailed(db, failed!.id, '451 4.3.0 Mailbox unavailable\n(after 3 days)', null, T0 + hours(72));
    await markMailFailed(db, (await listOutbox(db))[2]!.id, 'connect ECONNREFUSED 127.0.0.1:25', T0 + hours(1), T0);
    const [s, f, w] = await listOutbox(db);
    return { sent: s!, failed: f!, waiting: w! };
  }

  it('mail list shows waiting and failed mail, newest first, with what operations need and never what the mail says', async () => {
    const { failed, waiting } = await outbox();
    const { ctx, lines, text } = admin();
    expect(await listMail(ctx, { failedOnly: false, limit: 50 })).toEqual({ ok: true });
    expect(lines[0]).toMatch(/^id +kind +to +queued +tries +state +last error$/);
    expect(lines[1]).toMatch(new RegExp(`^${waiting.id} +password_reset +waiting@example\\.com +${exactUtc(T0)} +1 +waiting, next try ${exactUtc(T0 + hours(1))} +connect ECONNREFUSED`));
    expect(lines[2]).toMatch(new RegExp(`^${failed.id} +password_reset +failed@example\\.com +.* +1 +failed ${exactUtc(T0 + hours(72))} +451 4\\.3\\.0 Mailbox unavailable \\(after 3 days\\)$`));
    expect(text()).not.toContain('sent@example.com');
    expect(text()).not.toContain('for failed@example.com'); // the subject is sealed, and not shown
    expect(text()).toContain('npm run admin -- mail retry <id> (or --all)');

    const only = admin();
    await listMail(only.ctx, { failedOnly: true, limit: 50 });
    expect(only.lines.filter((l) => /^\d/.test(l)).map((l) => l.split(/ +/)[0])).toEqual([String(failed.id)]);
    const one = admin();
    await listMail(one.ctx, { failedOnly: false, limit: 1 });
    expect(one.text()).toContain('(the newest 1; there are more: use --limit)');
  });

  it('mail list says so when there is nothing', async () => {
    const { ctx, text } = admin();
    await listMail(ctx, { failedOnly: true, limit: 50 });
    expect(text()).toBe('No failed mail.');
    const all = admin();
    await listMail(all.ctx, { failedOnly: false, limit: 50 });
    expect(all.text()).toBe('No mail is waiting or failed: everything queued was delivered.');
  });

  it('mail retry queues failed mail again, due at once and retried for another MAIL_RETRY_FOR; it refuses ids that are not failed mail and changes nothing', async () => {
    const { sent, failed, waiting } = await outbox();
    for (const [id, problem] of [
      [sent.id, `Mail ${sent.id} was sent on ${exactUtc(T0 + 1000)}: there is nothing to retry. Nothing was changed.`],
      [waiting.id, `Mail ${waiting.id} has not failed: it is waiting, next try ${exactUtc(T0 + hours(1))}. Nothing was changed.`],
      [99999, 'No mail has id 99999 (mail sent or failed more than 30 days ago is deleted). Nothing was changed.'],
    ] as const) {
      expect(await retryMail(admin().ctx, [failed.id, id])).toEqual({ ok: false, problem });
      expect((await listOutbox(handle().db)).find((r) => r.id === failed.id)?.failed_at).not.toBeNull();
    }

    const later = T0 + hours(100);
    const { ctx, text } = admin(later);
    expect(await retryMail(ctx, [failed.id])).toEqual({ ok: true });
    expect(text()).toContain(`Queued mail ${failed.id} again.`);
    const row = (await listOutbox(handle().db)).find((r) => r.id === failed.id)!;
    expect(row).toMatchObject({ failed_at: null, sent_at: null, next_attempt_at: later, queued_at: later, attempts: 1 });
    expect(seal.open(row.content!)?.message.to).toBe('failed@example.com'); // its sealed content was kept for this
    expect((await claimDueMail(handle().db, later, 60_000, 10)).map((r) => r.id)).toContain(failed.id);

    const none = admin();
    expect(await retryMail(none.ctx, null)).toEqual({ ok: true });
    expect(none.text()).toBe('No failed mail to retry.');
  });

  it('mail retry --all queues every failed mail', async () => {
    const { db } = handle();
    for (let i = 0; i < 3; i++) await enqueueMail(db, seal, plainMail(`f${i}@example.com`, 'x'), null, T0);
    for (const mail of await claimDueMail(db, T0, 60_000, 10)) await markMailFailed(db, mail.id, 'gone', null, T0);
    const { ctx, text } = admin();
    expect(await retryMail(ctx, null)).toEqual({ ok: true });
    expect(text()).toMatch(/^Queued 3 mails \d+, \d+, \d+ again\./);
    expect((await listOutbox(db)).every((r) => r.failed_at === null)).toBe(true);
  });
});
