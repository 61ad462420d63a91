import { describe, expect, it } from 'vitest';
import { normalizeRecoveryCode, RecoveryCodes } from '../../src/auth/recovery-codes.js';
import { SecretBox } from '../../src/lib/secret-box.js';

describe('SecretBox (AES-256-GCM at rest)', () => {
  const box = new SecretBox('a-secret-key-that-is-at-least-32-bytes-long', 'totp-secret');
  const plaintext = Buffer.from('0123456789abcdefghij');

  it('opens what it sealed; each seal differs (fresh IV)', () => {
    const a = box.seal(plaintext);
    const b = box.seal(plaintext);
    expect(a).not.toBe(b);
    expect(box.open(a)?.equals(plaintext)).toBe(true);
  });

  it('refuses a tampered, truncated-tag, other-purpose or other-key value', () => {
    const sealed = box.seal(plaintext);
    const [v, iv, ct, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(box.open([v, iv, flipped.toString('base64url'), tag].join('.'))).toBeNull();
    expect(box.open([v, iv, ct, Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url')].join('.'))).toBeNull();
    expect(new SecretBox('a-secret-key-that-is-at-least-32-bytes-long', 'another-purpose').open(sealed)).toBeNull();
    expect(new SecretBox('another-secret-key-at-least-32-bytes-long!', 'totp-secret').open(sealed)).toBeNull();
    expect(box.open('v2.x.y.z')).toBeNull();
    expect(box.open('garbage')).toBeNull();
  });
});

describe('recovery codes', () => {
  const codes = new RecoveryCodes('a-secret-key-that-is-at-least-32-bytes-long');

  it('makes ten distinct codes in groups of four, hashed under the key', () => {
    const { codes: plain, hashes } = codes.generate();
    expect(plain).toHaveLength(10);
    expect(new Set(plain).size).toBe(10);
    for (const code of plain) expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
    expect(codes.hashTyped(plain[0]!)).toBe(hashes[0]);
    expect(new RecoveryCodes('another-secret-key-at-least-32-bytes-long!').hashTyped(plain[0]!)).not.toBe(hashes[0]);
  });

  it('accepts any case, spaces and dashes, and refuses what cannot be a code', () => {
    expect(normalizeRecoveryCode(' abcd efgh-jkmn ')).toBe('ABCDEFGHJKMN');
    expect(normalizeRecoveryCode('ABCD-EFGH-JKM')).toBeNull();
    expect(normalizeRecoveryCode('ABCD-EFGH-JKM0')).toBeNull(); // 0 is not in the alphabet
    expect(normalizeRecoveryCode('')).toBeNull();
  });
});
