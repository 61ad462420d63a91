// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * One `no-restricted-imports` block per layer: relative imports matching `patterns` (gitignore-style, `!` to allow
 * back) are refused in `files`, saying `why`; type-only imports pass.
 * @param {{ files: string[]; patterns: string[]; why: string }[]} rules
 */
function layers(rules) {
  return rules.map(({ files, patterns, why }) => ({
    files,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: patterns, message: why, allowTypeImports: true }] }] },
  }));
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'docs/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify plugins and handlers are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // The layers (README, "Architecture"): features use auth, auth uses notices and db, db uses lib; no feature imports
  // another; nothing below the features reaches up into them, the HTTP layer, the identity provider or the admin CLI.
  // Everything mailed to an account's owner goes through src/notices (docs/decisions/021-notices.md), the one module
  // that draws on the mail frame in src/views: auth renders no page and no mail. A type may cross a layer (a
  // catalogue's `Messages`, a `Locale`): it is gone once compiled. (One block per file: a second block for the same
  // files would replace this rule's patterns, not add to them.)
  ...layers([
    { files: ['src/lib/**/*.ts'], patterns: ['../**'], why: 'src/lib is the bottom layer: it imports nothing of the app' },
    { files: ['src/db/*.ts'], patterns: ['../*/**', '!../lib/**'], why: 'src/db uses src/lib only' },
    { files: ['src/db/migrations/*.ts'], patterns: ['../../*/**', '!../../lib/**'], why: 'a migration uses src/db and src/lib only' },
    {
      files: ['src/notices/**/*.ts'],
      patterns: ['../*/**', '!../lib/**', '!../db/**', '!../i18n/**', '!../views/**'],
      why: 'a notice is words and links: src/notices uses src/lib, src/db, src/i18n and the mail frame in src/views, and sits below auth and everything above it',
    },
    {
      files: ['src/auth/**/*.ts'],
      patterns: ['**/views/**', '**/features/**', '**/http/**', '**/oidc/**', '**/forward-auth/**', '**/admin/**'],
      why: 'auth sits below the features, the HTTP layer, the identity provider and the admin CLI, and renders nothing: what it mails goes through src/notices',
    },
    {
      files: ['src/views/**/*.ts', 'src/adapters/**/*.ts'],
      patterns: ['**/notices/**', '**/features/**', '**/http/**', '**/oidc/**', '**/forward-auth/**', '**/admin/**'],
      why: 'views and adapters sit below the notices, the features, the HTTP layer, the identity provider and the admin CLI',
    },
    {
      files: ['src/i18n/**/*.ts'],
      patterns: ['**/auth/**', '**/db/**', '**/notices/**', '**/oidc/**', '**/features/**', '**/http/**', '**/admin/**', '**/forward-auth/**', '**/adapters/**'],
      why: 'a catalogue holds words: it loads no rule, query or hasher (limits and problem keys are in src/lib)',
    },
    { files: ['src/features/*/*.ts'], patterns: ['../*/**', '!../../**', '../../admin/**'], why: 'a feature never imports another feature, nor the admin CLI' },
    { files: ['src/features/*/*/*.ts'], patterns: ['../../*/**', '!../../../**', '../../../admin/**'], why: 'a feature never imports another feature, nor the admin CLI' },
  ]),
  // The test suite hashes passwords at a lower cost (docs/decisions/023-test-hash-cost.md); a server never does.
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "Identifier[name='setNewHashCost']:not(FunctionDeclaration > .id)", message: 'only the test suite lowers the password-hash cost (decision 023)' }],
    },
  },
  {
    files: ['public/js/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'script' },
  },
  {
    files: ['eslint.config.js', 'scripts/**/*.js', '.ci/**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
