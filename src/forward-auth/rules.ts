/**
 * The access rules of forward-auth (ACCESS_RULES_FILE): which requests to the apps behind a reverse proxy need
 * a sign-in, two factors, certain groups, or nobody at all. Read, checked and compiled once, at start
 * (src/config.ts): a bad file stops Gatehouse with the line and the reason, and a check never parses anything.
 * The format is Authelia's `access_control`, which teams moving from it know:
 *
 *     default_policy: deny
 *     rules:
 *       - domain: public.example.com
 *         policy: bypass
 *       - domain: ['*.example.com']
 *         resources: ['^/admin([/?].*)?$']
 *         groups: [admins]
 *         policy: two_factor
 *       - domain: '*.example.com'
 *         policy: one_factor
 *
 * `decide` is the pure function (request facts, who is signed in, rules) → decision; the HTTP answers are
 * src/forward-auth/routes.ts. Both are table-tested (test/unit/access-rules.test.ts).
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';

export const POLICIES = ['bypass', 'one_factor', 'two_factor', 'deny'] as const;
export type Policy = (typeof POLICIES)[number];

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'] as const;

/** A host name (letters, digits, hyphens, dots), optionally `*.` first: every name below that domain. */
const DOMAIN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** At most this many rules: a file with more is a generated mistake, and every check walks the list. */
export const MAX_RULES = 1_000;

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const RuleSchema = z
  .strictObject({
    domain: oneOrMany(
      z
        .string()
        .transform((d) => d.toLowerCase())
        .refine((d) => DOMAIN.test(d), 'must be a host name such as app.example.com, or *.example.com for every name below it'),
    ),
    resources: z
      .array(
        z.string().superRefine((source, issue) => {
          try {
            new RegExp(source);
          } catch (error) {
            issue.addIssue({ code: 'custom', message: `not a regular expression: ${(error as Error).message}` });
          }
        }),
      )
      .min(1)
      .optional(),
    methods: z
      .array(
        z
          .string()
          .transform((m) => m.toUpperCase())
          .pipe(z.enum(METHODS, { error: `must be one of ${METHODS.join(', ')}` })),
      )
      .min(1)
      .optional(),
    groups: z.array(z.string().min(1)).min(1).optional(),
    policy: z.enum(POLICIES, { error: `must be one of ${POLICIES.join(', ')}` }),
  })
  // Authelia refuses it too: nobody is signed in on a bypass, so there are no groups to compare.
  .refine((rule) => !(rule.policy === 'bypass' && rule.groups), { message: 'a bypass rule cannot name groups: nobody is signed in to compare them with', path: ['groups'] });

const RulesFileSchema = z.strictObject({
  default_policy: z.enum(POLICIES, { error: `must be one of ${POLICIES.join(', ')}` }).default('deny'),
  rules: z.array(RuleSchema).max(MAX_RULES).default([]),
});

/** A `domain` entry, ready to compare: an exact name, or (`*.example.com`) the suffix `.example.com`. */
type DomainMatcher = { exact: string } | { suffix: string };

export interface AccessRule {
  domains: readonly DomainMatcher[];
  /** null: any path. */
  resources: readonly RegExp[] | null;
  /** null: any method. */
  methods: ReadonlySet<string> | null;
  /** null: anyone (subject to the policy). */
  groups: readonly string[] | null;
  policy: Policy;
  /** Where the rule starts in the file (1-based), for logs; 0 when the rules did not come from a file. */
  line: number;
}

export interface AccessRules {
  defaultPolicy: Policy;
  rules: readonly AccessRule[];
}

export class AccessRulesError extends Error {}

/**
 * Reads, checks and compiles ACCESS_RULES_FILE. Throws AccessRulesError naming the file, the line and the
 * reason. JSON is YAML, so a JSON file works too.
 */
export function loadAccessRules(path: string): AccessRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AccessRulesError(`ACCESS_RULES_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  return parseAccessRules(text, path);
}

/** Parses the text of a rules file; `name` is what errors call it. */
export function parseAccessRules(text: string, name: string): AccessRules {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line;
    throw new AccessRulesError(`ACCESS_RULES_FILE ${name} line ${line}: ${syntax.message.split('\n')[0]}`);
  }
  const parsed = RulesFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    // Every problem at once, each with its line, so one edit fixes the file.
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const where = path.length > 0 ? `${path.join('.')}: ` : '';
      return `line ${lineOf(doc, lineCounter, path)}: ${where}${issue.message}`;
    });
    throw new AccessRulesError(`ACCESS_RULES_FILE ${name} ${problems.join('; ')}`);
  }
  return compileAccessRules(parsed.data, (index) => lineOf(doc, lineCounter, ['rules', index]));
}

/** The line of the deepest node on `path` that exists (a missing key is reported at its parent). */
function lineOf(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  for (let length = path.length; length >= 0; length--) {
    const node = doc.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}

/** Compiles checked rules (regular expressions once, domains into matchers). */
export function compileAccessRules(input: z.input<typeof RulesFileSchema>, lineOfRule: (index: number) => number = () => 0): AccessRules {
  const checked = RulesFileSchema.parse(input);
  return Object.freeze({
    defaultPolicy: checked.default_policy,
    rules: Object.freeze(
      checked.rules.map(
        (rule, index): AccessRule =>
          Object.freeze({
            domains: rule.domain.map((d): DomainMatcher => (d.startsWith('*.') ? { suffix: d.slice(1) } : { exact: d })),
            resources: rule.resources ? rule.resources.map((source) => new RegExp(source)) : null,
            methods: rule.methods ? new Set(rule.methods) : null,
            groups: rule.groups ?? null,
            policy: rule.policy,
            line: lineOfRule(index),
          }),
      ),
    ),
  });
}

function matchesDomain(matchers: readonly DomainMatcher[], host: string): boolean {
  return matchers.some((m) => ('exact' in m ? host === m.exact : host.endsWith(m.suffix)));
}

/** True when some rule names `host` (exactly, or below one of its `*.` domains). */
export function rulesName(rules: AccessRules, host: string): boolean {
  const name = host.toLowerCase();
  return rules.rules.some((rule) => matchesDomain(rule.domains, name));
}

/** Every domain the rules name, as written (`*.example.com` included), for start-up checks. */
export function namedDomains(rules: AccessRules, policies: readonly Policy[] = POLICIES): string[] {
  return rules.rules
    .filter((rule) => policies.includes(rule.policy))
    .flatMap((rule) => rule.domains.map((m) => ('exact' in m ? m.exact : `*${m.suffix}`)));
}

/** The request a proxy asks about. */
export interface RequestFacts {
  /** Upper-case HTTP method. */
  method: string;
  /** Lower-case host name, no port. */
  host: string;
  /** Path and query, normalised (src/forward-auth/request.ts). */
  pathAndQuery: string;
}

/** Who asks: nobody (0), a one-factor sign-in (1) or a two-factor one (2), with the account's groups. */
export interface Subject {
  level: 0 | 1 | 2;
  groups: readonly string[];
}

export type Decision =
  | { kind: 'allow'; policy: Policy; line: number }
  /** Sign in (with two factors when `twoFactor`). */
  | { kind: 'sign-in'; twoFactor: boolean; line: number }
  /** Signed in with one factor where two are needed. */
  | { kind: 'second-step'; line: number }
  | { kind: 'forbidden'; line: number };

/**
 * The first rule whose domain, resources, methods and groups all match wins; otherwise the default policy. For
 * someone not signed in, a rule naming groups matches "potentially" (Authelia's behaviour): whether its groups
 * apply is known only after a sign-in, so it asks for one instead of falling through to a later, laxer rule.
 */
export function decide(rules: AccessRules, request: RequestFacts, subject: Subject): Decision {
  let policy = rules.defaultPolicy;
  let hasGroups = false;
  let line = 0;
  for (const rule of rules.rules) {
    if (!matchesDomain(rule.domains, request.host)) continue;
    if (rule.methods && !rule.methods.has(request.method)) continue;
    if (rule.resources && !rule.resources.some((re) => re.test(request.pathAndQuery))) continue;
    if (rule.groups && subject.level > 0 && !rule.groups.some((g) => subject.groups.includes(g))) continue;
    policy = rule.policy;
    hasGroups = rule.groups !== null;
    line = rule.line;
    break;
  }
  switch (policy) {
    case 'bypass':
      return { kind: 'allow', policy, line };
    case 'deny':
      // Denied to everyone, or (a rule naming groups) to everyone once we know who they are.
      return subject.level === 0 && hasGroups ? { kind: 'sign-in', twoFactor: false, line } : { kind: 'forbidden', line };
    case 'one_factor':
      return subject.level >= 1 ? { kind: 'allow', policy, line } : { kind: 'sign-in', twoFactor: false, line };
    case 'two_factor':
      if (subject.level >= 2) return { kind: 'allow', policy, line };
      return subject.level === 1 ? { kind: 'second-step', line } : { kind: 'sign-in', twoFactor: true, line };
  }
}
