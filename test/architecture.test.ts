/**
 * The architecture checks of `npm run lint` can fail: dependency-cruiser (.dependency-cruiser.cjs) and
 * ESLint (eslint.config.js) run over test/fixtures/architecture/ (a tree laid out like the repository,
 * excluded from the normal lint run) and report each planted violation, and nothing in the modules that
 * follow the rules. The repository itself passes (the same commands as `npm run lint`).
 */
import { spawnSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURES = 'test/fixtures/architecture';
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const ESLINT = join(ROOT, 'node_modules/eslint/bin/eslint.js');

function run(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return r;
}

interface Violation {
  rule: string;
  from: string;
  to: string;
}

function cruiseFixtures(): Violation[] {
  const r = run([DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', FIXTURES], { env: { ARCH_ROOT: FIXTURES } });
  expect(r.stdout, r.stderr).toMatch(/^\s*\{/);
  const result = JSON.parse(r.stdout) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
  const strip = (p: string) => p.replace(`${FIXTURES}/`, '');
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: strip(v.from), to: strip(v.to) }));
}

describe('architecture rules (dependency-cruiser)', { timeout: 120_000 }, () => {
  const violations = cruiseFixtures();
  const of = (rule: string) => violations.filter((v) => v.rule === rule).map((v) => `${v.from} -> ${v.to}`);

  it.each([
    ['no-circular', ['cli/cycleA.ts -> cli/cycleB.ts']],
    ['pure-no-sdk', ['shared/domain/usesSdk.ts -> node_modules/@azure/core-rest-pipeline/dist/esm/index.d.ts']],
    ['pure-no-node-io', ['shared/notify/renderCard.ts -> fs']],
    ['pure-only-pure', ['shared/rules/usesAdapter.ts -> shared/inventory/adapter.ts']],
    ['not-to-dev-dep', ['shared/usecases/usesDevDep.ts -> node_modules/azurite/dist/src/main.js']],
    ['functions-shared-no-dev-dep', ['shared/usecases/usesDevDep.ts -> node_modules/azurite/dist/src/main.js']],
    ['not-to-test', ['shared/usecases/importsTest.ts -> test/helper.ts']],
    ['dev-only-lazily-from-cli', ['cli/staticDevOnly.ts -> emulator/index.ts']],
    ['functions-through-host', ['functions/bypassesHost.ts -> shared/inventory/adapter.ts']],
    ['shared-not-to-entry-points', ['shared/usecases/importsCli.ts -> cli/cycleB.ts']],
  ])('%s reports exactly its planted violation', (rule, expected) => {
    expect(of(rule)).toEqual(expected);
  });

  it('reports nothing about the modules that follow the rules', () => {
    const allowed = ['cli/typeCycleA.ts', 'cli/typeCycleB.ts', 'cli/lazyDevOnly.ts', 'shared/domain/hashes.ts', 'functions/throughHost.ts', 'shared/host.ts', 'shared/config.ts'];
    expect(violations.filter((v) => allowed.includes(v.from))).toEqual([]);
    expect(violations).toHaveLength(10);
  });

  it('the repository itself has no violation (the run of npm run lint)', () => {
    const r = run([DEPCRUISE, '--config', '.dependency-cruiser.cjs', 'shared', 'functions', 'cli', 'bin', 'emulator', 'estates', 'bench', 'scripts', 'test', 'types']);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/no dependency violations found/);
  });
});

describe('process.env only in the configuration modules (ESLint)', { timeout: 120_000 }, () => {
  it('reports process.env read or destructured outside them, and not in shared/config.ts', () => {
    // With --config, ESLint resolves the config's file patterns from the working directory: the fixture
    // tree is linted as if it were the repository (and the repository's ignore of the fixtures does not apply).
    const cwd = join(ROOT, FIXTURES);
    const r = run([ESLINT, '--config', join(ROOT, 'eslint.config.js'), '--format', 'json', '.'], { cwd });
    const results = JSON.parse(r.stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string | null; message: string }> }>;
    const reported = results.flatMap((f) => f.messages.map((m) => `${relative(cwd, f.filePath)}: ${m.ruleId}`));
    expect(reported.sort()).toEqual(['cli/destructuresEnv.ts: no-restricted-properties', 'shared/usecases/readsEnv.ts: no-restricted-properties']);
    expect(r.status).toBe(1);
  });

  it('the normal lint run does not look at the fixtures', () => {
    const r = run([ESLINT, '--format', 'json', '--max-warnings', '0', `${FIXTURES}/shared/usecases/readsEnv.ts`]);
    // Linting an ignored file explicitly gives one warning "File ignored", never the rule's error.
    const results = JSON.parse(r.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
    const messages = results.flatMap((f) => f.messages);
    expect(messages.map((m) => m.ruleId)).toEqual([null]);
    expect(messages[0]!.message).toMatch(/ignored/i);
  });
});
