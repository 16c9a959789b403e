import { describe, expect, it } from 'vitest';
import { ROOT, bicepFiles, ensureBicep, entryFiles, formatDiagnostic, parseDiagnostics, pinnedVersion, runBicep } from '../../scripts/bicep.js';

describe('the Bicep compiler over infra/ (scripts/bicep.ts)', () => {
  it('finds the entry points: the files no other file uses as a module', () => {
    const rel = entryFiles().map((f) => f.slice(ROOT.length + 1).split('\\').join('/'));
    expect(rel).toEqual(['infra/access/main.bicep', 'infra/main.bicep']);
    expect(bicepFiles().length).toBeGreaterThan(rel.length);
  });

  it('parses diagnostics in the default format', () => {
    const out = [
      '/r/infra/main.bicep(174,64) : Warning BCP329: The provided value can be as small as -1. [https://aka.ms/bicep/core-diagnostics#BCP329]',
      '/r/infra/modules/x.bicep(5,3) : Error BCP120: This expression is being used in an assignment. [https://aka.ms/bicep/core-diagnostics#BCP120]',
      '/r/infra/access/main.bicep(86,22) : Warning use-safe-access: Use the safe access (.?) operator. [https://aka.ms/bicep/linter-diagnostics#use-safe-access]',
      'Build succeeded.',
    ].join('\n');
    expect(parseDiagnostics(out)).toEqual([
      { file: '/r/infra/main.bicep', line: 174, column: 64, level: 'Warning', code: 'BCP329', message: 'The provided value can be as small as -1.' },
      { file: '/r/infra/modules/x.bicep', line: 5, column: 3, level: 'Error', code: 'BCP120', message: 'This expression is being used in an assignment.' },
      { file: '/r/infra/access/main.bicep', line: 86, column: 22, level: 'Warning', code: 'use-safe-access', message: 'Use the safe access (.?) operator.' },
    ]);
  });

  it(`lints every .bicep file without an error or a warning (Bicep ${pinnedVersion()})`, () => {
    const r = runBicep(ensureBicep(), ['lint', '--pattern', 'infra/**/*.bicep']);
    expect(r.diagnostics.filter((d) => d.level !== 'Info').map(formatDiagnostic)).toEqual([]);
    expect(r.status).toBe(0);
  });
});
