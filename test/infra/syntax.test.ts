import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INFRA, listBicepFiles, parseBicep, syntaxProblems } from './bicep.js';

const files = listBicepFiles();

describe('Bicep syntax (tree-sitter-bicep)', () => {
  it('finds the Bicep files', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files.map((f) => [f.slice(INFRA.length + 1), f]))('%s parses without ERROR or MISSING nodes', async (_name, file) => {
    const parsed = await parseBicep(file);
    expect(syntaxProblems(parsed)).toEqual([]);
  });

  it('reports file:line:col for a broken file', async () => {
    const { bicepParser } = await import('./bicep.js');
    const parser = await bicepParser();
    const tree = parser.parse("param a string\nvar b = {\n  c: 'd'\n");
    const problems = syntaxProblems({ path: 'broken.bicep', source: '', root: tree!.rootNode });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^broken\.bicep:\d+:\d+ /);
  });

  it('avoids the constructs the grammar mis-parses (spread, non-null !, extension, resourceInput<>)', () => {
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/'(?:[^'\\]|\\.)*'/g, "''");
        const where = `${file}:${i + 1}`;
        expect(code, where).not.toMatch(/\.\.\./);
        expect(code, where).not.toMatch(/[\w)\]]!(?!=)/);
        expect(code, where).not.toMatch(/^\s*extension\s/);
        expect(code, where).not.toMatch(/resourceInput</);
      });
    }
  });

  it('parameter files are JSON whose parameters exist in their template', async () => {
    for (const [params, template] of [['main.parameters.json', 'main.bicep'], ['access/main.parameters.json', 'access/main.bicep']] as const) {
      const json = JSON.parse(readFileSync(join(INFRA, params), 'utf8')) as { parameters: Record<string, unknown> };
      const bicep = await parseBicep(join(INFRA, template));
      const declared = bicep.root.namedChildren
        .filter((d) => d.type === 'parameter_declaration')
        .map((d) => d.namedChildren[0]?.text);
      for (const name of Object.keys(json.parameters)) expect(declared, `${params}: ${name}`).toContain(name);
    }
  });
});
