/**
 * The offline blocklist of common passwords (NIST SP 800-63B-4 §3.1.1.2: a new
 * password is compared against values known to be commonly used). The list is
 * `data/common-passwords.txt` beside this module — one password per line,
 * NFKC-normalised and lower-cased, in byte order — generated from the most common
 * of the ranked list of @zxcvbn-ts/language-common by scripts/build-password-blocklist.ts
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

/**
 * The list as one sorted UTF-8 buffer and where each word starts: about 0.6 MB, where a Set of its 49,000 strings
 * held 3.5 MB of heap for as long as the process ran (issue #16: idle memory). A lookup is a binary search of about
 * 16 byte comparisons, and happens only when a password is chosen.
 */
export class WordList implements Iterable<string> {
  private constructor(
    private readonly bytes: Buffer,
    /** Word i is bytes[starts[i], starts[i + 1] - 1): each word is followed by one separator byte. */
    private readonly starts: Uint32Array,
  ) {}

  /**
   * The list straight from a file of lines already in byte order, each once (as scripts/build-password-blocklist.ts
   * writes it): one pass that finds where the lines start and checks the order, and no copy — about 8 ms at start
   * where sorting 49,000 words took about 80–120. Null when the lines are not strictly in order (a list edited by hand):
   * then `of` sorts them.
   */
  static ofSortedLines(file: Buffer): WordList | null {
    const text = file.at(-1) === NEWLINE ? file : Buffer.concat([file, SEPARATOR]);
    const starts: number[] = [];
    let previous = -1;
    for (let start = 0; start < text.length; ) {
      const end = text.indexOf(NEWLINE, start);
      // An empty line, space around a word (which `of`'s callers trim), or a line out of order or repeated: for `of`.
      if (end === start || isSpace(text[start]!) || isSpace(text[end - 1]!)) return null;
      // compare(target: the line before, source: this line) > 0 when this line comes after it.
      if (previous >= 0 && text.compare(text, previous, start - 1, start, end) <= 0) return null;
      starts.push(start);
      previous = start;
      start = end + 1;
    }
    starts.push(text.length);
    return new WordList(text, Uint32Array.from(starts));
  }

  static of(words: Iterable<string>): WordList {
    const encoded = [...new Set(words)].map((word) => Buffer.from(word, 'utf8')).sort((a, b) => Buffer.compare(a, b));
    const starts = new Uint32Array(encoded.length + 1);
    let offset = 0;
    for (const [i, word] of encoded.entries()) {
      starts[i] = offset;
      offset += word.length + 1;
    }
    starts[encoded.length] = offset;
    return new WordList(Buffer.concat(encoded.flatMap((word) => [word, SEPARATOR])), starts);
  }

  get size(): number {
    return this.starts.length - 1;
  }

  has(word: string): boolean {
    const key = Buffer.from(word, 'utf8');
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = key.compare(this.bytes, this.starts[middle], this.starts[middle + 1]! - 1);
      if (order === 0) return true;
      if (order < 0) high = middle - 1;
      else low = middle + 1;
    }
    return false;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.size; i++) yield this.bytes.toString('utf8', this.starts[i], this.starts[i + 1]! - 1);
  }
}

const SEPARATOR = Buffer.from('\n');
const NEWLINE = 0x0a;
/** Tab to carriage return, and space: the ASCII white space `trim()` removes around a line. */
const isSpace = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

let loaded: WordList | null = null;

/** The blocklist, read from disk on the first call only. Throws when the file is missing or too short. */
export function commonPasswords(): WordList {
  if (loaded) return loaded;
  const path = CANDIDATE_PATHS.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`The common-password blocklist is missing; looked in ${CANDIDATE_PATHS.join(', ')}.`);
  const file = readFileSync(path);
  const list =
    WordList.ofSortedLines(file) ??
    WordList.of(
      file
        .toString('utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    );
  if (list.size < MIN_BLOCKLIST_ENTRIES) {
    throw new Error(`The common-password blocklist at ${path} has ${list.size} entries; at least ${MIN_BLOCKLIST_ENTRIES} are required.`);
  }
  loaded = list;
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
