/**
 * `npm run admin -- <command>`: the operator's tool for what the web app does
 * not offer (issue #5): create a user, list users, show one with their factors
 * and security events, reset someone's second factors; list and re-send mail
 * the outbox could not deliver (issue #12); register the apps that sign people
 * in with Gatehouse, the groups apps see and the keys that sign for them
 * (issue #13). This file owns the
 * process: argv, stdin, the config, the database handle and the exit code;
 * the commands themselves are in commands.ts.
 *
 * Exit status: 0 done, 1 refused (one line on stderr, no stack trace), 2 bad usage.
 */
import pino from 'pino';
import { pwnedPasswordsOff } from '../adapters/pwned-passwords/off.js';
import { PwnedPasswordsRangeApi } from '../adapters/pwned-passwords/range-api.js';
import type { PwnedPasswords } from '../adapters/pwned-passwords/types.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { isDatabaseUnavailable, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../lib/duration.js';
import { addApp, listApps, removeApp, rotateAppSecret, showApp } from './app-commands.js';
import { parseAdminArgs, USAGE, type AdminCommand } from './args.js';
import { addToGroup, listGroups, removeFromGroup } from './group-commands.js';
import { createUser, listUsers, resetFactors, showUser, type AdminContext, type Refused } from './commands.js';
import { grantAdmin, revokeAdmin } from './role-commands.js';
import { listKeys, rotateKeys } from './key-commands.js';
import { listMail, retryMail } from './mail-commands.js';
import { readFirstLine } from './read-line.js';

const EXIT_DONE = 0;
const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;

const stdout = { out: (line: string) => process.stdout.write(`${line}\n`) };
const fail = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const parsed = parseAdminArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.problem}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const command = parsed.command;
  if (command.name === 'help') {
    process.stdout.write(USAGE);
    return EXIT_DONE;
  }

  // Read before the database is opened, so a missing password costs no connection.
  let password = '';
  if (command.name === 'create-user') {
    if (process.stdin.isTTY) process.stderr.write('Password (one line; it is shown as you type, so prefer piping it in): ');
    const line = await readFirstLine(process.stdin);
    if (line === null) {
      fail('create-user: no password on stdin. Pipe one line in, e.g. printf "%s\\n" "$PASSWORD" | npm run admin -- create-user ...');
      return EXIT_REFUSED;
    }
    password = line;
  }

  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(error.message);
    return EXIT_REFUSED;
  }

  const handle = openDatabase(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    await migrateToLatest(handle);
    const ctx: AdminContext = { db: handle.db, config, clock: systemClock, pwnedPasswords: breachCheck(config), output: stdout };
    const result = await run(ctx, command, password);
    if (result.ok) return EXIT_DONE;
    fail(result.problem);
    return EXIT_REFUSED;
  } finally {
    await handle.destroy();
  }
}

function run(ctx: AdminContext, command: Exclude<AdminCommand, { name: 'help' }>, password: string): Promise<{ ok: true } | Refused> {
  switch (command.name) {
    case 'create-user':
      return createUser(ctx, { ...command, password });
    case 'list-users':
      return listUsers(ctx, command);
    case 'show-user':
      return showUser(ctx, command.login);
    case 'reset-factors':
      return resetFactors(ctx, command.login, { confirmed: command.confirmed });
    case 'grant-admin':
      return grantAdmin(ctx, command.login);
    case 'revoke-admin':
      return revokeAdmin(ctx, command.login);
    case 'mail-list':
      return listMail(ctx, command);
    case 'mail-retry':
      return retryMail(ctx, command.ids);
    case 'apps-add':
      return addApp(ctx, command.app);
    case 'apps-list':
      return listApps(ctx);
    case 'apps-show':
      return showApp(ctx, command.clientId);
    case 'apps-remove':
      return removeApp(ctx, command.clientId);
    case 'apps-rotate-secret':
      return rotateAppSecret(ctx, command.clientId, { json: command.json });
    case 'groups-add':
      return addToGroup(ctx, command.login, command.group);
    case 'groups-remove':
      return removeFromGroup(ctx, command.login, command.group);
    case 'groups-list':
      return listGroups(ctx, command.login);
    case 'keys-rotate':
      return rotateKeys(ctx, { json: command.json });
    case 'keys-list':
      return listKeys(ctx, { json: command.json });
  }
}

/** The breached-password check as the server builds it; its warnings (an outage) go to stderr. */
function breachCheck(config: Config): PwnedPasswords {
  if (!config.pwnedPasswords) return pwnedPasswordsOff;
  return new PwnedPasswordsRangeApi(config.pwnedPasswords, pino({ level: config.logLevel }, pino.destination(2)));
}

main(process.argv.slice(2)).then(
  // exitCode, not exit(): a piped stdout is flushed before the process ends.
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (isDatabaseUnavailable(error)) fail(`The database is unreachable: ${error instanceof Error ? error.message : String(error)}`);
    else console.error(error); // a bug: the stack helps
    process.exitCode = EXIT_REFUSED;
  },
);
