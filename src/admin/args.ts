/**
 * The admin CLI's command line: argv in, one typed command (or why the usage
 * is wrong) out. Nothing here touches the process, the config or the database,
 * so every way of calling the CLI is decided before any of them is opened.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './commands.js';

export type AdminCommand =
  | { name: 'help' }
  /** The password is not here: it comes from stdin, never argv (which `ps` and shell history show). */
  | { name: 'create-user'; username: string; email: string; firstName: string; lastName: string }
  | { name: 'list-users'; limit: number; search: string | null }
  | { name: 'show-user'; login: string }
  | { name: 'reset-factors'; login: string; confirmed: boolean };

export type ParsedArgs = { ok: true; command: AdminCommand } | { ok: false; problem: string };

export const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-user --username U --email E --first-name F --last-name L --password-stdin
      Create an account. The password is read from stdin (one line) and must meet
      the rules of the registration form. The email address stays unconfirmed.
  list-users [--limit N] [--search TEXT]
      Users, newest first: ${DEFAULT_LIST_LIMIT} unless --limit (at most ${MAX_LIST_LIMIT}). --search keeps
      those whose username or email address contains TEXT.
  show-user <username-or-email>
      A user's details, second factors and security events of the last 90 days.
  reset-factors <username-or-email> [--yes]
      Remove the user's authenticator app, text-message codes and recovery codes,
      sign them out everywhere, record a security event and queue a notice mail.
      Without --yes it only says what it would do, and changes nothing.

Options:
  -h, --help  Show this help.

Settings (DATABASE_URL, SECRET_KEY, APP_URL, ...) come from the environment and
./.env, as for the server. Exit status: 0 done, 1 refused (the reason is on
stderr), 2 bad usage.
`;

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP: Options = { help: { type: 'boolean', short: 'h' } };

const OPTIONS_OF = {
  'create-user': {
    username: { type: 'string' },
    email: { type: 'string' },
    'first-name': { type: 'string' },
    'last-name': { type: 'string' },
    'password-stdin': { type: 'boolean' },
  },
  'list-users': { limit: { type: 'string' }, search: { type: 'string' } },
  'show-user': {},
  'reset-factors': { yes: { type: 'boolean' } },
} satisfies Record<Exclude<AdminCommand['name'], 'help'>, Options>;

type CommandName = keyof typeof OPTIONS_OF;

const usage = (problem: string): ParsedArgs => ({ ok: false, problem });

export function parseAdminArgs(argv: readonly string[]): ParsedArgs {
  const [name, ...rest] = argv;
  if (name === undefined) return usage('Name a command.');
  if (name === '-h' || name === '--help' || name === 'help') return { ok: true, command: { name: 'help' } };
  if (!Object.hasOwn(OPTIONS_OF, name)) return usage(`Unknown command "${name}".`);
  const command = name as CommandName;

  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options: { ...HELP, ...OPTIONS_OF[command] }, allowPositionals: true, strict: true }));
  } catch (error) {
    // parseArgs reports unknown options, missing values and the like as TypeErrors with an ERR_PARSE_ARGS_* code.
    if (error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) return usage(`${command}: ${error.message}`);
    throw error;
  }
  if (values.help === true) return { ok: true, command: { name: 'help' } };

  switch (command) {
    case 'create-user':
      return createUserArgs(values, positionals);
    case 'list-users':
      return listUsersArgs(values, positionals);
    case 'show-user':
    case 'reset-factors': {
      if (positionals.length !== 1 || positionals[0]!.trim() === '') return usage(`${command} takes one username or email address.`);
      const login = positionals[0]!;
      return command === 'show-user'
        ? { ok: true, command: { name: 'show-user', login } }
        : { ok: true, command: { name: 'reset-factors', login, confirmed: values.yes === true } };
    }
  }
}

function createUserArgs(values: Record<string, string | boolean | undefined>, positionals: string[]): ParsedArgs {
  if (positionals.length > 0) return usage(`create-user takes no arguments besides its options (got "${positionals[0]}").`);
  const missing = ['username', 'email', 'first-name', 'last-name'].filter((flag) => typeof values[flag] !== 'string');
  if (missing.length > 0) return usage(`create-user needs ${missing.map((flag) => `--${flag}`).join(', ')}.`);
  if (values['password-stdin'] !== true) {
    return usage('create-user needs --password-stdin: the password is read from stdin, never taken from the command line, where ps and shell history would show it.');
  }
  return {
    ok: true,
    command: {
      name: 'create-user',
      username: values.username as string,
      email: values.email as string,
      firstName: values['first-name'] as string,
      lastName: values['last-name'] as string,
    },
  };
}

function listUsersArgs(values: Record<string, string | boolean | undefined>, positionals: string[]): ParsedArgs {
  if (positionals.length > 0) return usage(`list-users takes no arguments besides its options (got "${positionals[0]}").`);
  let limit = DEFAULT_LIST_LIMIT;
  if (typeof values.limit === 'string') {
    limit = /^[0-9]{1,7}$/.test(values.limit) ? Number(values.limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) return usage(`list-users --limit takes a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  }
  let search: string | null = null;
  if (typeof values.search === 'string') {
    search = values.search.trim();
    if (search === '') return usage('list-users --search needs some text.');
  }
  return { ok: true, command: { name: 'list-users', limit, search } };
}
