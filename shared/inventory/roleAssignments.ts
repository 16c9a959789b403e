/**
 * Who can change a registry's content (issue 13, registry.push-access-restricted): Azure role assignments and
 * role definitions from Resource Graph `authorizationresources`, read ONCE per run by the nightly planner
 * (ROLE_ASSIGNMENTS_QUERY), reduced to the write-capable assignments at scopes that contain a registry, and kept
 * in the run's context by scope; each registry shard resolves its own by scope prefix (`writersOf`).
 *
 * Wire shapes (checked against Microsoft's published material, see docs/estate.md):
 * - Role assignment rows: `type` `microsoft.authorization/roleassignments`, `properties.{roleDefinitionId,
 *   principalId, principalType, scope, condition}` (Microsoft.Authorization 2022-04-01 RoleAssignment,
 *   azure-rest-api-specs .../stable/2022-04-01/examples/RoleAssignments_Get.json; the Resource Graph samples
 *   "authorization-same-principal-scope" read properties.principalId, properties.scope, properties.roleDefinitionId).
 *   Rows carry object ids only, never display names.
 * - Role definition rows: `type` `microsoft.authorization/roledefinitions`, `properties.{roleName, type,
 *   permissions[{actions, notActions, dataActions, notDataActions}]}` (2022-04-01 examples/GetRoleDefinitionById.json;
 *   Microsoft's Resource Graph sample "Get role definitions with actions" spells the keys `Actions`/`DataActions`,
 *   so keys are read case-insensitively). Definitions are resolved by the GUID (last segment of the id), since a
 *   role assignment names its definition with a subscription-scoped id.
 * - Built-in role GUIDs and permissions: Microsoft's built-in roles reference
 *   (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers and .../privileged),
 *   used when a definition is not in the Resource Graph answer (BUILT_IN_WRITE_ROLES).
 */
import { matchGlob } from '../domain/patterns.js';
import type { RegistryWritersFacts, WriteAssignmentFacts, WriteCapability } from '../domain/snapshots.js';
import { isObj, type Obj } from './connection.js';

/**
 * Operations that let a principal change (push, overwrite, delete, import, restore) a registry's content, or obtain
 * a credential or role that can (Microsoft's permissions reference for Microsoft.ContainerRegistry,
 * https://learn.microsoft.com/azure/role-based-access-control/permissions/containers, and the built-in role
 * descriptions: "Permissions granted for Tasks management can be used for full registry data plane permissions",
 * "data access configuration such as admin user credentials, scope maps, and tokens, which can be used to read,
 * write or delete repositories and images"). `data`: a data action (dataActions), else an action.
 */
export const WRITE_OPERATIONS: ReadonlyArray<{ operation: string; data: boolean; capability: WriteCapability }> = [
  { operation: 'Microsoft.ContainerRegistry/registries/push/write', data: false, capability: 'push' },
  { operation: 'Microsoft.ContainerRegistry/registries/artifacts/delete', data: false, capability: 'delete' },
  { operation: 'Microsoft.ContainerRegistry/registries/repositories/content/write', data: true, capability: 'repository-write' },
  { operation: 'Microsoft.ContainerRegistry/registries/repositories/content/delete', data: true, capability: 'repository-delete' },
  { operation: 'Microsoft.ContainerRegistry/registries/repositories/metadata/delete', data: true, capability: 'repository-delete' },
  { operation: 'Microsoft.ContainerRegistry/registries/write', data: false, capability: 'administer' },
  { operation: 'Microsoft.ContainerRegistry/registries/importImage/action', data: false, capability: 'import' },
  { operation: 'Microsoft.ContainerRegistry/registries/deleted/restore/action', data: false, capability: 'import' },
  { operation: 'Microsoft.ContainerRegistry/registries/listCredentials/action', data: false, capability: 'admin-credentials' },
  { operation: 'Microsoft.ContainerRegistry/registries/regenerateCredential/action', data: false, capability: 'admin-credentials' },
  { operation: 'Microsoft.ContainerRegistry/registries/tokens/write', data: false, capability: 'tokens' },
  { operation: 'Microsoft.ContainerRegistry/registries/scopeMaps/write', data: false, capability: 'tokens' },
  { operation: 'Microsoft.ContainerRegistry/registries/generateCredentials/action', data: false, capability: 'tokens' },
  { operation: 'Microsoft.ContainerRegistry/registries/scheduleRun/action', data: false, capability: 'tasks' },
  { operation: 'Microsoft.ContainerRegistry/registries/tasks/write', data: false, capability: 'tasks' },
  { operation: 'Microsoft.ContainerRegistry/registries/taskruns/write', data: false, capability: 'tasks' },
  { operation: 'Microsoft.ContainerRegistry/registries/cacheRules/write', data: false, capability: 'cache-rules' },
  { operation: 'Microsoft.ContainerRegistry/registries/importPipelines/write', data: false, capability: 'pipelines' },
  { operation: 'Microsoft.ContainerRegistry/registries/pipelineRuns/write', data: false, capability: 'pipelines' },
  { operation: 'Microsoft.Authorization/roleAssignments/write', data: false, capability: 'grant-access' },
];

export interface RolePermissions {
  actions?: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
}

export interface RoleDefinitionFacts {
  /** Lower-case GUID. */
  id: string;
  roleName: string;
  capabilities: WriteCapability[];
}

/**
 * Built-in roles that can write registry content, with the permissions that make them so (copied from
 * Microsoft's built-in roles reference, the actions that matter here): the fallback when Resource Graph does not
 * return a definition. A built-in role neither here nor in the answer is unresolved (never assumed harmless).
 */
export const BUILT_IN_WRITE_ROLES: Readonly<Record<string, { roleName: string; permissions: RolePermissions }>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': { roleName: 'Owner', permissions: { actions: ['*'] } },
  'b24988ac-6180-42a0-ab88-20f7382dd24c': {
    roleName: 'Contributor',
    permissions: { actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action'] },
  },
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': { roleName: 'User Access Administrator', permissions: { actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'] } },
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': {
    roleName: 'Role Based Access Control Administrator',
    permissions: { actions: ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*'] },
  },
  '8311e382-0749-4cb8-b61a-304f252e45ec': { roleName: 'AcrPush', permissions: { actions: ['Microsoft.ContainerRegistry/registries/pull/read', 'Microsoft.ContainerRegistry/registries/push/write'] } },
  'c2f4ef07-c644-48eb-af81-4b1b4947fb11': { roleName: 'AcrDelete', permissions: { actions: ['Microsoft.ContainerRegistry/registries/artifacts/delete'] } },
  '2a1e307c-b015-4ebd-883e-5b7698a07328': {
    roleName: 'Container Registry Repository Writer',
    permissions: { dataActions: ['Microsoft.ContainerRegistry/registries/repositories/metadata/read', 'Microsoft.ContainerRegistry/registries/repositories/content/read', 'Microsoft.ContainerRegistry/registries/repositories/metadata/write', 'Microsoft.ContainerRegistry/registries/repositories/content/write'] },
  },
  '2efddaa5-3f1f-4df3-97df-af3f13818f4c': {
    roleName: 'Container Registry Repository Contributor',
    permissions: {
      dataActions: [
        'Microsoft.ContainerRegistry/registries/repositories/metadata/read', 'Microsoft.ContainerRegistry/registries/repositories/content/read',
        'Microsoft.ContainerRegistry/registries/repositories/metadata/write', 'Microsoft.ContainerRegistry/registries/repositories/content/write',
        'Microsoft.ContainerRegistry/registries/repositories/metadata/delete', 'Microsoft.ContainerRegistry/registries/repositories/content/delete',
      ],
    },
  },
  '3bc748fc-213d-45c1-8d91-9da5725539b9': {
    roleName: 'Container Registry Contributor and Data Access Configuration Administrator',
    permissions: {
      actions: [
        'Microsoft.ContainerRegistry/registries/write', 'Microsoft.ContainerRegistry/registries/listCredentials/action', 'Microsoft.ContainerRegistry/registries/regenerateCredential/action',
        'Microsoft.ContainerRegistry/registries/generateCredentials/action', 'Microsoft.ContainerRegistry/registries/tokens/write', 'Microsoft.ContainerRegistry/registries/scopeMaps/write',
      ],
    },
  },
  '69b07be0-09bf-439a-b9a6-e73de851bd59': {
    roleName: 'Container Registry Configuration Reader and Data Access Configuration Reader',
    permissions: { actions: ['Microsoft.ContainerRegistry/registries/read', 'Microsoft.ContainerRegistry/registries/listCredentials/action'] },
  },
  '577a9874-89fd-4f24-9dbd-b5034d0ad23a': {
    roleName: 'Container Registry Data Importer and Data Reader',
    permissions: { actions: ['Microsoft.ContainerRegistry/registries/importImage/action', 'Microsoft.ContainerRegistry/registries/read', 'Microsoft.ContainerRegistry/registries/pull/read'] },
  },
  'fb382eab-e894-4461-af04-94435c366c3f': {
    roleName: 'Container Registry Tasks Contributor',
    permissions: { actions: ['Microsoft.ContainerRegistry/registries/tasks/write', 'Microsoft.ContainerRegistry/registries/scheduleRun/action', 'Microsoft.ContainerRegistry/registries/taskruns/write', 'Microsoft.ContainerRegistry/registries/runs/write'] },
  },
  'bf94e731-3a51-4a7c-8c54-a1ab9971dfc1': {
    roleName: 'Container Registry Transfer Pipeline Contributor',
    permissions: { actions: ['Microsoft.ContainerRegistry/registries/importPipelines/write', 'Microsoft.ContainerRegistry/registries/pipelineRuns/write', 'Microsoft.ContainerRegistry/registries/exportPipelines/write'] },
  },
};

/**
 * Whether an action pattern of a role covers an operation. Azure compares operations case-insensitively and a `*`
 * in a role's action stands for any run of characters ("The wildcard (*) character extends a permission to everything
 * that matches the action string you provide", Azure role definitions). Linear-time glob: the patterns come from
 * role definitions anyone with roleDefinitions/write may author.
 */
function covers(pattern: string, operation: string): boolean {
  return pattern.length <= 512 && matchGlob(pattern, operation, { caseInsensitive: true, starMatches: () => true }).matched;
}

/** What a role's permissions let a principal do to registry content ("effective = actions - notActions", per permission block). */
export function roleCapabilities(permissions: readonly RolePermissions[]): WriteCapability[] {
  const out = new Set<WriteCapability>();
  for (const p of permissions.slice(0, 16)) {
    for (const w of WRITE_OPERATIONS) {
      const allow = (w.data ? p.dataActions : p.actions) ?? [];
      const deny = (w.data ? p.notDataActions : p.notActions) ?? [];
      if (allow.slice(0, 512).some((a) => covers(a, w.operation)) && !deny.slice(0, 512).some((a) => covers(a, w.operation))) out.add(w.capability);
    }
  }
  return [...out].sort();
}

/** A property of an object, its key compared case-insensitively. */
function prop(o: Obj, key: string): unknown {
  if (key in o) return o[key];
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : o[k];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const GUID_TAIL = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const bounded = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…[truncated]` : s);

/** The GUID a role definition id ends with (lower-case), or undefined. */
export function roleGuidOf(roleDefinitionId: string): string | undefined {
  return GUID_TAIL.exec(roleDefinitionId.trim())?.[1]?.toLowerCase();
}

/** A role definition row, classified. Undefined when the row is not a usable definition. */
export function toRoleDefinition(row: Obj): RoleDefinitionFacts | undefined {
  const id = typeof row.id === 'string' ? roleGuidOf(row.id) : undefined;
  const p = isObj(row.properties) ? row.properties : undefined;
  if (!id || !p) return undefined;
  const permissions = (Array.isArray(prop(p, 'permissions')) ? (prop(p, 'permissions') as unknown[]) : []).filter(isObj).map((x) => ({
    actions: strings(prop(x, 'actions')),
    notActions: strings(prop(x, 'notActions')),
    dataActions: strings(prop(x, 'dataActions')),
    notDataActions: strings(prop(x, 'notDataActions')),
  }));
  const roleName = typeof prop(p, 'roleName') === 'string' ? (prop(p, 'roleName') as string) : id;
  return { id, roleName: bounded(roleName, 128), capabilities: roleCapabilities(permissions) };
}

/** A role assignment row, reduced to what the audit uses. Undefined when a required field is missing. */
export interface RawAssignment {
  principalId: string;
  principalType?: string;
  roleGuid: string;
  /** Lower-case scope. */
  scope: string;
  /** The scope as Azure sent it (bounded). */
  scopeAsSent: string;
  conditional: boolean;
}

export function toRoleAssignment(row: Obj): RawAssignment | undefined {
  const p = isObj(row.properties) ? row.properties : undefined;
  if (!p) return undefined;
  const principalId = typeof p.principalId === 'string' ? p.principalId.trim().toLowerCase() : '';
  const roleGuid = typeof p.roleDefinitionId === 'string' ? roleGuidOf(p.roleDefinitionId) : undefined;
  const scope = typeof p.scope === 'string' ? p.scope.trim() : '';
  if (!principalId || principalId.length > 64 || !roleGuid || !scope || scope.length > 1024) return undefined;
  return {
    principalId,
    ...(typeof p.principalType === 'string' && p.principalType ? { principalType: bounded(p.principalType, 32) } : {}),
    roleGuid,
    scope: scope.toLowerCase().replace(/\/+$/, '') || '/',
    scopeAsSent: bounded(scope, 512),
    conditional: typeof p.condition === 'string' && p.condition.trim() !== '',
  };
}

const MG_SCOPE = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)$/;

/** The management group a scope is (lower-case name), or undefined. */
export function managementGroupOf(scope: string): string | undefined {
  return MG_SCOPE.exec(scope.toLowerCase())?.[1];
}

/** Write-capable assignments at one scope, as the run context keeps them. */
export interface ScopeWriters {
  /** Assignments of principals not on AUDITOR_REGISTRY_WRITERS (at most MAX_PER_SCOPE). */
  assignments: WriteAssignmentFacts[];
  /** Write-capable assignments of approved principals (left out to keep the run context small). */
  approvedLeftOut: number;
  /** Unapproved assignments left out by the bounds. */
  truncated: number;
}

/** The run-level index of write-capable role assignments (kept in the run context, compact and bounded). */
export interface RegistryWritersIndex {
  /** Lower-case scope (`/`, a management group, a subscription, a resource group, a registry) -> its writers. */
  byScope: Record<string, ScopeWriters>;
  /**
   * Lower-case subscription id -> the management groups above it (lower-case names) that hold write-capable
   * assignments; only for subscriptions whose ancestry was read (resourcecontainers managementGroupAncestorsChain).
   */
  managementGroups: Record<string, string[]>;
}

export const MAX_PER_SCOPE = 50;
export const MAX_KEPT = 2_000;

export interface CollectWritersOptions {
  /** Whether a lower-case scope may contain an audited registry (the root, a management group, an audited subscription, a registry's resource group, a registry). */
  relevant: (scope: string) => boolean;
  /** Whether a principal (lower-case object id) is on AUDITOR_REGISTRY_WRITERS. */
  approved: (principalId: string) => boolean;
  /** Lower-case subscription id -> its management-group ancestry (lower-case names), where read. */
  ancestry: ReadonlyMap<string, readonly string[]>;
}

/**
 * Folds the rows of ROLE_ASSIGNMENTS_QUERY into the run's index: definitions classified (the built-in table as a
 * fallback), assignments at relevant scopes kept when their role can write registry content or cannot be resolved
 * (capability `unresolved-role`: it may), approved principals counted, everything bounded.
 */
export async function collectRegistryWriters(rows: AsyncIterable<Obj>, options: CollectWritersOptions): Promise<RegistryWritersIndex> {
  const definitions = new Map<string, RoleDefinitionFacts>();
  const pending: RawAssignment[] = [];
  for await (const row of rows) {
    const type = typeof row.type === 'string' ? row.type.toLowerCase() : '';
    if (type === 'microsoft.authorization/roledefinitions') {
      const d = toRoleDefinition(row);
      if (d) definitions.set(d.id, d);
    } else if (type === 'microsoft.authorization/roleassignments') {
      const a = toRoleAssignment(row);
      if (a && options.relevant(a.scope)) pending.push(a);
    }
  }
  const resolve = (guid: string): RoleDefinitionFacts | undefined => {
    const d = definitions.get(guid);
    if (d) return d;
    const b = BUILT_IN_WRITE_ROLES[guid];
    return b ? { id: guid, roleName: b.roleName, capabilities: roleCapabilities([b.permissions]) } : undefined;
  };
  const index: RegistryWritersIndex = { byScope: {}, managementGroups: {} };
  let kept = 0;
  for (const a of pending.sort((x, y) => (x.scope === y.scope ? x.principalId.localeCompare(y.principalId) : x.scope.localeCompare(y.scope)))) {
    const d = resolve(a.roleGuid);
    const capabilities: WriteCapability[] = d ? d.capabilities : ['unresolved-role'];
    if (capabilities.length === 0) continue;
    const entry = (index.byScope[a.scope] ??= { assignments: [], approvedLeftOut: 0, truncated: 0 });
    if (options.approved(a.principalId)) {
      entry.approvedLeftOut++;
      continue;
    }
    if (entry.assignments.length >= MAX_PER_SCOPE || kept >= MAX_KEPT) {
      entry.truncated++;
      continue;
    }
    kept++;
    entry.assignments.push({
      principalId: a.principalId,
      ...(a.principalType ? { principalType: a.principalType } : {}),
      roleName: d?.roleName ?? `unresolved role ${a.roleGuid}`,
      scope: a.scopeAsSent,
      capabilities,
      ...(a.conditional ? { conditional: true as const } : {}),
    });
  }
  const groups = new Set(Object.keys(index.byScope).flatMap((s) => managementGroupOf(s) ?? []));
  if (groups.size) {
    for (const [sub, chain] of options.ancestry) index.managementGroups[sub] = chain.filter((g) => groups.has(g));
  }
  return index;
}

/**
 * The writers of one registry from the run's index: the assignments at the registry, its resource group, its
 * subscription, the root and the management groups above the subscription. A management-group assignment whose
 * ancestry for this subscription was not read is `uncertain` (it may apply).
 */
export function writersOf(index: RegistryWritersIndex, registryId: string): RegistryWritersFacts {
  const id = registryId.toLowerCase();
  const m = /^(\/subscriptions\/([^/]+))(\/resourcegroups\/[^/]+)/.exec(id);
  const facts: RegistryWritersFacts = { assignments: [], approvedLeftOut: 0, truncated: 0, uncertain: [], uncertainTruncated: 0 };
  if (!m) return facts;
  const chain = index.managementGroups[m[2]!];
  for (const [scope, w] of Object.entries(index.byScope)) {
    const mg = managementGroupOf(scope);
    if (scope === '/' || scope === id || scope === m[1] || scope === `${m[1]}${m[3]}` || (mg !== undefined && chain?.includes(mg))) {
      facts.assignments.push(...w.assignments);
      facts.approvedLeftOut += w.approvedLeftOut;
      facts.truncated += w.truncated;
    } else if (mg !== undefined && chain === undefined) {
      facts.uncertain.push(...w.assignments);
      facts.uncertainTruncated += w.truncated;
    }
  }
  return facts;
}
