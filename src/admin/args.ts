/**
 * The admin CLI's command line: argv in, one typed command (or why the usage
 * is wrong) out. Nothing here touches the process, the config or the database,
 * so every way of calling the CLI is decided before any of them is opened.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AppKind, AppRequirement, IdTokenAlg, NewAppInput } from './app-commands.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './commands.js';

export type AdminCommand =
  | { name: 'help' }
  /** The password is not here: it comes from stdin, never argv (which `ps` and shell history show). */
  | { name: 'create-user'; username: string; email: string; firstName: string; lastName: string }
  | { name: 'list-users'; limit: number; search: string | null }
  | { name: 'show-user'; login: string }
  | { name: 'reset-factors'; login: string; confirmed: boolean }
  | { name: 'grant-admin' | 'revoke-admin'; login: string }
  | { name: 'mail-list'; failedOnly: boolean; limit: number }
  /** `ids` null: every failed mail (`--all`). */
  | { name: 'mail-retry'; ids: number[] | null }
  | { name: 'apps-add'; app: NewAppInput }
  | { name: 'apps-list' }
  | { name: 'apps-show'; clientId: string }
  | { name: 'apps-remove'; clientId: string }
  | { name: 'apps-rotate-secret'; clientId: string; json: boolean }
  | { name: 'groups-add' | 'groups-remove'; login: string; group: string }
  | { name: 'groups-list'; login: string }
  | { name: 'keys-rotate'; json: boolean }
  | { name: 'keys-list'; json: boolean };

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
  grant-admin <username-or-email>
      Let the user into the web console at /admin (they must also have a second
      factor, and sign in with it). Recorded in the console's audit log.
  revoke-admin <username-or-email>
      Take the console away from the user; their open console pages stop working
      at the next request. Recorded in the audit log.
  mail list [--failed] [--limit N]
      Mail not delivered: waiting (with its next try) and failed (given up on after
      MAIL_RETRY_FOR, with the last error), newest first; --failed shows only failed
      mail. ${DEFAULT_LIST_LIMIT} unless --limit (at most ${MAX_LIST_LIMIT}). What a mail says is sealed
      and never shown.
  mail retry <id>... | --all
      Queue failed mail again (the ids, or --all): a running Gatehouse sends it and
      retries it for another MAIL_RETRY_FOR. A link or code that expired meanwhile
      is replaced by a notice that it expired.
  apps add --name NAME --redirect-uri URI [--redirect-uri URI ...]
           [--post-logout-redirect-uri URI] [--backchannel-logout-uri URI]
           [--public | --service] [--first-party] [--require two-factor|passkey]
           [--id-token-alg ES256|RS256] [--json]
      Register an app that signs people in with Gatehouse (OpenID Connect). Prints
      its client_id and, unless --public, its client_secret, once (only a hash is
      kept); --json prints {"client_id": ..., "client_secret": ...} and nothing else.
      --public: no secret (a single-page or native app; PKCE protects it).
      --service: no sign-in, only client credentials (a server calling an API).
      Redirect URIs are https (http only on 127.0.0.1 or [::1]) and compared exactly.
      --first-party: signs people in without asking them (an app of your own);
      without it people are asked, once per app, what it may see.
  apps list
      Every registered app.
  apps show <client_id>
      One app's settings.
  apps remove <client_id>
      Remove the app; its codes, tokens and grants stop working at once.
  apps rotate-secret <client_id> [--json]
      Give the app a new client secret (printed once); the old one stops working.
  groups add <username-or-email> <group>
  groups remove <username-or-email> <group>
      Put the user in a group, or take them out. Apps granted the "groups" scope
      see the user's groups (the groups claim). A group name is 1 to 64 lower-case
      letters, digits, ".", "_" or "-", starting with a letter or digit.
  groups list <username-or-email>
      The user's groups.
  keys rotate [--json]
      New keys to sign ID tokens (ES256 and RS256): published at once, signing an
      hour later; the keys they replace stay published 30 days more, for the tokens
      they signed. Running instances follow within 5 minutes, without a restart.
  keys list [--json]
      The signing keys: kid, algorithm, state (signing, published ahead, retired
      until ...) and dates. Never a private key.

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
  'grant-admin': {},
  'revoke-admin': {},
} satisfies Record<Exclude<AdminCommand['name'], 'help' | 'mail-list' | 'mail-retry' | `apps-${string}` | `groups-${string}` | `keys-${string}`>, Options>;

/** `mail <subcommand>`'s options. */
const MAIL_OPTIONS_OF = {
  list: { failed: { type: 'boolean' }, limit: { type: 'string' } },
  retry: { all: { type: 'boolean' } },
} satisfies Record<string, Options>;

type CommandName = keyof typeof OPTIONS_OF;

const usage = (problem: string): ParsedArgs => ({ ok: false, problem });

type Parsed = { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

/** node:util's parseArgs, strict, with its usage errors as values (`label` names the command in them). */
function parse(label: string, args: readonly string[], options: Options): Parsed | { problem: string } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: { ...HELP, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    // parseArgs reports unknown options, missing values and the like as TypeErrors with an ERR_PARSE_ARGS_* code.
    if (error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) return { problem: `${label}: ${error.message}` };
    throw error;
  }
}

export function parseAdminArgs(argv: readonly string[]): ParsedArgs {
  const [name, ...rest] = argv;
  if (name === undefined) return usage('Name a command.');
  if (name === '-h' || name === '--help' || name === 'help') return { ok: true, command: { name: 'help' } };
  if (name === 'mail') return mailArgs(rest);
  if (name === 'apps') return appsArgs(rest);
  if (name === 'groups') return groupsArgs(rest);
  if (name === 'keys') return keysArgs(rest);
  if (!Object.hasOwn(OPTIONS_OF, name)) return usage(`Unknown command "${name}".`);
  const command = name as CommandName;

  const parsed = parse(command, rest, OPTIONS_OF[command]);
  if ('problem' in parsed) return usage(parsed.problem);
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, command: { name: 'help' } };

  switch (command) {
    case 'create-user':
      return createUserArgs(values, positionals);
    case 'list-users':
      return listUsersArgs(values, positionals);
    case 'grant-admin':
    case 'revoke-admin': {
      if (positionals.length !== 1 || positionals[0]!.trim() === '') return usage(`${command} takes one username or email address.`);
      return { ok: true, command: { name: command, login: positionals[0]! } };
    }
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

type Values = Parsed['values'];

function createUserArgs(values: Values, positionals: string[]): ParsedArgs {
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

/** --limit's value (DEFAULT_LIST_LIMIT when absent), or null when it is not a whole number from 1 to MAX_LIST_LIMIT. */
function listLimit(value: Values[string]): number | null {
  if (typeof value !== 'string') return DEFAULT_LIST_LIMIT;
  const limit = /^[0-9]{1,7}$/.test(value) ? Number(value) : NaN;
  return limit >= 1 && limit <= MAX_LIST_LIMIT ? limit : null;
}

function listUsersArgs(values: Values, positionals: string[]): ParsedArgs {
  if (positionals.length > 0) return usage(`list-users takes no arguments besides its options (got "${positionals[0]}").`);
  const limit = listLimit(values.limit);
  if (limit === null) return usage(`list-users --limit takes a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  let search: string | null = null;
  if (typeof values.search === 'string') {
    search = values.search.trim();
    if (search === '') return usage('list-users --search needs some text.');
  }
  return { ok: true, command: { name: 'list-users', limit, search } };
}

/** `mail list [--failed] [--limit N]` and `mail retry <id>... | --all`. */
function mailArgs(argv: readonly string[]): ParsedArgs {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') return { ok: true, command: { name: 'help' } };
  if (sub !== 'list' && sub !== 'retry') return usage(sub === undefined ? 'mail needs a subcommand: list or retry.' : `Unknown mail subcommand "${sub}": use list or retry.`);
  const parsed = parse(`mail ${sub}`, rest, MAIL_OPTIONS_OF[sub]);
  if ('problem' in parsed) return usage(parsed.problem);
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, command: { name: 'help' } };
  if (sub === 'list') {
    if (positionals.length > 0) return usage(`mail list takes no arguments besides its options (got "${positionals[0]}").`);
    const limit = listLimit(values.limit);
    if (limit === null) return usage(`mail list --limit takes a whole number from 1 to ${MAX_LIST_LIMIT}.`);
    return { ok: true, command: { name: 'mail-list', failedOnly: values.failed === true, limit } };
  }
  if (values.all === true) {
    if (positionals.length > 0) return usage('mail retry takes ids or --all, not both.');
    return { ok: true, command: { name: 'mail-retry', ids: null } };
  }
  if (positionals.length === 0) return usage('mail retry needs the ids of failed mail (see mail list --failed), or --all.');
  const bad = positionals.find((id) => !/^[1-9][0-9]{0,14}$/.test(id));
  if (bad !== undefined) return usage(`mail retry: "${bad}" is not a mail id (a whole number, as mail list shows).`);
  return { ok: true, command: { name: 'mail-retry', ids: [...new Set(positionals.map(Number))] } };
}

/** `groups add|remove USER GROUP`, `groups list USER`. */
function groupsArgs(argv: readonly string[]): ParsedArgs {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') return { ok: true, command: { name: 'help' } };
  if (sub !== 'add' && sub !== 'remove' && sub !== 'list') {
    return usage(sub === undefined ? 'groups needs a subcommand: add, remove or list.' : `Unknown groups subcommand "${sub}": use add, remove or list.`);
  }
  const parsed = parse(`groups ${sub}`, rest, {});
  if ('problem' in parsed) return usage(parsed.problem);
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, command: { name: 'help' } };
  if (positionals.some((p) => p.trim() === '')) return usage(`groups ${sub}: an argument is empty.`);
  if (sub === 'list') {
    if (positionals.length !== 1) return usage('groups list takes one username or email address.');
    return { ok: true, command: { name: 'groups-list', login: positionals[0]! } };
  }
  if (positionals.length !== 2) return usage(`groups ${sub} takes a username or email address and a group name.`);
  return { ok: true, command: { name: sub === 'add' ? 'groups-add' : 'groups-remove', login: positionals[0]!, group: positionals[1]! } };
}

/** `apps <subcommand>`'s options. */
const APPS_OPTIONS_OF = {
  add: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'backchannel-logout-uri': { type: 'string' },
    public: { type: 'boolean' },
    service: { type: 'boolean' },
    'first-party': { type: 'boolean' },
    require: { type: 'string' },
    'id-token-alg': { type: 'string' },
    json: { type: 'boolean' },
  },
  list: {},
  show: {},
  remove: {},
  'rotate-secret': { json: { type: 'boolean' } },
} satisfies Record<string, Options>;

type AppsSubcommand = keyof typeof APPS_OPTIONS_OF;

const REQUIREMENTS: Record<string, AppRequirement> = { 'two-factor': 'two-factor', passkey: 'passkey' };
const ID_TOKEN_ALGS: Record<string, IdTokenAlg> = { ES256: 'ES256', RS256: 'RS256' };

function strings(value: Values[string]): string[] {
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** `apps add|list|show|remove|rotate-secret`. */
function appsArgs(argv: readonly string[]): ParsedArgs {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') return { ok: true, command: { name: 'help' } };
  if (sub === undefined || !Object.hasOwn(APPS_OPTIONS_OF, sub)) {
    return usage(sub === undefined ? 'apps needs a subcommand: add, list, show, remove or rotate-secret.' : `Unknown apps subcommand "${sub}": use add, list, show, remove or rotate-secret.`);
  }
  const subcommand = sub as AppsSubcommand;
  const parsed = parse(`apps ${subcommand}`, rest, APPS_OPTIONS_OF[subcommand]);
  if ('problem' in parsed) return usage(parsed.problem);
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, command: { name: 'help' } };
  if (subcommand === 'add') return appsAddArgs(values, positionals);
  if (subcommand === 'list') {
    if (positionals.length > 0) return usage(`apps list takes no arguments (got "${positionals[0]}").`);
    return { ok: true, command: { name: 'apps-list' } };
  }
  if (positionals.length !== 1 || positionals[0]!.trim() === '') return usage(`apps ${subcommand} takes one client_id (see apps list).`);
  const clientId = positionals[0]!;
  if (subcommand === 'show') return { ok: true, command: { name: 'apps-show', clientId } };
  if (subcommand === 'remove') return { ok: true, command: { name: 'apps-remove', clientId } };
  return { ok: true, command: { name: 'apps-rotate-secret', clientId, json: values.json === true } };
}

function appsAddArgs(values: Values, positionals: string[]): ParsedArgs {
  if (positionals.length > 0) return usage(`apps add takes no arguments besides its options (got "${positionals[0]}").`);
  if (typeof values.name !== 'string') return usage('apps add needs --name.');
  if (values.public === true && values.service === true) return usage('apps add: an app is --public or --service, not both.');
  const kind: AppKind = values.public === true ? 'public' : values.service === true ? 'service' : 'web';
  if (kind !== 'service' && strings(values['redirect-uri']).length === 0) return usage('apps add needs at least one --redirect-uri.');
  let requirement: AppRequirement = 'none';
  if (values.require !== undefined) {
    const asked = REQUIREMENTS[String(values.require)];
    if (!asked) return usage('apps add --require takes two-factor or passkey.');
    requirement = asked;
  }
  let idTokenAlg: IdTokenAlg = 'ES256';
  if (values['id-token-alg'] !== undefined) {
    const asked = ID_TOKEN_ALGS[String(values['id-token-alg'])];
    if (!asked) return usage('apps add --id-token-alg takes ES256 or RS256.');
    idTokenAlg = asked;
  }
  const backchannel = values['backchannel-logout-uri'];
  return {
    ok: true,
    command: {
      name: 'apps-add',
      app: {
        name: values.name,
        kind,
        redirectUris: strings(values['redirect-uri']),
        postLogoutRedirectUris: strings(values['post-logout-redirect-uri']),
        backchannelLogoutUri: typeof backchannel === 'string' ? backchannel : null,
        firstParty: values['first-party'] === true,
        requirement,
        idTokenAlg,
        json: values.json === true,
      },
    },
  };
}

/** `keys rotate|list [--json]`. */
function keysArgs(argv: readonly string[]): ParsedArgs {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help') return { ok: true, command: { name: 'help' } };
  if (sub !== 'rotate' && sub !== 'list') return usage(sub === undefined ? 'keys needs a subcommand: rotate or list.' : `Unknown keys subcommand "${sub}": use rotate or list.`);
  const parsed = parse(`keys ${sub}`, rest, { json: { type: 'boolean' } });
  if ('problem' in parsed) return usage(parsed.problem);
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, command: { name: 'help' } };
  if (positionals.length > 0) return usage(`keys ${sub} takes no arguments (got "${positionals[0]}").`);
  return { ok: true, command: { name: sub === 'rotate' ? 'keys-rotate' : 'keys-list', json: values.json === true } };
}
