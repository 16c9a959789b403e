#!/usr/bin/env node
// `npm test`: typecheck, lint (with the architecture rules), the Bicep compiler over infra/
// (scripts/infra-check.ts: lint + build, fails on any warning), then vitest. Prints the closing
// line `N passed, N failed` that CI reads; exits non-zero when any step fails (a failed step
// counts as one failure).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const extra = process.argv.slice(2);
const steps = [
  ['typecheck', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  // `npm run lint`: eslint, then the architecture rules (dependency-cruiser, .dependency-cruiser.cjs).
  ['lint', ['run', '--silent', 'lint'], npm],
  ['infra', ['tsx', 'scripts/infra-check.ts']],
];
console.log(`[test] node ${process.version}`);
let failedSteps = [];
for (const [name, args, command = npx] of steps) {
  const started = Date.now();
  const r = spawnSync(command, args, { stdio: 'inherit' });
  console.log(`[test] ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) failedSteps.push(name);
}

const report = join(tmpdir(), `acr-auditor-vitest-${process.pid}.json`);
const started = Date.now();
const v = spawnSync(npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], {
  stdio: 'inherit',
});
console.log(`[test] vitest: ${v.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  rmSync(report, { force: true });
} else {
  failed = 1;
}
if (v.status !== 0 && failed === 0) failed = 1; // a suite that failed to load still fails the run
failed += failedSteps.length; // a failed typecheck or lint counts as a failure
if (failedSteps.length) console.log(`[test] failed steps: ${failedSteps.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && v.status === 0 ? 0 : 1);
