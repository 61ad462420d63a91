/**
 * The admin CLI as an operator runs it: the real entry point in a child
 * process, configured only by its environment, the password on stdin, and the
 * exit status as the result. SQLite only (its own file); the commands are
 * tested on both databases in commands.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/password.js';
import { openDatabase } from '../../src/db/database.js';
import { findUserByUsername } from '../../src/db/users.js';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const databaseUrl = `sqlite:${join(dir, 'x.db')}`;

/** Runs `node --import tsx src/admin/cli.ts ...args` with nothing of this process's environment but PATH. */
function admin(args: string[], stdin = '') {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/admin/cli.ts', ...args], {
    cwd: PROJECT_ROOT,
    input: stdin,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      SECRET_KEY: 'admin-cli-test-secret-key-that-is-long-enough',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
    },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run admin', () => {
  it('creates a user from a password on stdin, lists it, and answers a bad command with exit 2 and the usage', async () => {
    const created = admin(['create-user', '--username', 'ada', '--email', 'ada@example.com', '--first-name', 'Ada', '--last-name', 'Lovelace', '--password-stdin'], 'analytical engine notes\n');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const id = /Created user ada with id (\d+)\./.exec(created.stdout)?.[1];
    expect(id).toBeDefined();

    const handle = openDatabase(databaseUrl);
    try {
      const user = await findUserByUsername(handle.db, 'ada');
      expect(String(user?.id)).toBe(id);
      // The whole line and nothing more: the newline is not part of the password.
      expect(await verifyPassword(user!.password_hash, 'analytical engine notes')).toBe(true);
    } finally {
      await handle.destroy();
    }

    const weak = admin(['create-user', '--username', 'bob', '--email', 'bob@example.com', '--first-name', 'Bob', '--last-name', 'B', '--password-stdin'], 'short\n');
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/^password: Use at least 15 characters\.[^\n]*\n$/); // one line, no stack trace
    expect(weak.stdout).toBe('');

    const listed = admin(['list-users']);
    expect(listed.status).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^id +username +email +created +2FA$/);
    expect(listed.stdout).toMatch(new RegExp(`^${id} +ada +ada@example\\.com +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC +off$`, 'm'));
    expect(listed.stdout).not.toContain('bob');

    const bad = admin(['frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('Unknown command "frobnicate".');
    expect(bad.stderr).toContain('Usage: npm run admin -- <command> [options]');
  }, 120_000); // four child processes, each compiling the CLI with tsx

  it('apps add --json prints one JSON object and nothing else; a wrong --require is a usage error', () => {
    const added = admin(['apps', 'add', '--name', 'Wiki', '--redirect-uri', 'https://wiki.example.com/cb', '--json']);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/^\{"client_id":"[0-9a-f]{24}","client_secret":"gh_[A-Za-z0-9_-]{43}"\}\n$/);

    const bad = admin(['apps', 'add', '--name', 'Wiki', '--redirect-uri', 'https://wiki.example.com/cb', '--require', 'sms']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('--require takes two-factor or passkey');
  }, 60_000);

  it('mail list and mail retry: exit 0 when done, 1 with one line when refused', () => {
    const listed = admin(['mail', 'list', '--failed']);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toBe('No failed mail.\n');

    const refused = admin(['mail', 'retry', '999']);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^No mail has id 999 [^\n]*\n$/);
  }, 60_000);

  it('keys list --json and keys rotate: exit 0 with one JSON array, 1 with one line before the first start', () => {
    const listed = admin(['keys', 'list', '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toBe('[]\n');

    const refused = admin(['keys', 'rotate']);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^There are no signing keys to rotate yet[^\n]*\n$/);
  }, 60_000);
});
