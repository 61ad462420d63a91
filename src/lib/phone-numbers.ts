/**
 * libphonenumber-js with its full metadata, loaded on the first phone number
 * the app sees rather than at start: it is a few MB of memory that a server
 * whose users never touch a phone page does not need (idle RSS, issue #4).
 */
import { createRequire } from 'node:module';
import type * as PhoneNumbers from 'libphonenumber-js/max';

let loaded: typeof PhoneNumbers | undefined;

export function phoneNumbers(): typeof PhoneNumbers {
  loaded ??= createRequire(import.meta.url)('libphonenumber-js/max') as typeof PhoneNumbers;
  return loaded;
}
