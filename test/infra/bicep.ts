/**
 * Helpers for the infra tests: parse Bicep with web-tree-sitter + the tree-sitter-bicep grammar
 * (no Bicep compiler is reachable here) and read the few facts the tests compare with the code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, Parser, type Node } from 'web-tree-sitter';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const INFRA = join(ROOT, 'infra');

const require = createRequire(import.meta.url);

let parserPromise: Promise<Parser> | undefined;

/** One parser for the whole test file (loading the wasm takes ~50 ms). */
export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const wasm = join(dirname(require.resolve('tree-sitter-bicep/package.json')), 'tree-sitter-bicep.wasm');
    const language = await Language.load(readFileSync(wasm));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export interface BicepFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  source: string;
  root: Node;
}

export function listBicepFiles(dir: string = INFRA): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listBicepFiles(full));
    else if (entry.endsWith('.bicep')) out.push(full);
  }
  return out.sort();
}

export async function parseBicep(file: string): Promise<BicepFile> {
  const parser = await bicepParser();
  const source = readFileSync(file, 'utf8');
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${file}`);
  return { path: relative(ROOT, file).split('\\').join('/'), source, root: tree.rootNode };
}

/** `file:line:col message` for every ERROR or MISSING node (1-based positions). */
export function syntaxProblems(file: BicepFile): string[] {
  const problems: string[] = [];
  const visit = (node: Node): void => {
    if (node.type === 'ERROR' || node.isMissing) {
      const { row, column } = node.startPosition;
      const what = node.isMissing ? `missing ${node.type}` : `syntax error near ${JSON.stringify(node.text.slice(0, 40))}`;
      problems.push(`${file.path}:${row + 1}:${column + 1} ${what}`);
      if (node.type === 'ERROR') return;
    }
    for (const child of node.children) visit(child);
  };
  visit(file.root);
  return problems;
}

/** Text of a key node: identifier as is, string without quotes. */
export function keyText(key: Node): string {
  return key.type === 'string' ? key.text.slice(1, -1) : key.text;
}

/** The value expression of `var <name> = ...` (or undefined). */
export function variableValue(file: BicepFile, name: string): Node | undefined {
  for (const decl of file.root.namedChildren) {
    if (decl.type !== 'variable_declaration') continue;
    const [id, value] = decl.namedChildren;
    if (id?.text === name && value) return value;
  }
  return undefined;
}

export function variableNames(file: BicepFile): string[] {
  return file.root.namedChildren
    .filter((d) => d.type === 'variable_declaration')
    .map((d) => d.namedChildren[0]?.text ?? '');
}

export interface Property {
  key: string;
  value: Node;
  line: number;
}

/** Direct properties of an object literal node. */
export function objectProperties(obj: Node): Property[] {
  return obj.namedChildren
    .filter((p) => p.type === 'object_property')
    .map((p) => {
      const [key, value] = p.namedChildren;
      if (!key || !value) throw new Error(`malformed object property at line ${p.startPosition.row + 1}`);
      return { key: keyText(key), value, line: p.startPosition.row + 1 };
    });
}

/** Every object literal that is a possible value of the expression (through ?:, union(), parentheses). */
export function objectLiteralsOf(expr: Node): Node[] {
  if (expr.type === 'object') return [expr];
  if (expr.type === 'call_expression') {
    const fn = expr.childForFieldName('function')?.text;
    const args = expr.childForFieldName('arguments');
    if (fn === 'union' && args) return args.namedChildren.flatMap(objectLiteralsOf);
    return [];
  }
  if (expr.type === 'ternary_expression' || expr.type === 'parenthesized_expression') {
    return expr.namedChildren.slice(expr.type === 'ternary_expression' ? 1 : 0).flatMap(objectLiteralsOf);
  }
  return [];
}

/** Plain string value of a literal ('x' without interpolation), else undefined. */
export function stringLiteral(node: Node): string | undefined {
  if (node.type !== 'string') return undefined;
  if (node.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
  return node.text.slice(1, -1);
}

/** Object literal value of `var name = { ... }` as a nested plain record of string leaves. */
export function literalRecord(obj: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of objectProperties(obj)) {
    if (p.value.type === 'object') out[p.key] = literalRecord(p.value);
    else out[p.key] = stringLiteral(p.value) ?? p.value.text;
  }
  return out;
}

/** Default value (as source text) of `param <name> <type> = <default>`. */
export function parameterDefault(file: BicepFile, name: string): Node | undefined {
  for (const decl of file.root.namedChildren) {
    if (decl.type !== 'parameter_declaration') continue;
    const kids = decl.namedChildren;
    if (kids[0]?.text === name && kids.length >= 3) return kids[kids.length - 1];
  }
  return undefined;
}

export function readText(...parts: string[]): string {
  return readFileSync(join(ROOT, ...parts), 'utf8');
}
