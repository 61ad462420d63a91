/**
 * What a field can be told is wrong with it: the keys the rules (src/auth/account-rules.ts) carry instead of text,
 * so one rule serves every language. Each catalogue words every key (`problems` in src/i18n/<locale>/problems.ts,
 * checked by its type); this list imports nothing, so the rules need no catalogue and the catalogues no rule.
 */
export const PROBLEMS = [
  'usernamePattern',
  'firstNameMissing',
  'lastNameMissing',
  'nameTooLong',
  'emailTooLong',
  'emailInvalid',
  'aboutMeTooLong',
  'passwordsDiffer',
  'passwordTooShort',
  'passwordTooLong',
  'passwordCommon',
  'passwordRepetitive',
  'passwordHasAppName',
  'passwordHasUsername',
  'passwordHasEmail',
  'passwordBreached',
] as const;

export type Problem = (typeof PROBLEMS)[number];
