/**
 * `npm run admin -- groups add|remove|list` (src/admin/group-commands.ts), in-process on a real SQLite file and a
 * real PostgreSQL schema: the arguments, what each command prints and refuses, and what it stores. A group name
 * is short and plain (it travels in a claim, a comma-separated header and a rules file): anything else is refused
 * before the database is touched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pwnedPasswordsOff } from '../../src/adapters/pwned-passwords/off.js';
import { parseAdminArgs } from '../../src/admin/args.js';
import type { AdminContext } from '../../src/admin/commands.js';
import { addToGroup, groupNameProblem, listGroups, removeFromGroup } from '../../src/admin/group-commands.js';
import { loadConfig } from '../../src/config.js';
import { groupsOf } from '../../src/db/user-groups.js';
import { ManualClock } from '../../src/lib/duration.js';
import { forEachDatabase, insertTestUser, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0);
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-groups-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const config = loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'admin-test-secret-key-that-is-long-enough', APP_URL: 'https://auth.example.com' }, { envFile: null, dataDir });

describe('groups arguments', () => {
  it('add and remove take a user and a group, list takes a user; anything else is a usage error', () => {
    expect(parseAdminArgs(['groups', 'add', 'ada', 'admins'])).toEqual({ ok: true, command: { name: 'groups-add', login: 'ada', group: 'admins' } });
    expect(parseAdminArgs(['groups', 'remove', 'ada@example.com', 'admins'])).toEqual({ ok: true, command: { name: 'groups-remove', login: 'ada@example.com', group: 'admins' } });
    expect(parseAdminArgs(['groups', 'list', 'ada'])).toEqual({ ok: true, command: { name: 'groups-list', login: 'ada' } });
    expect(parseAdminArgs(['groups', 'add', 'ada'])).toMatchObject({ ok: false, problem: expect.stringContaining('a group name') as unknown });
    expect(parseAdminArgs(['groups', 'add', 'ada', 'a', 'b'])).toMatchObject({ ok: false });
    expect(parseAdminArgs(['groups', 'list'])).toMatchObject({ ok: false });
    expect(parseAdminArgs(['groups', 'add', 'ada', ' '])).toMatchObject({ ok: false });
    expect(parseAdminArgs(['groups', 'add', 'ada', 'admins', '--force'])).toMatchObject({ ok: false, problem: expect.stringContaining('groups add') as unknown });
    expect(parseAdminArgs(['groups'])).toMatchObject({ ok: false, problem: expect.stringContaining('add, remove or list') as unknown });
    expect(parseAdminArgs(['groups', 'rename'])).toMatchObject({ ok: false, problem: expect.stringContaining('Unknown groups subcommand') as unknown });
    expect(parseAdminArgs(['groups', '--help'])).toEqual({ ok: true, command: { name: 'help' } });
  });

  it('group names: lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64', () => {
    for (const good of ['admins', 'dev-team', 'eng.platform_oncall', '2026', 'a'.repeat(64)]) expect(groupNameProblem(good), good).toBeNull();
    for (const bad of ['', 'Admins', 'dev team', 'a,b', '-admins', '.hidden', 'ops;rm', 'ümlaut', 'a'.repeat(65), 'admins\n', 'x\u0000']) {
      expect(groupNameProblem(bad), JSON.stringify(bad)).toEqual(expect.stringContaining('is not a group name'));
    }
  });
});

describe.each(forEachDatabase())('groups commands on $name', (target) => {
  const handle = useDatabase(target);

  function admin() {
    const lines: string[] = [];
    const ctx: AdminContext = { db: handle().db, config, clock: new ManualClock(T0), pwnedPasswords: pwnedPasswordsOff, output: { out: (line) => lines.push(line) } };
    return { ctx, lines, text: () => lines.join('\n') };
  }

  it('add, list, remove: by username or email address, stored per account, told plainly', async () => {
    const user = await insertTestUser(handle().db);
    const other = await insertTestUser(handle().db);
    const a = admin();
    expect(await addToGroup(a.ctx, user.username, 'staff')).toEqual({ ok: true });
    expect(await addToGroup(a.ctx, user.email, 'admins')).toEqual({ ok: true });
    expect(await addToGroup(a.ctx, user.username, 'admins')).toEqual({ ok: true });
    expect(a.lines).toEqual([`Added ${user.username} to the group "staff".`, `Added ${user.username} to the group "admins".`, `${user.username} is already in the group "admins".`]);
    expect(await groupsOf(handle().db, user.id)).toEqual(['admins', 'staff']);
    expect(await groupsOf(handle().db, other.id)).toEqual([]);

    const listed = admin();
    expect(await listGroups(listed.ctx, user.username)).toEqual({ ok: true });
    expect(listed.lines).toEqual(['admins', 'staff']);
    const none = admin();
    expect(await listGroups(none.ctx, other.username)).toEqual({ ok: true });
    expect(none.text()).toContain('is in no group');

    const removed = admin();
    expect(await removeFromGroup(removed.ctx, user.username, 'staff')).toEqual({ ok: true });
    expect(await groupsOf(handle().db, user.id)).toEqual(['admins']);
    expect(await removeFromGroup(removed.ctx, user.username, 'staff')).toMatchObject({ ok: false, problem: expect.stringContaining('is not in the group "staff"') as unknown });
  });

  it('refuses an unknown user and a bad group name, and stores nothing', async () => {
    const user = await insertTestUser(handle().db);
    const a = admin();
    expect(await addToGroup(a.ctx, 'nobody-here', 'staff')).toMatchObject({ ok: false, problem: expect.stringContaining('No user has the username or email address "nobody-here"') as unknown });
    expect(await addToGroup(a.ctx, user.username, 'Staff Team')).toMatchObject({ ok: false, problem: expect.stringContaining('is not a group name') as unknown });
    expect(await removeFromGroup(a.ctx, user.username, 'a,b')).toMatchObject({ ok: false, problem: expect.stringContaining('is not a group name') as unknown });
    expect(await listGroups(a.ctx, 'nobody-here')).toMatchObject({ ok: false });
    expect(await groupsOf(handle().db, user.id)).toEqual([]);
    expect(a.lines).toEqual([]);
  });
});
