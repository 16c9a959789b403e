/**
 * `npm run infra:check` (and a step of `npm test`): the real Bicep compiler over infra/.
 *
 * 1. finds the pinned Bicep CLI in .cache/bicep or restores it from NuGet (fails loudly when it
 *    cannot: no .NET SDK, no NuGet);
 * 2. `bicep lint` on every .bicep file under infra/ (with infra/bicepconfig.json);
 * 3. `bicep build` of every entry point (a file no other file uses as a module) into
 *    .cache/bicep/out/<hash>/, where the tests in test/infra read the ARM JSON.
 *
 * Exits 1 on any error or warning (a warning that must stay is suppressed in the .bicep file with
 * `#disable-next-line <code>` and a comment saying why); Info diagnostics are printed only.
 */
import { mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { BicepUnavailableError, ROOT, bicepFiles, compiledPath, ensureBicep, entryFiles, formatDiagnostic, outDir, pinnedVersion, runBicepAsync, type Diagnostic } from './bicep.js';

const log = (line: string): void => console.log(`[infra] ${line}`);
const started = Date.now();

let bicep: string;
try {
  bicep = ensureBicep(log);
} catch (error) {
  if (error instanceof BicepUnavailableError) {
    console.error(`[infra] FAILED: the Bicep compiler is not available: ${error.message}`);
    console.error('[infra] It comes from NuGet (infra/tools/bicep.csproj) through the .NET SDK (`dotnet`); see docs/deploy.md.');
    process.exit(1);
  }
  throw error;
}
log(`Bicep CLI ${pinnedVersion()} (${relative(ROOT, bicep)})`);

const seen = new Set<string>();
const diagnostics: Diagnostic[] = [];
const failures: string[] = [];
const collect = (list: Diagnostic[]): void => {
  for (const d of list) {
    const key = formatDiagnostic(d);
    if (seen.has(key)) continue; // lint and build report a module's problems again for each user
    seen.add(key);
    diagnostics.push(d);
  }
};

const files = bicepFiles();
const entries = entryFiles(files);
for (const entry of entries) mkdirSync(dirname(compiledPath(entry)), { recursive: true });
const [lint, ...builds] = await Promise.all([
  runBicepAsync(bicep, ['lint', '--pattern', 'infra/**/*.bicep']),
  ...entries.map((entry) => runBicepAsync(bicep, ['build', entry, '--outfile', compiledPath(entry)])),
]);
for (const [what, r] of [['lint', lint!] as const, ...builds.map((b, i) => [`build ${relative(ROOT, entries[i]!)}`, b] as const)]) {
  collect(r.diagnostics);
  if (r.status !== 0 && !r.diagnostics.some((d) => d.level === 'Error')) failures.push(`bicep ${what} exited ${r.status}: ${r.stderr.trim()}`);
}
log(`lint: ${files.length} files; build: ${entries.map((e) => relative(ROOT, e)).join(', ')} -> ${relative(ROOT, outDir())}/`);

for (const d of diagnostics) console.log(`[infra] ${formatDiagnostic(d)}`);
const errors = diagnostics.filter((d) => d.level === 'Error').length;
const warnings = diagnostics.filter((d) => d.level === 'Warning').length;
for (const f of failures) console.error(`[infra] ${f}`);
const ok = errors === 0 && warnings === 0 && failures.length === 0;
log(`${ok ? 'ok' : 'FAILED'}: ${errors} errors, ${warnings} warnings (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(ok ? 0 : 1);
