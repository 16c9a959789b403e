// Lint, including the architecture rules that keep the core pure (STYLE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const SDK_AND_IO = [
  { group: ['@azure/*'], message: 'The pure core imports no Azure SDK: put I/O in an adapter.' },
  { group: ['node:*', '!node:crypto', 'fs', 'path', 'http', 'https', 'net', 'tls', 'child_process', 'os'], message: 'The pure core does no node I/O (hashing with node:crypto is allowed).' },
  { group: ['nodemailer', 'smtp-server', 'azurite', 'azurite/*'], message: 'The pure core does no I/O.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'out/**', '.acr-auditor/**'] },
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
    // shared/ is the domain and its adapters: it never depends on the Functions host or on functions/.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@azure/functions', message: 'shared/ never imports @azure/functions: triggers live in functions/.' }],
        patterns: [{ group: ['**/functions/**', '../functions/*', '../../functions/*'], message: 'shared/ never imports functions/.' },
                   { group: ['**/cli/**', '**/emulator/**'], message: 'shared/ never imports the CLI or the emulator.' }],
      }],
    },
  },
  {
    // The pure core: no SDK, no node I/O, nothing from the adapters.
    files: ['shared/domain/**/*.ts', 'shared/rules/**/*.ts', 'shared/findings/diff.ts', 'shared/findings/keys.ts', 'shared/notify/plan.ts', 'shared/events/parse.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@azure/functions', message: 'The pure core never imports @azure/functions.' }],
        patterns: [...SDK_AND_IO,
          { group: ['**/functions/**', '**/cli/**', '**/emulator/**'], message: 'The pure core imports only the pure core.' },
          { group: ['**/inventory/*', '**/usecases/*', '**/services*', '**/config*', '**/*Store*', '**/*Notifier*'], message: 'The pure core does not import adapters, use cases or configuration.' }],
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
