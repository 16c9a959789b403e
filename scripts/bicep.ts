/**
 * The pinned Bicep CLI and what we do with it: find it in the git-ignored cache or restore it from
 * NuGet (infra/tools/bicep.csproj, Azure.Bicep.CommandLine.<rid>), lint and build the infra, and
 * evaluate deployments offline with `bicep snapshot`. Used by scripts/infra-check.ts
 * (`npm run infra:check`, a step of `npm test`) and by the tests in test/infra.
 *
 * Everything the .NET SDK and NuGet write goes under .cache/bicep (packages, HTTP cache, the
 * CLI's home), so nothing depends on the user's home folder.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const INFRA = join(ROOT, 'infra');
export const CSPROJ = join(INFRA, 'tools', 'bicep.csproj');
export const CACHE = join(ROOT, '.cache', 'bicep');
const PACKAGES = join(CACHE, 'packages');

/** The pinned version: the <BicepVersion> of infra/tools/bicep.csproj. */
export function pinnedVersion(): string {
  const m = /<BicepVersion>([^<]+)<\/BicepVersion>/.exec(readFileSync(CSPROJ, 'utf8'));
  if (!m?.[1]) throw new Error(`${relative(ROOT, CSPROJ)}: no <BicepVersion>`);
  return m[1].trim();
}

/** NuGet runtime id of the Bicep package for this machine. Only linux-x64 was checked here. */
export function bicepRid(): string {
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform as string];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch as string];
  if (!os || !arch) throw new Error(`no Bicep CLI package for ${process.platform}-${process.arch}`);
  return `${os}-${arch}`;
}

export function bicepPath(version = pinnedVersion(), rid = bicepRid()): string {
  const exe = rid.startsWith('win') ? 'bicep.exe' : 'bicep';
  return join(PACKAGES, `azure.bicep.commandline.${rid}`, version, 'tools', exe);
}

/** Environment for dotnet / NuGet: quiet, no telemetry, every folder inside .cache/bicep. */
export function dotnetEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    DOTNET_NOLOGO: '1',
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
    DOTNET_CLI_HOME: join(CACHE, 'home'),
    NUGET_PACKAGES: PACKAGES,
    NUGET_HTTP_CACHE_PATH: join(CACHE, 'http-cache'),
    NUGET_PLUGINS_CACHE_PATH: join(CACHE, 'plugins-cache'),
  };
}

/** `bicep --version` prints "Bicep CLI version 0.49.2 (b34271ac51)". */
function runsAs(path: string, version: string): boolean {
  if (!existsSync(path)) return false;
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes(`version ${version} `);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Run `fn` holding a lock folder (parallel test workers may all want the compiler at once). */
function withLock<T>(name: string, fn: () => T): T {
  mkdirSync(CACHE, { recursive: true });
  const lock = join(CACHE, `${name}.lock`);
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 10 minutes belongs to a process that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* removed meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export class BicepUnavailableError extends Error {}

/**
 * Path of the pinned Bicep CLI; restores it when it is missing or does not run. Throws
 * BicepUnavailableError with the reason (no dotnet, restore failed) instead of skipping.
 */
export function ensureBicep(log: (line: string) => void = () => {}): string {
  const version = pinnedVersion();
  const rid = bicepRid();
  const path = bicepPath(version, rid);
  if (runsAs(path, version)) return path;
  return withLock('restore', () => {
    if (runsAs(path, version)) return path; // another process restored it meanwhile
    log(`restoring Azure.Bicep.CommandLine.${rid} ${version} from NuGet into ${relative(ROOT, PACKAGES)} ...`);
    const started = Date.now();
    let r: SpawnSyncReturns<string>;
    try {
      r = spawnSync('dotnet', ['restore', CSPROJ, `-p:BicepRid=${rid}`, '--verbosity', 'quiet'], { encoding: 'utf8', env: dotnetEnv() });
    } catch (error) {
      throw new BicepUnavailableError('cannot run dotnet (the .NET SDK is needed to restore the Bicep CLI)', { cause: error });
    }
    if (r.error) throw new BicepUnavailableError(`cannot run dotnet (the .NET SDK is needed to restore the Bicep CLI): ${r.error.message}`);
    if (r.status !== 0) {
      throw new BicepUnavailableError(`dotnet restore ${relative(ROOT, CSPROJ)} failed (exit ${r.status}):\n${`${r.stdout}\n${r.stderr}`.trim()}`);
    }
    if (existsSync(path) && !rid.startsWith('win')) chmodSync(path, 0o755);
    if (!runsAs(path, version)) throw new BicepUnavailableError(`restored, but ${relative(ROOT, path)} does not run as Bicep ${version}`);
    log(`restored in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return path;
  });
}

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  message: string;
}

/** Parses Bicep's default diagnostics format: `path(line,col) : Level code: message [link]`. */
export function parseDiagnostics(output: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([^:\s]+): (.*)$/.exec(line.trim());
    if (m) out.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), level: m[4] as Diagnostic['level'], code: m[5]!, message: m[6]!.replace(/\s*\[https?:\/\/[^\]]+\]$/, '') });
  }
  return out;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${relative(ROOT, d.file).split(sep).join('/')}:${d.line}:${d.column} ${d.level} ${d.code}: ${d.message}`;
}

export interface BicepRun {
  status: number | null;
  stdout: string;
  stderr: string;
  diagnostics: Diagnostic[];
}

export function runBicep(bicep: string, args: string[], cwd = ROOT): BicepRun {
  const r = spawnSync(bicep, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, diagnostics: parseDiagnostics(`${r.stdout}\n${r.stderr}`) };
}

/** runBicep without blocking: the infra check runs lint and the builds side by side. */
export function runBicepAsync(bicep: string, args: string[], cwd = ROOT): Promise<BicepRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bicep, args, { cwd, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr, diagnostics: parseDiagnostics(`${stdout}\n${stderr}`) }));
  });
}

/** Every .bicep file under infra/, sorted. */
export function bicepFiles(dir = INFRA): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...bicepFiles(full));
    else if (entry.endsWith('.bicep')) out.push(full);
  }
  return out.sort();
}

/** Entry points: the .bicep files no other file uses as a local module. */
export function entryFiles(files = bicepFiles()): string[] {
  const used = new Set<string>();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^\s*module\s+\w+\s+'([^']+\.bicep)'/gm)) used.add(resolve(dirname(f), m[1]!));
  }
  return files.filter((f) => !used.has(f));
}

/** Hash of everything that decides the compiler's output: version, .bicep files, bicepconfig.json. */
export function infraHash(): string {
  const h = createHash('sha256').update(pinnedVersion());
  for (const f of [...bicepFiles(), join(INFRA, 'bicepconfig.json')]) {
    if (!existsSync(f)) continue;
    h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** Folder of compiled templates for the current infra: .cache/bicep/out/<hash>/<path under infra>.json. */
export function outDir(): string {
  return join(CACHE, 'out', infraHash());
}

export function compiledPath(entry: string): string {
  return join(outDir(), relative(INFRA, entry).replace(/\.bicep$/, '.json'));
}

/** Writes a file atomically (parallel test workers may write the same one). */
export function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The ARM JSON of an entry file (`bicep build`), cached per infra hash. Throws on any error. */
export function armTemplate(entryRelativeToInfra: string): Record<string, unknown> {
  const entry = join(INFRA, entryRelativeToInfra);
  const out = compiledPath(entry);
  if (!existsSync(out)) {
    const bicep = ensureBicep();
    const r = runBicep(bicep, ['build', entry, '--stdout']);
    const errors = r.diagnostics.filter((d) => d.level === 'Error');
    if (r.status !== 0 || errors.length) throw new Error(`bicep build ${entryRelativeToInfra} failed:\n${errors.map(formatDiagnostic).join('\n') || r.stderr}`);
    writeAtomic(out, r.stdout);
  }
  return JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
}

export interface SnapshotResource {
  id: string;
  type: string;
  name: string;
  apiVersion: string;
  condition?: string;
  location?: string;
  kind?: string;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
}

export interface Snapshot {
  predictedResources: SnapshotResource[];
  diagnostics: unknown[];
  outputs: Record<string, unknown>;
}

export interface SnapshotScope {
  subscriptionId: string;
  tenantId: string;
  location: string;
}

export const TEST_SCOPE: SnapshotScope = {
  subscriptionId: '00000000-0000-0000-0000-0000000000a1',
  tenantId: '00000000-0000-0000-0000-0000000000f1',
  location: 'swedencentral',
};

/**
 * Evaluates a deployment offline with `bicep snapshot`: every resource the template (and its
 * modules) would deploy with these parameters, with the expressions that do not depend on deployed
 * resources evaluated. `params` are Bicep expressions keyed by parameter name. Cached per infra hash.
 */
export function snapshot(entryRelativeToInfra: string, params: Record<string, string>, scope: SnapshotScope = TEST_SCOPE): Snapshot {
  const entry = join(INFRA, entryRelativeToInfra);
  const body = Object.entries(params).map(([k, v]) => `param ${k} = ${v}`).join('\n');
  const key = createHash('sha256').update(entryRelativeToInfra).update(body).update(JSON.stringify(scope)).digest('hex').slice(0, 16);
  const dir = join(outDir(), 'snapshots');
  const paramFile = join(dir, `${key}.bicepparam`);
  const snapFile = join(dir, `${key}.snapshot.json`);
  if (!existsSync(snapFile)) {
    const bicep = ensureBicep();
    const using = relative(dir, entry).split(sep).join('/');
    const work = join(dir, `${key}.${process.pid}`);
    mkdirSync(work, { recursive: true });
    const workParam = join(work, `${key}.bicepparam`);
    writeFileSync(workParam, `using '${relative(work, entry).split(sep).join('/')}'\n${body}\n`);
    const r = runBicep(bicep, ['snapshot', workParam, '--mode', 'overwrite', '--subscription-id', scope.subscriptionId, '--tenant-id', scope.tenantId, '--location', scope.location]);
    const produced = join(work, `${key}.snapshot.json`);
    if (r.status !== 0 || !existsSync(produced)) {
      rmSync(work, { recursive: true, force: true });
      throw new Error(`bicep snapshot of ${entryRelativeToInfra} failed:\n${r.diagnostics.map(formatDiagnostic).join('\n') || r.stderr}`);
    }
    writeAtomic(paramFile, `using '${using}'\n${body}\n`);
    writeAtomic(snapFile, readFileSync(produced, 'utf8'));
    rmSync(work, { recursive: true, force: true });
  }
  return JSON.parse(readFileSync(snapFile, 'utf8')) as Snapshot;
}
