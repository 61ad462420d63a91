/** The default (PWNED_PASSWORDS_CHECK unset): no password leaves the machine, even as a hash prefix. */
import type { PwnedPasswords } from './types.js';

export const pwnedPasswordsOff: PwnedPasswords = {
  check: async () => ({ kind: 'off' }),
};
