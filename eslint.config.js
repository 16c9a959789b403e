// Lint, including the architecture rules that keep the core pure (STYLE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layer rules (pure core, dev-only code, devDependencies, cycles, functions/ -> host) are
// dependency-cruiser's (.dependency-cruiser.cjs, also run by `npm run lint`); this file keeps the
// rule about process.env, which is about a property, not an import.

/** The configuration modules: the only readers of process.env (STYLE.md "Ports and composition"). */
const ENV_READERS = [
  'shared/config.ts', // environment(), and useLocalManagedIdentity for the CLI's loopback emulator
  'shared/notify/config.ts',
];

export default tseslint.config(
  // test/fixtures/architecture/ breaks the architecture rules on purpose: linted only by test/architecture.test.ts.
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'out/**', '.acr-auditor/**', 'test/fixtures/architecture/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Product and dev-only code read settings only through the configuration modules.
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'cli/**/*.ts', 'emulator/**/*.ts', 'estates/**/*.ts', 'bin/**/*.{js,mjs}'],
    ignores: ENV_READERS,
    rules: {
      'no-restricted-properties': ['error', {
        object: 'process',
        property: 'env',
        message: 'Only the configuration modules (shared/config.ts, shared/notify/config.ts) read process.env: take the value from the validated configuration.',
      }],
      // `process.env`, `process['env']` and `const { env } = process` are the rule above; these are the other spellings.
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.property.name='process'][property.name='env']",
        message: 'Only the configuration modules read process.env.',
      }],
      'no-restricted-imports': ['error', {
        paths: ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: 'Only the configuration modules read process.env.' })),
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
