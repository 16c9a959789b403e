#!/usr/bin/env node
// Entry point installed as `acr-auditor`: runs the compiled CLI when built (`npm run build`; a production
// install needs nothing else), else the TypeScript source via tsx (a devDependency: a development checkout).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('acr-auditor: not built (no dist/cli/main.js): run `npm run build`, or `npm ci` (with dev dependencies) to run from source\n');
    process.exit(2);
  }
  register();
  await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
}
