/**
 * The rules for a new password (NIST SP 800-63B-4 §3.1.1.2; OWASP ASVS 5.0
 * V6.2): 15 to 1024 code points after NFKC, any characters, no composition
 * rules, not on the common-password blocklist, not the account's own words.
 */
import { readFileSync } from 'node:fs';
import { en } from '../../src/i18n/en/index.js';
import { describe, expect, it } from 'vitest';
import type { PwnedPasswords, PwnedPasswordsResult } from '../../src/adapters/pwned-passwords/types.js';
import {
  breachedPasswordProblem,
  newPasswordFormRules,
  newPasswordRule,
  PASSWORD_PROBLEMS,
  passwordContextProblem,
} from '../../src/auth/account-rules.js';
import { commonPasswords, isCommonPassword, MIN_BLOCKLIST_ENTRIES, WordList } from '../../src/auth/password-blocklist.js';

const problemOf = (password: string) => {
  const result = newPasswordRule.safeParse(password);
  return result.success ? null : result.error.issues[0]!.message;
};

describe('length', () => {
  it('needs 15 code points after NFKC: 14 fail, 15 pass', () => {
    expect(problemOf('tulip lantern z')).toBeNull(); // 15
    expect(problemOf('tulip lantern ')).toBe(PASSWORD_PROBLEMS.tooShort); // 14
  });

  it('counts code points, not UTF-16 units: 8 emoji are 16 units but 8 characters', () => {
    expect(problemOf('🐙🦑🐠🐡🦀🦞🐚🐳')).toBe(PASSWORD_PROBLEMS.tooShort);
    expect(problemOf('🐙🦑🐠🐡🦀🦞🐚🐳🐙🦑🐠🐡🦀🦞🐚')).toBeNull(); // 15 emoji
  });

  it('counts after NFKC: the ligature "ﬃ" is three letters, so 9 code points typed can be 19 counted', () => {
    expect([...'ﬃ'.normalize('NFKC')]).toEqual(['f', 'f', 'i']);
    expect(problemOf('ﬃ ﬃ ﬃ ﬃ ﬃ')).toBeNull(); // 9 code points typed, 19 after NFKC
  });

  it('accepts up to 1024 code points and refuses 1025, never truncating', () => {
    const base = 'the quick brown fox jumps over the lazy dog ';
    const exact = (n: number) => base.repeat(Math.ceil(n / base.length) + 1).slice(0, n - 1) + '!';
    expect(problemOf(exact(128))).toBeNull();
    expect(problemOf(exact(1024))).toBeNull();
    expect(problemOf(exact(1025))).toBe(PASSWORD_PROBLEMS.tooLong);
  });

  it('has no composition rules: lower-case words with spaces are fine, so are emoji and any script', () => {
    for (const ok of ['correct horse battery staple', 'ünïcödé passphräse ok', '😀 smile and wave 🌊', 'пароль из четырёх слов', '密码是四个字组成的一句话好记吧']) {
      expect(problemOf(ok), ok).toBeNull();
    }
  });
});

describe('blocklist', () => {
  it('ships at least the 10,000 most common passwords, lower-cased', () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThanOrEqual(MIN_BLOCKLIST_ENTRIES);
    for (const top of ['123456', 'password', 'qwerty', 'iloveyou', 'trustno1']) expect(list.has(top), top).toBe(true);
    expect([...list].every((w) => w === w.toLowerCase())).toBe(true);
  });

  it('keeps the list compact and still finds every word, and only those (prefixes, non-ASCII, duplicates)', () => {
    const words = ['b', 'a', 'ä', 'aa', 'a', 'passwort', 'contraseña', '密码123'];
    const list = WordList.of(words);
    expect(list.size).toBe(7);
    for (const word of words) expect(list.has(word), word).toBe(true);
    for (const other of ['', 'c', 'aaa', 'passwor', 'passworte', 'contrasena', 'A', '密码']) expect(list.has(other), other).toBe(false);
    expect(new Set(list)).toEqual(new Set(words));
    expect(WordList.of([]).has('a')).toBe(false);
  });

  it('reads a file of lines in byte order as it is, and leaves any other file to be sorted', () => {
    const sorted = WordList.ofSortedLines(Buffer.from('a\naa\nb\ncontraseña\npasswort\nä\n密码123\n'));
    expect(sorted && [...sorted]).toEqual([...WordList.of(['b', 'a', 'ä', 'aa', 'passwort', 'contraseña', '密码123'])]);
    for (const word of ['a', 'aa', 'ä', '密码123']) expect(sorted?.has(word), word).toBe(true);
    for (const other of ['', 'c', 'aaa', '密码']) expect(sorted?.has(other), other).toBe(false);
    expect(WordList.ofSortedLines(Buffer.from('a\nb'))?.has('b')).toBe(true); // no newline at the end
    for (const file of ['b\na\n', 'a\na\n', 'a\n\nb\n', 'a\r\nb\r\n', ' a\nb\n', 'a\nb \n', 'a\n\tb\n']) {
      expect(WordList.ofSortedLines(Buffer.from(file)), JSON.stringify(file)).toBeNull();
    }
  });

  it('ships its list in byte order, so the start reads it without sorting', () => {
    const shipped = readFileSync(new URL('../../src/auth/data/common-passwords.txt', import.meta.url));
    const asRead = WordList.ofSortedLines(shipped);
    const lines = shipped.toString('utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '');
    expect(asRead && [...asRead]).toEqual([...WordList.of(lines)]);
  });

  it('matches ignoring case and after NFKC (full-width letters)', () => {
    expect(isCommonPassword('PassWordPassWord')).toBe(true);
    expect(isCommonPassword('ｐａｓｓｗｏｒｄｐａｓｓｗｏｒｄ')).toBe(true); // full-width
    expect(isCommonPassword('not on any list, surely')).toBe(false);
  });

  it('refuses common passwords long enough to pass the length rule', () => {
    for (const common of ['passwordpassword', '1qaz2wsx3edc4rfv', 'QWERTYUIOP12345', '123456789987654321']) {
      expect(problemOf(common), common).toBe(PASSWORD_PROBLEMS.common);
    }
  });

  it('refuses a short unit or a common password repeated', () => {
    expect(problemOf('aaaaaaaaaaaaaaaa')).toBe(PASSWORD_PROBLEMS.repetitive);
    expect(problemOf('abcabcabcabcabcabc')).toBe(PASSWORD_PROBLEMS.repetitive);
    expect(problemOf('dragondragondragon')).toBe(PASSWORD_PROBLEMS.repetitive);
    expect(problemOf('tulip lantern tulip lantern')).toBeNull(); // a long phrase said twice is not "short"
  });
});

describe('account words', () => {
  const account = { username: 'Marie.Curie', email: 'mcurie+lab@example.org' };

  it('refuses the username, the email local part (with or without +tag) and the app name, ignoring case', () => {
    expect(passwordContextProblem('my name is MARIE.CURIE ok', account)).toBe(PASSWORD_PROBLEMS.username);
    expect(passwordContextProblem('radium and mcurie+lab forever', account)).toBe(PASSWORD_PROBLEMS.email);
    expect(passwordContextProblem('radium and McUrie forever', account)).toBe(PASSWORD_PROBLEMS.email);
    expect(passwordContextProblem('my GateHouse password', account)).toBe(PASSWORD_PROBLEMS.appName);
    expect(passwordContextProblem('ｇａｔｅｈｏｕｓｅ in full width', account)).toBe(PASSWORD_PROBLEMS.appName);
    expect(passwordContextProblem('polonium glows in the dark', account)).toBeNull();
  });

  it('ignores an email local part shorter than 3 characters', () => {
    expect(passwordContextProblem('jolly old password here', { username: 'someone', email: 'jo@example.org' })).toBeNull();
    expect(passwordContextProblem('jolly old password here', { username: 'someone', email: 'jol@example.org' })).toBe(PASSWORD_PROBLEMS.email);
  });

  it('newPasswordFormRules puts each problem on its field', () => {
    const rules = newPasswordFormRules(account);
    const mismatch = rules.safeParse({ password: 'polonium glows in the dark', confirm_password: 'polonium glows' });
    expect(mismatch.success).toBe(false);
    expect(mismatch.error!.issues.map((i) => i.path.join('.'))).toEqual(['confirm_password']);
    const context = rules.safeParse({ password: 'marie.curie is great', confirm_password: 'marie.curie is great' });
    expect(context.error!.issues).toMatchObject([{ path: ['password'], message: PASSWORD_PROBLEMS.username }]);
    expect(rules.safeParse({ password: 'polonium glows in the dark', confirm_password: 'polonium glows in the dark' }).success).toBe(true);
  });
});

describe('breached-password check', () => {
  const fixed = (result: PwnedPasswordsResult): PwnedPasswords & { seen: string[] } => {
    const seen: string[] = [];
    return { seen, check: async (p) => (seen.push(p), result) };
  };

  it('refuses only a breached password; off, not found and unavailable (fails open) let it through', async () => {
    expect(await breachedPasswordProblem(fixed({ kind: 'breached', count: 3 }), 'x')).toBe(PASSWORD_PROBLEMS.breached);
    for (const kind of ['not_found', 'unavailable', 'off'] as const) {
      expect(await breachedPasswordProblem(fixed({ kind }), 'x'), kind).toBeNull();
    }
  });

  it('checks the password as it will be hashed (NFKC)', async () => {
    const pwned = fixed({ kind: 'not_found' });
    await breachedPasswordProblem(pwned, 'ﬁne ｐａｓｓｐｈｒａｓｅ');
    expect(pwned.seen).toEqual(['fine passphrase']);
  });
});

describe('the hint beside the field', () => {
  it('says 15, why, and suggests a passphrase', () => {
    expect(en.problems.newPasswordHint).toContain('At least 15 characters');
    expect(en.problems.newPasswordHint).toContain('only thing protecting your account');
    expect(en.problems.newPasswordHint).toContain('passphrase');
  });
});
