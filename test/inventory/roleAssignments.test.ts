/**
 * Who can push and who did push (issue 13), over the wire: the Resource Graph adapter reads role assignments and
 * definitions from `authorizationresources` in ONE paged query (authorizationScopeFilter AtScopeAboveAndBelow) and
 * the Log Analytics adapter reads a registry's pushes in ONE grouped query, both with the real SDK clients and the
 * real managed-identity credential over HTTPS against the loopback emulator. The queries are also checked offline with
 * the Kusto language service against the table schemas Microsoft documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { loadEstate, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { DEMO_APPROVED_PUSHERS, DEMO_EXPECTATIONS, DEMO_REGISTRIES, DEMO_REGISTRY_WRITERS, DEMO_WORKSPACES, demoEstate, demoImages } from '../../estates/demo.js';
import type { AzureConnection } from '../../shared/inventory/connection.js';
import { ScopeReadError } from '../../shared/inventory/errors.js';
import { LogAnalyticsSource } from '../../shared/inventory/logs.js';
import { imagePushesQuery, ROLE_ASSIGNMENTS_QUERY } from '../../shared/inventory/queries.js';
import { ResourceGraphSource } from '../../shared/inventory/resourceGraph.js';
import { roleCapabilities, writersOf, BUILT_IN_WRITE_ROLES, type RegistryWritersIndex } from '../../shared/inventory/roleAssignments.js';
import { toRegistrySnapshot } from '../../shared/inventory/mappers.js';
import { isApprovedWriter, ruleParams } from '../../shared/rules/params.js';
import { registryPushAccessRestricted } from '../../shared/rules/registry.push-access-restricted.js';
import { kusto, LOG_ANALYTICS_TABLES } from '../support/kusto.js';
import { aRegistry, anEstate, registryId, SUB_A, SUB_B, TENANT, WORKSPACE } from '../emulator/builders.js';
import { emulatorConnection, PUBLIC_CLOUD } from '../emulator/connection.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');

// One emulator for the file, its estate swapped per test (the managed-identity client keeps its endpoint and tokens
// for the process, so every test talks to the same token endpoint).
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ estate: anEstate(), now: () => NOW });
});
afterAll(async () => emu.close());

async function connect(estate: unknown): Promise<AzureConnection> {
  emu.estate = loadEstate(estate, 'test estate');
  return emulatorConnection(emu, { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 200 });
}

// ---------------------------------------------------------------------------------------------
// Rows in Azure's shape (Microsoft.Authorization 2022-04-01 RoleAssignment / RoleDefinition, as Resource Graph lists them)

const ARG = { tenantId: TENANT, kind: '', location: '', managedBy: '', sku: null, plan: null, tags: null, identity: null, zones: null, extendedLocation: null };
const CONTOSO = registryId(SUB_A, 'rg-acr', 'contoso');
const OTHER = registryId(SUB_B, 'rg-acr', 'fabrikam');

function definition(sub: string, guid: string, roleName: string, permissions: Record<string, string[]>, type = 'BuiltInRole'): Record<string, unknown> {
  return {
    ...ARG, id: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`, name: guid, type: 'microsoft.authorization/roledefinitions', resourceGroup: '', subscriptionId: sub,
    properties: { roleName, type, description: roleName, assignableScopes: ['/'], permissions: [{ actions: [], notActions: [], dataActions: [], notDataActions: [], ...permissions }] },
  };
}

function assignment(n: number, scope: string, roleGuid: string, principalId: string, o: { principalType?: string; condition?: string } = {}): Record<string, unknown> {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? '';
  const name = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    ...ARG, id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, name, type: 'microsoft.authorization/roleassignments',
    resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(scope)?.[1]?.toLowerCase() ?? '', subscriptionId: sub,
    properties: {
      roleDefinitionId: `${sub ? `/subscriptions/${sub}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId, principalType: o.principalType ?? 'User', scope, condition: o.condition ?? null, conditionVersion: o.condition ? '2.0' : null,
    },
  };
}

const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const ACR_PUSH = '8311e382-0749-4cb8-b61a-304f252e45ec';
const WRITER = '2a1e307c-b015-4ebd-883e-5b7698a07328';
const CUSTOM = '7a000000-0000-4000-8000-000000000001';
const RELEASE = '11111111-aaaa-4aaa-8aaa-111111111111';
const person = (i: number) => `22222222-0000-4000-8000-${String(i).padStart(12, '0')}`;
const options = (registryIds: string[], approved: string[] = [RELEASE], ancestry = new Map<string, string[]>()) => ({
  registryIds,
  approved: (p: string) => isApprovedWriter(ruleParams({ registryWriters: approved }), p),
  ancestry,
});

// ---------------------------------------------------------------------------------------------

describe('the queries, checked offline with the Kusto language service', () => {
  type K = ReturnType<typeof kusto>;
  let k: K;
  beforeAll(() => {
    k = kusto();
  });
  const analyse = (text: string, table: string, columns: Record<string, 'string' | 'dynamic' | 'datetime' | 'int' | 'real'>) => {
    const s = k.Symbols.ScalarTypes;
    const type = { string: s.String, dynamic: s.Dynamic, datetime: s.DateTime, int: s.Int, real: s.Real };
    const t = new k.Symbols.TableSymbol.$ctor4(table, Object.entries(columns).map(([c, ty]) => new k.Symbols.ColumnSymbol(c, type[ty])));
    const code = k.KustoCode.ParseAndAnalyze(text, k.GlobalState.Default.WithDatabase(new k.Symbols.DatabaseSymbol.ctor('db', [t])));
    const d = code.GetDiagnostics();
    const errors: string[] = [];
    for (let i = 0; i < d.Count; i++) if (d.getItem(i).Severity === 'Error') errors.push(`${d.getItem(i).Code} ${d.getItem(i).Message}`);
    return errors;
  };

  it('ROLE_ASSIGNMENTS_QUERY resolves against the Resource Graph columns of authorizationresources', () => {
    const argColumns = { id: 'string', name: 'string', type: 'string', tenantId: 'string', kind: 'string', location: 'string', resourceGroup: 'string', subscriptionId: 'string', managedBy: 'string', sku: 'dynamic', plan: 'dynamic', properties: 'dynamic', tags: 'dynamic', identity: 'dynamic', zones: 'dynamic', extendedLocation: 'dynamic' } as const;
    expect(analyse(ROLE_ASSIGNMENTS_QUERY, 'authorizationresources', argColumns)).toEqual([]);
    // Not vacuous: an unknown column is an error.
    expect(analyse(`${ROLE_ASSIGNMENTS_QUERY}\n| project principalName`, 'authorizationresources', argColumns).length).toBeGreaterThan(0);
  });

  it('imagePushesQuery resolves against ContainerRegistryRepositoryEvents, and carries hostile input as literals only', () => {
    const cols = Object.fromEntries(Object.entries(LOG_ANALYTICS_TABLES.ContainerRegistryRepositoryEvents!).map(([c, t]) => [c, t === 'long' ? 'int' : t])) as Record<string, 'string'>;
    expect(analyse(imagePushesQuery('contoso.azurecr.io', 30), 'ContainerRegistryRepositoryEvents', cols)).toEqual([]);
    expect(analyse(imagePushesQuery("x' or 1==1 //", 30), 'ContainerRegistryRepositoryEvents', cols)).toEqual([]);
    expect(imagePushesQuery("x' or 1==1 //", 30)).toContain("=~ 'x\\' or 1==1 //'");
    expect(() => imagePushesQuery('a\nb', 30)).toThrow(TypeError);
    expect(() => imagePushesQuery('contoso.azurecr.io', 0)).toThrow(RangeError);
  });
});

describe('role capabilities (built-in role permissions from Microsoft\'s reference)', () => {
  it.each([
    ['Owner', ['administer', 'admin-credentials', 'cache-rules', 'delete', 'grant-access', 'import', 'pipelines', 'push', 'tasks', 'tokens']],
    ['Contributor', ['administer', 'admin-credentials', 'cache-rules', 'delete', 'import', 'pipelines', 'push', 'tasks', 'tokens']],
    ['User Access Administrator', ['grant-access']],
    ['AcrPush', ['push']],
    ['AcrDelete', ['delete']],
    ['Container Registry Repository Writer', ['repository-write']],
    ['Container Registry Repository Contributor', ['repository-delete', 'repository-write']],
    ['Container Registry Configuration Reader and Data Access Configuration Reader', ['admin-credentials']],
    ['Container Registry Tasks Contributor', ['tasks']],
  ])('%s -> %j', (name, expected) => {
    const role = Object.values(BUILT_IN_WRITE_ROLES).find((r) => r.roleName === name)!;
    expect(roleCapabilities([role.permissions])).toEqual([...expected].sort());
  });

  it('reads wildcards and notActions case-insensitively; Reader and AcrPull write nothing', () => {
    expect(roleCapabilities([{ actions: ['microsoft.containerregistry/*'] }])).toContain('push');
    expect(roleCapabilities([{ actions: ['Microsoft.ContainerRegistry/registries/*/write'], notActions: ['Microsoft.ContainerRegistry/registries/push/WRITE'] }])).not.toContain('push');
    expect(roleCapabilities([{ actions: ['*/read'] }])).toEqual([]);
    expect(roleCapabilities([{ actions: ['Microsoft.ContainerRegistry/registries/pull/read'] }])).toEqual([]);
    expect(roleCapabilities([{ dataActions: ['Microsoft.ContainerRegistry/registries/repositories/*'] }])).toEqual(['repository-delete', 'repository-write']);
  });
});

describe('ResourceGraphSource.registryWriters over HTTPS against the emulator', () => {
  it('keeps the write-capable assignments at the registry\'s scopes, counts approved ones, resolves roles by GUID and reads every page', async () => {
    // More than a page (1,000 rows) of Reader assignments: the adapter follows the skip token; none of them is kept.
    const noise = Array.from({ length: 1_100 }, (_, i) => assignment(5_000 + i, `/subscriptions/${SUB_A}`, READER, person(5_000 + i)));
    const conn = await connect(anEstate({
      resources: [aRegistry({ name: 'contoso' }), aRegistry({ name: 'fabrikam', sub: SUB_B })],
      authorizationresources: [
        definition(SUB_A, OWNER, 'Owner', { actions: ['*'] }),
        definition(SUB_A, READER, 'Reader', { actions: ['*/read'] }),
        definition(SUB_A, ACR_PUSH, 'AcrPush', { actions: ['Microsoft.ContainerRegistry/registries/pull/read', 'Microsoft.ContainerRegistry/registries/push/write'] }),
        definition(SUB_A, CUSTOM, 'Contoso Importer', { actions: ['Microsoft.ContainerRegistry/registries/importImage/action'] }, 'CustomRole'),
        assignment(1, CONTOSO, ACR_PUSH, RELEASE, { principalType: 'ServicePrincipal' }),
        assignment(2, `/subscriptions/${SUB_A}/resourceGroups/rg-acr`, CUSTOM, person(2)),
        assignment(3, `/subscriptions/${SUB_A}`, OWNER, person(3), { principalType: 'Group' }),
        // Repository Writer: no definition row in the answer, resolved from the built-in table; with an ABAC condition.
        assignment(4, CONTOSO, WRITER, person(4), { condition: "@Resource[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'team/api'" }),
        // A role nobody can resolve (a custom role defined where the identity cannot see it).
        assignment(5, CONTOSO, '7a000000-0000-4000-8000-0000000000ff', person(5)),
        // Another resource group, another registry's subscription: not this registry's business.
        assignment(6, `/subscriptions/${SUB_A}/resourceGroups/rg-other`, OWNER, person(6)),
        assignment(7, OTHER, ACR_PUSH, person(7)),
        ...noise,
      ],
    }));
    const index = await new ResourceGraphSource(conn).registryWriters([SUB_A, SUB_B], options([CONTOSO, OTHER]));
    const facts = writersOf(index, CONTOSO);
    expect(facts.approvedLeftOut).toBe(1);
    expect(facts.truncated).toBe(0);
    expect(facts.uncertain).toEqual([]);
    expect(facts.assignments.map((a) => [a.principalId, a.roleName, a.capabilities])).toEqual(expect.arrayContaining([
      [person(2), 'Contoso Importer', ['import']],
      [person(3), 'Owner', expect.arrayContaining(['push', 'administer', 'grant-access'])],
      [person(4), 'Container Registry Repository Writer', ['repository-write']],
      [person(5), 'unresolved role 7a000000-0000-4000-8000-0000000000ff', ['unresolved-role']],
    ]));
    expect(facts.assignments).toHaveLength(4);
    expect(facts.assignments.find((a) => a.principalId === person(4))).toMatchObject({ conditional: true, principalType: 'User' });
    // AcrPush on fabrikam (SUB_B): its definition row lives in SUB_A only; the built-in table resolves it.
    expect(writersOf(index, OTHER).assignments.map((a) => [a.principalId, a.roleName])).toEqual([[person(7), 'AcrPush']]);
    // Only write-capable assignments at relevant scopes are in the run context.
    expect(Object.keys(index.byScope).sort()).toEqual([CONTOSO.toLowerCase(), OTHER.toLowerCase(), `/subscriptions/${SUB_A}`, `/subscriptions/${SUB_A}/resourcegroups/rg-acr`].sort());
  });

  it('reads assignments inherited from management groups above the audited subscriptions, and only those', async () => {
    const subscriptions = [
      { subscriptionId: SUB_A, displayName: 'prod', state: 'Enabled', properties: { managementGroupAncestorsChain: [{ name: 'corp', displayName: 'Corp' }, { name: TENANT, displayName: 'Tenant Root Group' }] } },
      { subscriptionId: SUB_B, displayName: 'dev', state: 'Enabled' },
    ];
    const estate = anEstate({
      subscriptions,
      resources: [aRegistry({ name: 'contoso' })],
      authorizationresources: [
        definition(SUB_A, OWNER, 'Owner', { actions: ['*'] }),
        assignment(1, '/providers/Microsoft.Management/managementGroups/corp', OWNER, person(1)),
        assignment(2, '/providers/Microsoft.Management/managementGroups/elsewhere', OWNER, person(2)),
        assignment(3, '/', OWNER, person(3)),
      ],
    });
    const conn = await connect(estate);
    const graph = new ResourceGraphSource(conn);
    const subs = await graph.listSubscriptions();
    expect(subs.find((s) => s.subscriptionId === SUB_A)?.managementGroups).toEqual(['corp', TENANT]);
    expect(subs.find((s) => s.subscriptionId === SUB_B)?.managementGroups).toBeUndefined();
    const ancestry = new Map(subs.flatMap((s) => (s.managementGroups ? [[s.subscriptionId, s.managementGroups] as [string, string[]]] : [])));
    const index = await graph.registryWriters([SUB_A], options([CONTOSO], [RELEASE], ancestry));
    expect(writersOf(index, CONTOSO).assignments.map((a) => a.principalId).sort()).toEqual([person(1), person(3)]);
    // A registry in a subscription whose ancestry is unknown: the management-group assignment may apply.
    const unknown = writersOf(index, registryId(SUB_B, 'rg', 'other'));
    expect(unknown.uncertain.map((a) => a.principalId)).toEqual([person(1)]);
    expect(unknown.assignments.map((a) => a.principalId)).toEqual([person(3)]);
  });

  it('without AtScopeAboveAndBelow the emulator returns no management-group rows (as Azure\'s default AtScopeAndBelow)', async () => {
    const conn = await connect(anEstate({
      subscriptions: [{ subscriptionId: SUB_A, displayName: 'prod', state: 'Enabled', properties: { managementGroupAncestorsChain: [{ name: 'corp', displayName: 'Corp' }] } }],
      authorizationresources: [assignment(1, '/providers/Microsoft.Management/managementGroups/corp', OWNER, person(1)), assignment(2, `/subscriptions/${SUB_A}`, OWNER, person(2))],
    }));
    const rows: unknown[] = [];
    for await (const r of new ResourceGraphSource(conn).query("authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id", [SUB_A])) rows.push(r);
    expect(rows).toEqual([{ id: `/subscriptions/${SUB_A}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-4000-8000-000000000002` }]);
  });

  it('leaves out what the identity cannot read, and bounds what it keeps', async () => {
    const many = Array.from({ length: 60 }, (_, i) => assignment(100 + i, CONTOSO, OWNER, person(100 + i)));
    const conn = await connect(anEstate({
      resources: [aRegistry({ name: 'contoso' }), aRegistry({ name: 'locked', rg: 'rg-locked' })],
      authorizationresources: [definition(SUB_A, OWNER, 'Owner', { actions: ['*'] }), ...many, assignment(1, registryId(SUB_A, 'rg-locked', 'locked'), OWNER, person(1))],
      emulator: { forbidden: [`/subscriptions/${SUB_A}/resourceGroups/rg-locked`] },
    }));
    const index = await new ResourceGraphSource(conn).registryWriters([SUB_A], options([CONTOSO, registryId(SUB_A, 'rg-locked', 'locked')]));
    expect(writersOf(index, CONTOSO)).toMatchObject({ truncated: 10 });
    expect(writersOf(index, CONTOSO).assignments).toHaveLength(50);
    expect(writersOf(index, registryId(SUB_A, 'rg-locked', 'locked')).assignments).toEqual([]);
  });

  it('a refused query is a ScopeReadError (the planner then leaves the rule inconclusive)', async () => {
    // No requested subscription readable: Resource Graph answers 400 NoValidSubscriptionsInQueryRequest.
    const conn = await connect(anEstate({ emulator: { forbidden: [`/subscriptions/${SUB_A}`] } }));
    await expect(new ResourceGraphSource(conn).registryWriters([SUB_A], options([CONTOSO]))).rejects.toBeInstanceOf(ScopeReadError);
  });

  it('the demo estate: each registry\'s writers, evaluated, agree with DEMO_EXPECTATIONS', async () => {
    const estate = demoEstate(NOW);
    const conn = await connect(estate);
    const graph = new ResourceGraphSource(conn);
    const subs = await graph.listSubscriptions();
    const ancestry = new Map(subs.flatMap((s) => (s.managementGroups ? [[s.subscriptionId, s.managementGroups] as [string, string[]]] : [])));
    const ids = Object.values(DEMO_REGISTRIES).map((r) => r.id);
    const params = ruleParams({ registryWriters: DEMO_REGISTRY_WRITERS });
    const index: RegistryWritersIndex = await graph.registryWriters(subs.map((s) => s.subscriptionId), { registryIds: ids, approved: (p) => isApprovedWriter(params, p), ancestry });
    const registries = estate.resources.filter((r) => r.type === 'microsoft.containerregistry/registries').map(toRegistrySnapshot);
    const status = (id: string) => registryPushAccessRestricted.evaluate({ registry: registries.find((r) => r.id === id)!, writers: writersOf(index, id) }, { now: NOW, params }).status;
    const e = DEMO_EXPECTATIONS['registry.push-access-restricted']!;
    for (const s of e.fail) expect(status(s.resourceId), s.subject).toBe('fail');
    for (const s of e.pass) expect(status(s.resourceId), s.subject).toBe('pass');
  });
});

describe('LogAnalyticsSource.imagePushes over HTTPS against the emulator', () => {
  const HOST = 'contoso.azurecr.io';
  const row = (o: { time: string; identity: string; repository?: string; digest?: string; tag?: string; result?: string; op?: string; server?: string }) => ({
    TenantId: WORKSPACE, TimeGenerated: o.time, OperationName: o.op ?? 'Push', ResultType: o.result ?? '200', ResultDescription: o.result ?? '200', LoginServer: o.server ?? HOST,
    Identity: o.identity, Repository: o.repository ?? 'team/api', Tag: o.tag ?? '1.0', Digest: o.digest ?? 'sha256:aa', CallerIpAddress: '203.0.113.7', UserAgent: 'docker', Type: 'ContainerRegistryRepositoryEvents',
  });
  const WS = { armId: '/subscriptions/x/resourcegroups/rg/providers/microsoft.operationalinsights/workspaces/law', customerId: WORKSPACE };

  it('groups the successful pushes of the window by repository, digest and identity, in one query', async () => {
    const conn = await connect(anEstate({
      logs: {
        [WORKSPACE]: {
          ContainerRegistryRepositoryEvents: [
            row({ time: '2026-03-14T10:00:00Z', identity: 'pipeline', tag: '1.0' }),
            row({ time: '2026-03-15T08:00:00Z', identity: 'pipeline', tag: 'stable' }),
            row({ time: '2026-03-13T08:00:00Z', identity: 'alice@contoso.com' }),
            row({ time: '2026-03-15T08:00:00Z', identity: 'bob@contoso.com', result: '401' }),
            row({ time: '2026-03-15T08:00:00Z', identity: 'carol@contoso.com', op: 'Pull' }),
            row({ time: '2026-01-01T08:00:00Z', identity: 'dave@contoso.com' }),
            row({ time: '2026-03-15T08:00:00Z', identity: 'erin@contoso.com', server: 'other.azurecr.io' }),
            row({ time: '2026-03-15T08:00:00Z', identity: 'pipeline', repository: 'team/web', digest: 'sha256:bb' }),
          ],
        },
      },
    }));
    const pushes = await new LogAnalyticsSource(conn).imagePushes(WS, HOST, 30);
    expect([...pushes.keys()].sort()).toEqual(['team/api@sha256:aa', 'team/web@sha256:bb']);
    const api = pushes.get('team/api@sha256:aa')!.sort((a, b) => a.identity.localeCompare(b.identity));
    expect(api).toEqual([
      { identity: 'alice@contoso.com', pushes: 1, lastPush: '2026-03-13T08:00:00.000Z', tags: ['1.0'] },
      { identity: 'pipeline', pushes: 2, lastPush: '2026-03-15T08:00:00.000Z', tags: ['1.0', 'stable'] },
    ]);
  });

  it('an unreadable workspace is a ScopeReadError; a column Azure does not document is refused, as Azure refuses it', async () => {
    const conn = await connect(anEstate({ logs: { [WORKSPACE]: { ContainerRegistryRepositoryEvents: [] } }, emulator: { forbidden: [WORKSPACE] } }));
    await expect(new LogAnalyticsSource(conn).imagePushes(WS, HOST, 30)).rejects.toBeInstanceOf(ScopeReadError);
    const open = await connect(anEstate({ logs: { [WORKSPACE]: { ContainerRegistryRepositoryEvents: [] } } }));
    const client = new LogsQueryClient(open.credential, { agent: open.agent!, endpoint: PUBLIC_CLOUD.logsEndpoint, credentials: { scopes: [PUBLIC_CLOUD.logsScope] }, retryOptions: { maxRetries: 0 } });
    const ok = await client.queryWorkspace(WORKSPACE, 'ContainerRegistryRepositoryEvents | project Category, UserTenantId, _SubscriptionId, Size', { duration: 'P1D' });
    expect(ok.status).toBe(LogsQueryResultStatus.Success);
    await expect(client.queryWorkspace(WORKSPACE, 'ContainerRegistryRepositoryEvents | project UserPrincipalName', { duration: 'P1D' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('the demo estate: the platform workspace names who pushed each contosoprod and contosoplatform image', async () => {
    const conn = await connect(demoEstate(NOW));
    const logs = new LogAnalyticsSource(conn);
    const pushes = await logs.imagePushes({ armId: DEMO_WORKSPACES.platform.id, customerId: DEMO_WORKSPACES.platform.customerId }, DEMO_REGISTRIES.platform.loginServer, 30);
    const labeled = demoImages(NOW).labeled;
    expect(pushes.get(`${labeled.repository}@${labeled.digest}`)?.map((p) => p.identity)).toEqual([DEMO_REGISTRIES.platform.name]);
    expect(DEMO_APPROVED_PUSHERS).not.toContain(DEMO_REGISTRIES.platform.name);
  });
});
