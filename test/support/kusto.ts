/**
 * Offline KQL analysis for the tests, with `@kusto/language-service-next` (a Bridge.NET build of
 * Kusto.Language that sets the globals `Bridge` and `Kusto`, so it is loaded with `createRequire`).
 *
 * Table schemas are declared as explicit `ColumnSymbol`s: the schema-string shortcut
 * (`TableSymbol.From("(id:string, kind:string, ...)")`) silently stops at a column named `kind`.
 *
 * Only the small part of the API the tests use is typed here; the package's own `.d.ts` is a global
 * namespace declaration of 1.7 MB that we keep out of the type check.
 */
import { createRequire } from 'node:module';

// ---------------------------------------------------------------------------------------------
// The slice of the Kusto.Language API we call (structural types over the Bridge.NET objects).

interface BridgeList<T> {
  Count: number;
  getItem(index: number): T;
}

interface KDiagnostic {
  Code: string;
  Severity: string;
  Message: string;
  Start: number;
  Length: number;
}

interface KToken {
  Text: string;
  ValueText: string;
}

interface KSyntaxElement {
  Kind: number;
  IsToken: boolean;
  ChildCount: number;
  GetChild(index: number): KSyntaxElement | null;
  /** Set on literal expressions. */
  Token?: KToken | null;
}

interface KCode {
  Syntax: KSyntaxElement;
  GetDiagnostics(): BridgeList<KDiagnostic>;
}

type KType = object;
type KSymbol = object;
type KGlobalState = { WithDatabase(db: KSymbol): KGlobalState };

interface KustoLanguage {
  KustoCode: { ParseAndAnalyze(text: string, globals: KGlobalState): KCode };
  GlobalState: { Default: KGlobalState };
  Symbols: {
    ScalarTypes: { String: KType; Dynamic: KType; DateTime: KType; Long: KType; Bool: KType; Int: KType; Real: KType };
    ColumnSymbol: new (name: string, type: KType) => KSymbol;
    TableSymbol: { $ctor4: new (name: string, columns: KSymbol[]) => KSymbol };
    DatabaseSymbol: { ctor: new (name: string, members: KSymbol[]) => KSymbol };
  };
  Syntax: { SyntaxKind: Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------
// Loading

let language: KustoLanguage | undefined;

/** Loads the language service once per process (~1 s: a 16 MB script). */
export function kusto(): KustoLanguage {
  if (language) return language;
  const require = createRequire(import.meta.url);
  // Kusto.Language.Bridge.js calls `Bridge.assembly(...)` at load, so the runtime goes first.
  require('@kusto/language-service-next/bridge.js');
  require('@kusto/language-service-next');
  const g = globalThis as unknown as { Kusto?: { Language?: KustoLanguage } };
  if (!g.Kusto?.Language?.KustoCode) throw new Error('@kusto/language-service-next did not set the Kusto global');
  language = g.Kusto.Language;
  return language;
}

// ---------------------------------------------------------------------------------------------
// Schemas

export type ColumnType = 'string' | 'dynamic' | 'datetime' | 'long' | 'bool' | 'int' | 'real';
export type TableSchema = Readonly<Record<string, ColumnType>>;

/** Azure Resource Graph tables the auditor queries (one database). */
export const RESOURCE_GRAPH_TABLES: Readonly<Record<string, TableSchema>> = {
  resources: {
    id: 'string', name: 'string', type: 'string', kind: 'string', location: 'string', resourceGroup: 'string',
    subscriptionId: 'string', tenantId: 'string', managedBy: 'string',
    sku: 'dynamic', plan: 'dynamic', identity: 'dynamic', tags: 'dynamic', properties: 'dynamic', zones: 'dynamic',
    extendedLocation: 'dynamic',
  },
  resourcecontainers: {
    id: 'string', name: 'string', type: 'string', subscriptionId: 'string', tenantId: 'string',
    properties: 'dynamic', tags: 'dynamic',
  },
  resourcechanges: {
    id: 'string', name: 'string', type: 'string', subscriptionId: 'string', resourceGroup: 'string',
    properties: 'dynamic',
  },
  // Columns of a securityresources row as Microsoft's sub-assessment example shows it (Container
  // vulnerability assessments REST API, learn.microsoft.com/azure/defender-for-cloud/subassessment-rest-api).
  // authorizationresources: the same row columns (role assignments and definitions, issue 13).
  authorizationresources: {
    id: 'string', name: 'string', type: 'string', tenantId: 'string', kind: 'string', location: 'string', resourceGroup: 'string',
    subscriptionId: 'string', managedBy: 'string', sku: 'dynamic', plan: 'dynamic', properties: 'dynamic', tags: 'dynamic',
    identity: 'dynamic', zones: 'dynamic', extendedLocation: 'dynamic',
  },
  securityresources: {
    id: 'string', name: 'string', type: 'string', tenantId: 'string', kind: 'string', location: 'string', resourceGroup: 'string',
    subscriptionId: 'string', managedBy: 'string', sku: 'dynamic', plan: 'dynamic', properties: 'dynamic', tags: 'dynamic',
    identity: 'dynamic', zones: 'dynamic', extendedLocation: 'dynamic',
  },
};

/** Log Analytics tables (resource-specific ACR diagnostic tables) the auditor queries (another database). */
export const LOG_ANALYTICS_TABLES: Readonly<Record<string, TableSchema>> = {
  ContainerRegistryLoginEvents: {
    TimeGenerated: 'datetime', Identity: 'string', LoginServer: 'string', ResultType: 'string',
    ResultDescription: 'string', CallerIpAddress: 'string', UserAgent: 'string', OperationName: 'string',
    CorrelationId: 'string', DurationMs: 'string', _ResourceId: 'string', Type: 'string', TenantId: 'string',
  },
  ContainerRegistryRepositoryEvents: {
    TimeGenerated: 'datetime', Identity: 'string', LoginServer: 'string', Repository: 'string', Tag: 'string',
    Digest: 'string', OperationName: 'string', ResultType: 'string', CallerIpAddress: 'string', UserAgent: 'string',
    ArtifactType: 'string', MediaType: 'string', Size: 'long',
  },
};

export type Target = 'resource-graph' | 'log-analytics';

const DATABASES: Record<Target, { name: string; tables: Readonly<Record<string, TableSchema>> }> = {
  'resource-graph': { name: 'ResourceGraph', tables: RESOURCE_GRAPH_TABLES },
  'log-analytics': { name: 'LogAnalytics', tables: LOG_ANALYTICS_TABLES },
};

const globalsByTarget = new Map<Target, KGlobalState>();

function scalar(k: KustoLanguage, t: ColumnType): KType {
  const s = k.Symbols.ScalarTypes;
  switch (t) {
    case 'string': return s.String;
    case 'dynamic': return s.Dynamic;
    case 'datetime': return s.DateTime;
    case 'long': return s.Long;
    case 'bool': return s.Bool;
    case 'int': return s.Int;
    case 'real': return s.Real;
  }
}

/** The analyzer's global state with the target's database as the default database. */
export function globalsFor(target: Target): KGlobalState {
  const cached = globalsByTarget.get(target);
  if (cached) return cached;
  const k = kusto();
  const { name, tables } = DATABASES[target];
  const tableSymbols = Object.entries(tables).map(([table, columns]) =>
    new k.Symbols.TableSymbol.$ctor4(table, Object.entries(columns).map(([c, t]) => new k.Symbols.ColumnSymbol(c, scalar(k, t)))));
  const globals = k.GlobalState.Default.WithDatabase(new k.Symbols.DatabaseSymbol.ctor(name, tableSymbols));
  globalsByTarget.set(target, globals);
  return globals;
}

// ---------------------------------------------------------------------------------------------
// Analysis

export interface Diagnostic {
  severity: string;
  code: string;
  message: string;
  start: number;
  /** The query text the diagnostic points at (or the text around an empty span). */
  at: string;
}

export interface SyntaxNodeInfo {
  kind: string;
  /** For string literal expressions: the literal's value after unescaping. */
  value?: string;
}

export interface Analysis {
  text: string;
  diagnostics: Diagnostic[];
  /** Non-token syntax nodes in pre-order. */
  nodes: SyntaxNodeInfo[];
}

let kindNames: Map<number, string> | undefined;

function kindName(k: KustoLanguage, kind: number): string {
  if (!kindNames) {
    kindNames = new Map();
    for (const [name, value] of Object.entries(k.Syntax.SyntaxKind)) if (typeof value === 'number') kindNames.set(value, name);
  }
  return kindNames.get(kind) ?? `SyntaxKind#${kind}`;
}

function toArray<T>(list: BridgeList<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i));
  return out;
}

/** Parses and semantically analyses `text` against the target's schema. */
export function analyze(text: string, target: Target): Analysis {
  const k = kusto();
  const code = k.KustoCode.ParseAndAnalyze(text, globalsFor(target));
  const diagnostics = toArray(code.GetDiagnostics()).map((d) => ({
    severity: d.Severity,
    code: d.Code,
    message: d.Message,
    start: d.Start,
    at: d.Length > 0 ? text.slice(d.Start, d.Start + d.Length) : text.slice(Math.max(0, d.Start - 10), d.Start + 10),
  }));
  const nodes: SyntaxNodeInfo[] = [];
  const walk = (e: KSyntaxElement | null): void => {
    if (!e || e.IsToken) return;
    const kind = kindName(k, e.Kind);
    nodes.push(kind === 'StringLiteralExpression' && e.Token ? { kind, value: e.Token.ValueText } : { kind });
    for (let i = 0; i < e.ChildCount; i++) walk(e.GetChild(i));
  };
  walk(code.Syntax);
  return { text, diagnostics, nodes };
}

/** Diagnostics of severity Error (warnings and suggestions are not failures). */
export function errorsOf(a: Analysis): Diagnostic[] {
  return a.diagnostics.filter((d) => d.severity === 'Error');
}

/** The query operators in order, e.g. `['FilterOperator', 'ProjectOperator', 'SortOperator']`. */
export function operatorKinds(a: Analysis): string[] {
  return a.nodes.map((n) => n.kind).filter((kind) => kind.endsWith('Operator'));
}

/** The full tree shape: every non-token node kind in pre-order. */
export function shapeOf(a: Analysis): string[] {
  return a.nodes.map((n) => n.kind);
}

/** The values of every string literal in the query, in order. */
export function stringLiterals(a: Analysis): string[] {
  return a.nodes.flatMap((n) => (n.value === undefined ? [] : [n.value]));
}

/** A readable listing for assertion messages. */
export function formatDiagnostics(a: Analysis, ds: readonly Diagnostic[] = a.diagnostics): string {
  if (ds.length === 0) return '(no diagnostics)';
  return ds.map((d) => `${d.severity} ${d.code} at ${d.start} near ${JSON.stringify(d.at)}: ${d.message}`).join('\n')
    + `\n--- query ---\n${a.text}`;
}
