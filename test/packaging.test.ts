/**
 * A production-only install starts (issue 11): dev-only code (the emulator, the demo estates, the embedded
 * Azurite, the local Teams/SMTP receivers) is never loaded by the Functions or by the CLI's ordinary
 * commands, and the Functions package (.funcignore) holds what the Function App needs and nothing else.
 *
 *   1. build with the repository's toolchain (tsconfig.build.json, `npm run build`) into a temp outDir;
 *   2. lay out package.json, package-lock.json, host.json and that dist in a temp folder and run
 *      `npm ci --omit=dev` there (the npm registry, through the user's npm cache; a failure fails the test);
 *   3. select the Functions package with .funcignore (git's own ignore matching, in a scratch repository)
 *      and import every dist/functions/*.js from it with node;
 *   4. run `node dist/cli/main.js rules`, `--help`, and `audit` without any Azure credential (the managed
 *      identity endpoint is a loopback server that says no identity is assigned: nothing leaves loopback):
 *      the clear 'no Azure credential' message and exit 2, never a missing module.
 * About 60-90 s (the build and npm ci); it runs with the rest of `npm test`.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The npm cache the user's npm uses (npm config get cache), so the install reads packages already fetched. */
const NPM_CACHE = spawnSync(NPM, ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();

function sh(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number; input?: string }): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  if (r.error) throw r.error;
  return r;
}
/** Asynchronous: the child talks to the loopback server of this process, whose event loop must keep running. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number }): Promise<Pick<SpawnSyncReturns<string>, 'status' | 'stdout' | 'stderr'>> {
  return new Promise((resolve_, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve_({ status, stdout, stderr });
    });
  });
}
const shown = (r: Pick<SpawnSyncReturns<string>, 'status' | 'stdout' | 'stderr'>) => `exit ${r.status}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

/** Every file under `dir`, relative, with forward slashes. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? walk(dir, rel) : [rel];
  });
}

/** Only loopback: a managed identity endpoint that says no identity is assigned (as IMDS does on a VM without one). */
function noIdentityServer(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_request', error_description: 'No managed identity is assigned to this resource.' }));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

describe('a production-only install (npm ci --omit=dev) starts', { timeout: 300_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'acr-auditor-packaging-'));
  const app = join(work, 'app'); // package.json + lock + host.json + dist + production node_modules
  const funcPackage = join(work, 'functions-package'); // what .funcignore lets into the Functions package
  let server: Server;
  let functionsPackageFiles: string[] = [];

  beforeAll(async () => {
    server = await noIdentityServer();

    // 1. Build with the repository's toolchain (the build script's own tsconfig) into a temp outDir.
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const build = sh(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')], { cwd: ROOT, timeout: 180_000 });
    expect(build.status, `npm run build (tsc -p tsconfig.build.json) failed\n${shown(build)}`).toBe(0);

    // 2. The production install, from the repository's lock file.
    for (const f of ['package.json', 'package-lock.json', 'host.json']) cpSync(join(ROOT, f), join(app, f));
    const ci = sh(NPM, ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--cache', NPM_CACHE], { cwd: app, timeout: 240_000 });
    expect(ci.status, `npm ci --omit=dev failed (it needs the npm registry or a warm npm cache)\n${shown(ci)}`).toBe(0);

    // 3. The Functions package: the files .funcignore keeps, matched by git itself (gitignore syntax, as azd reads it).
    const scratch = join(work, 'funcignore');
    mkdirSync(scratch);
    const candidates = [...walk(app).filter((f) => !f.startsWith('node_modules/')), 'node_modules/@azure/functions/package.json', 'cli/main.ts', 'test/x.test.ts'];
    for (const f of candidates) {
      mkdirSync(dirname(join(scratch, f)), { recursive: true });
      cpSync(existsSync(join(app, f)) ? join(app, f) : join(ROOT, 'package.json'), join(scratch, f));
    }
    cpSync(join(ROOT, '.funcignore'), join(scratch, '.gitignore'));
    const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    const init = sh('git', ['init', '-q'], { cwd: scratch, env: gitEnv });
    expect(init.status, shown(init)).toBe(0);
    const listed = sh('git', ['-c', 'core.excludesFile=/dev/null', 'ls-files', '--others', '--exclude-standard'], { cwd: scratch, env: gitEnv });
    expect(listed.status, shown(listed)).toBe(0);
    functionsPackageFiles = listed.stdout.split('\n').filter(Boolean).sort();
    for (const f of functionsPackageFiles) {
      mkdirSync(dirname(join(funcPackage, f)), { recursive: true });
      cpSync(join(app, f), join(funcPackage, f));
    }
    // The production node_modules, as the deployment installs it from the lock.
    symlinkSync(join(app, 'node_modules'), join(funcPackage, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    rmSync(work, { recursive: true, force: true });
  });

  it('installs no devDependency', () => {
    for (const dev of ['azurite', 'typescript', 'tsx', 'vitest', 'selfsigned', 'smtp-server', 'dependency-cruiser']) {
      expect(existsSync(join(app, 'node_modules', dev)), `${dev} was installed`).toBe(false);
    }
    expect(existsSync(join(app, 'node_modules/@azure/functions/package.json'))).toBe(true);
  });

  it('.funcignore keeps host.json, package files and the compiled Function App, and nothing dev-only', () => {
    const files = functionsPackageFiles;
    expect(files).toContain('host.json');
    expect(files).toContain('package.json');
    expect(files).toContain('package-lock.json');
    expect(files).toContain('dist/shared/host.js');
    const functions = readdirSync(join(app, 'dist/functions')).filter((f) => f.endsWith('.js'));
    expect(functions.length).toBeGreaterThan(0);
    for (const f of functions) expect(files).toContain(`dist/functions/${f}`);
    const devOnly = /^(?:dist\/(?:cli|emulator|estates|shared\/local)\/|dist\/shared\/notify\/local\.js|node_modules\/|cli\/|test\/)|\.(?:ts|map)$/;
    expect(files.filter((f) => devOnly.test(f))).toEqual([]);
  });

  it('loads every dist/functions/*.js from the Functions package without dev dependencies', () => {
    const functions = readdirSync(join(funcPackage, 'dist/functions')).filter((f) => f.endsWith('.js'));
    for (const f of functions) {
      const r = sh(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(`./dist/functions/${f}`)});`], { cwd: funcPackage });
      // @azure/functions outside the host prints a "test mode" warning on stderr: harmless.
      expect(r.status, `${f}\n${shown(r)}`).toBe(0);
      expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (?:package|module)/);
    }
  });

  it('runs `acr-auditor rules` and `--help` (dist/cli/main.js and bin/acr-auditor.mjs)', () => {
    const rules = sh(process.execPath, ['dist/cli/main.js', 'rules'], { cwd: app });
    expect(rules.status, shown(rules)).toBe(0);
    expect(rules.stdout).toMatch(/^registry\.approved\s/m);
    expect(rules.stdout).toMatch(/^audit\.scope-readable\s/m);

    const help = sh(process.execPath, ['dist/cli/main.js', '--help'], { cwd: app });
    expect(help.status, shown(help)).toBe(0);
    expect(help.stdout).toMatch(/^usage: acr-auditor <command>/);

    mkdirSync(join(app, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'bin/acr-auditor.mjs'), join(app, 'bin/acr-auditor.mjs'));
    const viaBin = sh(process.execPath, ['bin/acr-auditor.mjs', 'rules', '--format', 'json'], { cwd: app });
    expect(viaBin.status, shown(viaBin)).toBe(0);
    expect((JSON.parse(viaBin.stdout) as Array<{ id: string }>).map((r) => r.id)).toContain('registry.approved');
  });

  it('`acr-auditor audit` without an Azure credential says so and exits 2 (no missing module)', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(AUDITOR_|AZURE_|IDENTITY_|MSI_|IMDS_)/.test(k)) env[k] = v;
    Object.assign(env, {
      AUDITOR_APPROVED_REGISTRIES: 'contoso*.azurecr.io',
      // No az, azd or pwsh to ask; the managed identity endpoint is the loopback server above.
      PATH: '/nonexistent-acr-auditor-packaging',
      IDENTITY_ENDPOINT: `http://127.0.0.1:${(server.address() as { port: number }).port}/msi/token`,
      IDENTITY_HEADER: 'test',
    });
    const r = await run(process.execPath, ['dist/cli/main.js', 'audit', '--format', 'json'], { cwd: app, env, timeout: 60_000 });
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (?:package|module)/);
    expect(r.status, shown(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^acr-auditor: no Azure credential found: run `az login`/m);
  });
});
