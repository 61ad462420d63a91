/**
 * The offline blocklist of common passwords (NIST SP 800-63B-4 §3.1.1.2: a new
 * password is compared against values known to be commonly used). The list is
 * `data/common-passwords.txt` beside this module — one password per line,
 * NFKC-normalised and lower-cased, most common first — generated from the
 * ranked list of @zxcvbn-ts/language-common by scripts/build-password-blocklist.ts
 * and committed, so the app needs neither that package nor the network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizePassword } from './password.js';

/** The floor: at least the 10,000 most common passwords. */
export const MIN_BLOCKLIST_ENTRIES = 10_000;

const FILE_NAME = 'common-passwords.txt';
const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * Under tsx and vitest the file sits beside this module (src/auth/data/); the
 * compiled module (dist/auth/) reads it from the project's src/auth/data/,
 * which `npm start` always has. A deployment that ships dist/ alone copies the
 * file to dist/auth/data/.
 */
const CANDIDATE_PATHS = [join(HERE, 'data', FILE_NAME), resolve(HERE, '..', '..', 'src', 'auth', 'data', FILE_NAME)];

let loaded: ReadonlySet<string> | null = null;

/** The blocklist as a Set, read from disk on the first call only. Throws when the file is missing or too short. */
export function commonPasswords(): ReadonlySet<string> {
  if (loaded) return loaded;
  const path = CANDIDATE_PATHS.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`The common-password blocklist is missing; looked in ${CANDIDATE_PATHS.join(', ')}.`);
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (entries.length < MIN_BLOCKLIST_ENTRIES) {
    throw new Error(`The common-password blocklist at ${path} has ${entries.length} entries; at least ${MIN_BLOCKLIST_ENTRIES} are required.`);
  }
  loaded = new Set(entries);
  return loaded;
}

/** The form a password is compared in: NFKC, then lower case, so "PassWord" and "ｐａｓｓｗｏｒｄ" match "password". */
export function comparablePassword(password: string): string {
  return normalizePassword(password).toLowerCase();
}

/** True when the password, ignoring case, is on the blocklist. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(comparablePassword(password));
}
