import { hash } from 'node:crypto';

/**
 * The account's picture: a Gravatar identicon from the md5 of the lower-cased email (Gravatar's scheme), as the
 * profile page shows it (where a local image replaces it if it fails to load) and as apps get it (`picture`).
 */
export function avatarUrl(email: string, size: number): string {
  const digest = hash('md5', email.trim().toLowerCase(), 'hex');
  return `https://www.gravatar.com/avatar/${digest}?d=identicon&s=${size}`;
}
