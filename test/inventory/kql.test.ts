/**
 * Every KQL query the auditor sends (shared/inventory/queries.ts) is checked offline with the Kusto
 * language service against explicit Resource Graph and Log Analytics schemas, and the query builders
 * are checked against KQL injection: hostile input never changes the parsed shape of a query.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as queries from '../../shared/inventory/queries.js';
import {
  REGISTRIES_QUERY,
  SUBSCRIPTIONS_QUERY,
  WORKLOADS_QUERY,
  WORKSPACES_QUERY,
  adminLoginsQuery,
  ADMIN_USER_CHANGES_QUERY,
} from '../../shared/inventory/queries.js';
import { kqlDays, kqlString } from '../../shared/inventory/kql.js';
import { WORKLOAD_KIND_DEFINITIONS, type WorkloadKindDefinition } from '../../shared/domain/workloadKinds.js';
import {
  LOG_ANALYTICS_TABLES,
  RESOURCE_GRAPH_TABLES,
  analyze,
  errorsOf,
  formatDiagnostics,
  operatorKinds,
  shapeOf,
  stringLiterals,
  type Analysis,
  type Target,
} from '../support/kusto.js';

const LOGIN_SERVER = 'contosoacr.azurecr.io';

/** A hypothetical next workload kind (AKS) that reads columns no current kind projects. */
const ANOTHER_KIND: WorkloadKindDefinition = {
  type: 'microsoft.containerservice/managedclusters',
  armType: 'Microsoft.ContainerService/managedClusters',
  label: 'AKS cluster',
  armReadApiVersion: '2024-09-01',
  projection: ['identity', 'properties', 'sku'],
  containers: () => [],
};
const ADMIN_USER = 'contosoacr';

/** Every query the project sends, with the service it is sent to. */
const CASES: ReadonlyArray<{ name: string; target: Target; text: () => string; operators: string[] }> = [
  { name: 'SUBSCRIPTIONS_QUERY', target: 'resource-graph', text: () => SUBSCRIPTIONS_QUERY, operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  { name: 'REGISTRIES_QUERY', target: 'resource-graph', text: () => REGISTRIES_QUERY, operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  { name: 'WORKLOADS_QUERY', target: 'resource-graph', text: () => WORKLOADS_QUERY, operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  // A table with one more kind that projects columns of its own: what the next workload kind's query looks like.
  { name: 'workloadsQuery', target: 'resource-graph', text: () => queries.workloadsQuery([...WORKLOAD_KIND_DEFINITIONS, ANOTHER_KIND]), operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  { name: 'WORKSPACES_QUERY', target: 'resource-graph', text: () => WORKSPACES_QUERY, operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  {
    name: 'ADMIN_USER_CHANGES_QUERY',
    target: 'resource-graph',
    text: () => ADMIN_USER_CHANGES_QUERY,
    operators: ['FilterOperator', 'FilterOperator', 'ProjectOperator', 'SortOperator'],
  },
  // Container Apps environments (issue 14): tracked resources, in the `resources` table like the workloads.
  { name: 'MANAGED_ENVIRONMENTS_QUERY', target: 'resource-graph', text: () => queries.MANAGED_ENVIRONMENTS_QUERY, operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  { name: 'REGISTRY_CREDENTIALS_QUERY', target: 'resource-graph', text: () => queries.REGISTRY_CREDENTIALS_QUERY, operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  { name: 'DEFENDER_PLANS_QUERY', target: 'resource-graph', text: () => queries.DEFENDER_PLANS_QUERY, operators: ['FilterOperator', 'FilterOperator', 'ProjectOperator', 'SortOperator'] },
  {
    name: 'imageVulnerabilitiesQuery',
    target: 'resource-graph',
    text: () => queries.imageVulnerabilitiesQuery('high', { registryHost: LOGIN_SERVER }),
    operators: ['FilterOperator', 'FilterOperator', 'FilterOperator', 'FilterOperator', 'ProjectOperator', 'SortOperator'],
  },
  // Issue 13: who can push (one query per run) and who did push (one query per registry).
  { name: 'ROLE_ASSIGNMENTS_QUERY', target: 'resource-graph', text: () => queries.ROLE_ASSIGNMENTS_QUERY, operators: ['FilterOperator', 'ProjectOperator', 'SortOperator'] },
  { name: 'imagePushesQuery', target: 'log-analytics', text: () => queries.imagePushesQuery(LOGIN_SERVER, 30), operators: ['FilterOperator', 'FilterOperator', 'FilterOperator', 'SummarizeOperator'] },
  {
    name: 'adminLoginsQuery',
    target: 'log-analytics',
    text: () => adminLoginsQuery(LOGIN_SERVER, ADMIN_USER, 30),
    operators: ['FilterOperator', 'FilterOperator', 'FilterOperator', 'FilterOperator', 'SummarizeOperator'],
  },
];

/** Inputs an attacker (or an odd registry name) could put into a query. */
const HOSTILE = [
  "x' or 1==1 //",
  "a\\' | take 1",
  "a\\\\' | take 1",
  "'",
  "''",
  "'''",
  '\\',
  '\\\\',
  'abc\\',
  "'; drop table ContainerRegistryLoginEvents",
  "' | union ContainerRegistryRepositoryEvents | where '1'=='1",
  '"',
  'x" | take 1 //',
  "@'verbatim'",
  '```multi```',
  '/* not a comment */',
  '// not a comment',
  '{{ }}',
  'ünïcödé ✓',
  '\u0085 \u00a0 \u2028 \u2029',
  '',
];

const errorList = (a: Analysis) => errorsOf(a).map((d) => `${d.code} ${d.message} near ${JSON.stringify(d.at)}`);

function expectNoErrors(a: Analysis): void {
  expect(errorList(a), formatDiagnostics(a)).toEqual([]);
}

beforeAll(() => {
  // The first parse loads the 16 MB language service and warms it up (about a second); later ones take ms.
  analyze('resources | take 1', 'resource-graph');
  analyze('ContainerRegistryLoginEvents | take 1', 'log-analytics');
});

describe('schemas (explicit ColumnSymbols)', () => {
  const tables: Array<[Target, string, string[]]> = [
    ...Object.entries(RESOURCE_GRAPH_TABLES).map(([t, cols]): [Target, string, string[]] => ['resource-graph', t, Object.keys(cols)]),
    ...Object.entries(LOG_ANALYTICS_TABLES).map(([t, cols]): [Target, string, string[]] => ['log-analytics', t, Object.keys(cols)]),
  ];

  it.each(tables)('%s table %s resolves every declared column', (target, table, columns) => {
    expectNoErrors(analyze(`${table} | project ${columns.join(', ')}`, target));
  });

  it('keeps the columns declared after `kind` (the schema-string shortcut drops them)', () => {
    expectNoErrors(analyze('resources | project kind, managedBy, sku, zones, extendedLocation', 'resource-graph'));
  });

  it('types columns: datetime, long and dynamic are usable as such', () => {
    expectNoErrors(analyze('ContainerRegistryRepositoryEvents | where TimeGenerated > ago(1d) and Size > 0 | summarize sum(Size)', 'log-analytics'));
    expectNoErrors(analyze("resources | where tostring(properties.adminUserEnabled) == 'true' | project sku.name", 'resource-graph'));
  });
});

describe('every query the project sends', () => {
  it('covers every query exported by shared/inventory/queries.ts', () => {
    const exported = Object.keys(queries).filter((k) => /_QUERY$|Query$/.test(k)).sort();
    expect(exported).toEqual(CASES.map((c) => c.name).sort());
  });

  it.each(CASES)('$name analyses with no errors against the $target schema', ({ text, target, operators }) => {
    const a = analyze(text(), target);
    expectNoErrors(a);
    expect(operatorKinds(a)).toEqual(operators);
  });

  it('REGISTRIES_QUERY and WORKLOADS_QUERY carry the resource types as literals', () => {
    expect(stringLiterals(analyze(REGISTRIES_QUERY, 'resource-graph'))).toEqual([queries.RESOURCE_TYPES.registry]);
    expect(stringLiterals(analyze(WORKLOADS_QUERY, 'resource-graph'))).toEqual(WORKLOAD_KIND_DEFINITIONS.map((k) => k.type));
  });

  it('WORKLOADS_QUERY is built from the workload-kind table: its types, and every column a kind projects', () => {
    expect(WORKLOADS_QUERY).toBe(queries.workloadsQuery(WORKLOAD_KIND_DEFINITIONS));
    const projected = (q: string) => /^\| project (.+)$/m.exec(q)![1]!.split(', ');
    // `identity` since issue 14 (workload.managed-identity, and the identity of keyless pulls).
    expect(projected(WORKLOADS_QUERY)).toEqual(['id', 'name', 'type', 'kind', 'location', 'resourceGroup', 'subscriptionId', 'identity', 'tags', 'properties']);
    for (const k of WORKLOAD_KIND_DEFINITIONS) expect(projected(WORKLOADS_QUERY)).toEqual(expect.arrayContaining([...k.projection]));
    const next = queries.workloadsQuery([...WORKLOAD_KIND_DEFINITIONS, ANOTHER_KIND]);
    expect(stringLiterals(analyze(next, 'resource-graph'))).toEqual([...WORKLOAD_KIND_DEFINITIONS, ANOTHER_KIND].map((k) => k.type));
    expect(projected(next)).toEqual(['id', 'name', 'type', 'kind', 'location', 'resourceGroup', 'subscriptionId', 'sku', 'identity', 'tags', 'properties']);
  });
});

describe('the checker is not vacuous (negative controls)', () => {
  const broken: Array<[string, Target, string]> = [
    ['unknown column', 'resource-graph', 'resources | project id, nosuchcolumn'],
    ['unknown table', 'resource-graph', 'resourcez | take 1'],
    ['Log Analytics table in the Resource Graph database', 'resource-graph', 'ContainerRegistryLoginEvents | take 1'],
    ['Resource Graph table in the Log Analytics database', 'log-analytics', 'resources | take 1'],
    ['column of another table', 'resource-graph', 'resourcecontainers | project kind'],
    ['bad syntax: missing operand', 'resource-graph', "resources | where type =~ | project id"],
    ['bad syntax: unterminated string', 'resource-graph', "resources | where type =~ 'abc"],
    ['bad syntax: unknown operator', 'resource-graph', 'resources | wher type == 1'],
    ['unknown function', 'log-analytics', 'ContainerRegistryLoginEvents | where TimeGenerated > agoo(1d)'],
  ];

  it.each(broken)('%s is reported as an error', (_label, target, text) => {
    const a = analyze(text, target);
    expect(errorsOf(a).length, formatDiagnostics(a)).toBeGreaterThan(0);
  });

  it('the shape comparison sees an injection that naive quoting would let through', () => {
    const naive = (v: string) => `'${v}'`;
    const hostile = "x' or 1==1 //";
    const text = `ContainerRegistryLoginEvents | where Identity =~ ${naive(hostile)}`;
    const a = analyze(text, 'log-analytics');
    // Valid KQL (the tail became a comment), but the filter is now `Identity =~ 'x' or 1==1`.
    expect(errorList(a)).toEqual([]);
    expect(shapeOf(a)).toContain('OrExpression');
    expect(stringLiterals(a)).toEqual(['x']);
    const safe = analyze(`ContainerRegistryLoginEvents | where Identity =~ ${kqlString(hostile)}`, 'log-analytics');
    expect(shapeOf(safe)).not.toContain('OrExpression');
    expect(stringLiterals(safe)).toEqual([hostile]);
  });
});

describe('KQL injection through the query builders', () => {
  let benignLogins: Analysis;
  beforeAll(() => {
    benignLogins = analyze(adminLoginsQuery(LOGIN_SERVER, ADMIN_USER, 30), 'log-analytics');
  });

  it.each(HOSTILE)('adminLoginsQuery(%j) parses to the same shape with the input as literal values', (hostile) => {
    const a = analyze(adminLoginsQuery(hostile, hostile, 30), 'log-analytics');
    expectNoErrors(a);
    expect(shapeOf(a)).toEqual(shapeOf(benignLogins));
    expect(operatorKinds(a)).toEqual(operatorKinds(benignLogins));
    expect(stringLiterals(a)).toEqual([hostile, hostile, '200']);
  });

  it('holds for arbitrary printable input (property)', () => {
    const unit = fc.oneof(
      fc.constantFrom("'", '"', '\\', '|', '/', '*', '`', '@', '(', ')', ';', ' ', '=', '~', '!', 'h', '\u2028', '\u0085'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    const input = fc.string({ unit, maxLength: 30 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)); // eslint-disable-line no-control-regex
    const benignLoginsShape = shapeOf(benignLogins);
    expect(benignLoginsShape.length).toBeGreaterThan(20);
    fc.assert(
      fc.property(input, input, (server, user) => {
        const logins = analyze(adminLoginsQuery(server, user, 7), 'log-analytics');
        expect(errorList(logins), formatDiagnostics(logins)).toEqual([]);
        expect(shapeOf(logins)).toEqual(benignLoginsShape);
        expect(stringLiterals(logins)).toEqual([server, user, '200']);
      }),
      { numRuns: 50 },
    );
  });

  it.each(['\u0000', '\t', '\n', '\r', 'a\r\nb', '\u001b[31m', '\u001f', '\u007f'])('kqlString refuses control character %j', (c) => {
    expect(() => kqlString(`x${c}y`)).toThrow(TypeError);
    expect(() => adminLoginsQuery(`x${c}y`, ADMIN_USER, 30)).toThrow(TypeError);
    expect(() => adminLoginsQuery(LOGIN_SERVER, `x${c}y`, 30)).toThrow(TypeError);
  });

  it.each([0, -1, 1.5, 3651, Number.NaN])('adminLoginsQuery refuses look-back days %s', (days) => {
    expect(() => kqlDays(days)).toThrow(RangeError);
    expect(() => adminLoginsQuery(LOGIN_SERVER, ADMIN_USER, days)).toThrow(RangeError);
  });
});
