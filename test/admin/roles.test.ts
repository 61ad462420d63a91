/**
 * `npm run admin -- grant-admin|revoke-admin` (src/admin/role-commands.ts), in-process on a real SQLite file and a
 * real PostgreSQL schema: the arguments, the flag they set, and the audit log entry each writes (as the CLI, with
 * the OS user). The console cannot change the role: only these commands do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { parseAdminArgs, USAGE } from '../../src/admin/args.js';
import type { AdminContext } from '../../src/admin/commands.js';
import { grantAdmin, revokeAdmin } from '../../src/admin/role-commands.js';
import { loadConfig } from '../../src/config.js';
import { listAdminAudit } from '../../src/db/admin-audit.js';
import { findUserById } from '../../src/db/users.js';
import { ManualClock } from '../../src/lib/duration.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0);
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-roles-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'admin-test-secret-key-that-is-long-enough', APP_URL: 'https://auth.example.com' }, { envFile: null, dataDir });

describe('role arguments', () => {
  it('grant-admin and revoke-admin take one username or email address', () => {
    expect(parseAdminArgs(['grant-admin', 'ada'])).toEqual({ ok: true, command: { name: 'grant-admin', login: 'ada' } });
    expect(parseAdminArgs(['revoke-admin', 'ada@example.com'])).toEqual({ ok: true, command: { name: 'revoke-admin', login: 'ada@example.com' } });
    expect(parseAdminArgs(['grant-admin'])).toMatchObject({ ok: false, problem: expect.stringContaining('one username') as unknown });
    expect(parseAdminArgs(['grant-admin', 'a', 'b'])).toMatchObject({ ok: false });
    expect(parseAdminArgs(['revoke-admin', '--all'])).toMatchObject({ ok: false });
    expect(USAGE).toContain('grant-admin <username-or-email>');
  });
});

describe.each(forEachDatabase())('role commands on $name', (target) => {
  const handle = useDatabase(target);

  function admin() {
    const lines: string[] = [];
    const clock = new ManualClock(T0);
    const ctx: AdminContext = { db: handle().db, config, clock, pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
    return { ctx, clock, text: () => lines.join('\n') };
  }

  it('grants and revokes the role, each once in the audit log as the CLI', async () => {
    const user = await insertTestUser(handle().db, { username: 'ada' });
    const a = admin();
    expect(await grantAdmin(a.ctx, 'ada')).toEqual({ ok: true });
    expect(a.text()).toContain('ada is now an admin: the console is at https://auth.example.com/admin');
    expect((await findUserById(handle().db, user.id))!.is_admin).toBe(1);
    // Again: said, not recorded twice.
    expect(await grantAdmin(a.ctx, user.email)).toEqual({ ok: true });
    expect(a.text()).toContain('ada is already an admin.');
    a.clock.advance(1000);
    expect(await revokeAdmin(a.ctx, 'ada')).toEqual({ ok: true });
    expect((await findUserById(handle().db, user.id))!.is_admin).toBe(0);
    expect(await revokeAdmin(a.ctx, 'ada')).toEqual({ ok: true });
    expect(a.text()).toContain('ada is not an admin.');

    const entries = await listAdminAudit(handle().db, { targetId: user.id }, { limit: 10 });
    expect(entries.map((e) => [e.action, e.target, e.actor_user_id, e.created_at])).toEqual([
      ['admin_revoked', 'ada', null, T0 + 1000],
      ['admin_granted', 'ada', null, T0],
    ]);
    expect(entries[0]!.actor).toMatch(/^cli \(.+\)$/);
  });

  it('refuses an unknown account, changing nothing', async () => {
    const a = admin();
    expect(await grantAdmin(a.ctx, 'nobody')).toEqual({ ok: false, problem: 'No user has the username or email address "nobody".' });
    expect(await listAdminAudit(handle().db, {}, { limit: 10 })).toEqual([]);
  });
});
