/**
 * Encryption at rest for secrets the server must read back (an authenticator
 * app's TOTP key): AES-256-GCM under a key derived from SECRET_KEY with HKDF,
 * one key per purpose. A copy of the database alone does not reveal the
 * secrets; the authentication tag makes a tampered value fail to open rather
 * than decrypt to garbage. Format: `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
/** Full-length tags only: GCM would otherwise accept a truncated (weaker) one. */
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  /** `purpose` separates keys: a value sealed for one purpose does not open under another. */
  constructor(secretKey: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), `gatehouse:secret-box:${purpose}`, 32));
  }

  seal(plaintext: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The plaintext, or null when the value is malformed, tampered with, or sealed under another key. */
  open(sealed: string): Buffer | null {
    const [version, iv, ciphertext, tag, ...rest] = sealed.split('.');
    if (version !== VERSION || iv === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    } catch {
      return null;
    }
  }
}
