/**
 * Raw Azure shapes (Resource Graph rows, ARM responses) -> validated domain snapshots. A missing or
 * malformed field is a `MappingError` naming the field: never silently "compliant".
 */
import { parseRegistryId as parseArmRegistryId, type RegistryIdParts } from '../domain/armIds.js';
import { MAX_PRIVATE_ENDPOINT_CONNECTIONS, REGISTRY_SETTING_PATHS, REGISTRY_SETTING_PREFIXES, type DiagnosticSettingFacts, type RegistrySettingChanges, type RegistrySnapshot, type SettingChangeFacts, type WorkloadContainer, type WorkloadSettings, type WorkloadSnapshot } from '../domain/snapshots.js';
import { unreadSettings, WORKLOAD_KINDS, WorkloadFieldError, workloadKindOfType, type WorkloadKindDefinition } from '../domain/workloadKinds.js';

export class MappingError extends Error {
  constructor(
    readonly resourceId: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${resourceId}: ${field}: ${problem}`);
    this.name = 'MappingError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function str(o: Obj, key: string, id: string, path = key): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw new MappingError(id, path, `expected a non-empty string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return v;
}

function bool(o: Obj, key: string, id: string, path: string, fallback?: boolean): boolean {
  const v = o[key];
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new MappingError(id, path, 'missing');
  }
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw new MappingError(id, path, `expected a boolean, got ${JSON.stringify(v)}`);
}

function tags(x: unknown): Record<string, string> {
  if (!isObj(x)) return {};
  return Object.fromEntries(Object.entries(x).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** ARM id parts (the domain's one parser), the subscription id lower-case. */
export function parseRegistryId(id: string): RegistryIdParts | undefined {
  const parts = parseArmRegistryId(id);
  return parts ? { ...parts, subscriptionId: parts.subscriptionId.toLowerCase() } : undefined;
}

/**
 * A registry from either an ARG row (`properties` bag, ARM wire shape) or a flattened ARM SDK model
 * (`@azure/arm-containerregistry` 12 flattens properties to the top level).
 */
export function toRegistrySnapshot(raw: unknown): RegistrySnapshot {
  if (!isObj(raw)) throw new MappingError('(unknown registry)', '$', 'expected an object');
  const id = typeof raw.id === 'string' ? raw.id : '(unknown registry)';
  str(raw, 'id', id);
  const parts = parseRegistryId(id);
  if (!parts) throw new MappingError(id, 'id', 'not a Microsoft.ContainerRegistry/registries resource id');
  const p: Obj = isObj(raw.properties) ? raw.properties : raw;
  const pp = isObj(raw.properties) ? 'properties.' : '';
  const loginServer = str(p, 'loginServer', id, `${pp}loginServer`).toLowerCase();
  const sku = isObj(raw.sku) && typeof raw.sku.name === 'string' ? raw.sku.name : undefined;
  if (!sku) throw new MappingError(id, 'sku.name', 'missing');
  // Enum values Azure adds in newer API versions are kept as facts (bounded), not refused: the rules that
  // read them answer inconclusive for a value they do not know. Only a non-string is malformed.
  const pna = p.publicNetworkAccess ?? 'Enabled';
  if (typeof pna !== 'string' || !pna || pna.length > 64) throw new MappingError(id, `${pp}publicNetworkAccess`, `expected a string such as Enabled or Disabled, got ${JSON.stringify(pna).slice(0, 80)}`);
  let networkRuleSet: RegistrySnapshot['networkRuleSet'];
  if (isObj(p.networkRuleSet)) {
    const da = p.networkRuleSet.defaultAction;
    if (typeof da !== 'string' || !da || da.length > 64) throw new MappingError(id, `${pp}networkRuleSet.defaultAction`, `expected a string such as Allow or Deny, got ${JSON.stringify(da)?.slice(0, 80)}`);
    networkRuleSet = { defaultAction: da, ipRuleCount: Array.isArray(p.networkRuleSet.ipRules) ? p.networkRuleSet.ipRules.length : 0 };
  }
  return {
    id,
    name: typeof raw.name === 'string' ? raw.name : parts.name,
    subscriptionId: parts.subscriptionId,
    resourceGroup: parts.resourceGroup,
    location: typeof raw.location === 'string' ? raw.location : '',
    sku,
    loginServer,
    adminUserEnabled: bool(p, 'adminUserEnabled', id, `${pp}adminUserEnabled`),
    // Absent means the default (false) in ARM; an explicit non-boolean is malformed.
    anonymousPullEnabled: bool(p, 'anonymousPullEnabled', id, `${pp}anonymousPullEnabled`, false),
    publicNetworkAccess: pna,
    ...(networkRuleSet ? { networkRuleSet } : {}),
    privateEndpointCount: Array.isArray(p.privateEndpointConnections) ? p.privateEndpointConnections.length : 0,
    tags: tags(raw.tags),
    ...(typeof p.networkRuleBypassOptions === 'string' && p.networkRuleBypassOptions.length <= 64 ? { networkRuleBypassOptions: p.networkRuleBypassOptions } : {}),
    ...hardeningFacts(p),
  };
}

/** A short enum-like string as Azure sent it (bounded), else undefined. */
function word(x: unknown): string | undefined {
  return typeof x === 'string' && x.length > 0 && x.length <= 64 ? x : undefined;
}

/** `policies.<name>.status` of the wire shape and of the SDK model (both keep the nesting). */
function policyStatus(policies: Obj, name: string): string | undefined {
  const v = policies[name];
  return isObj(v) ? word(v.status) : undefined;
}

/**
 * Issue 13's registry facts: policies, encryption, data endpoints, role assignment mode, private endpoint
 * connections. Wire shape (`properties` of each connection) and SDK model (flattened) alike. Absent fields
 * stay absent; the rules decide what absence means.
 */
function hardeningFacts(p: Obj): Pick<RegistrySnapshot, 'policies' | 'encryption' | 'dataEndpointEnabled' | 'roleAssignmentMode' | 'privateEndpointConnections'> {
  const out: Pick<RegistrySnapshot, 'policies' | 'encryption' | 'dataEndpointEnabled' | 'roleAssignmentMode' | 'privateEndpointConnections'> = {};
  if (isObj(p.policies)) {
    const pol = p.policies;
    const policies: NonNullable<RegistrySnapshot['policies']> = {};
    const quarantine = policyStatus(pol, 'quarantinePolicy');
    if (quarantine) policies.quarantine = quarantine;
    const exportStatus = policyStatus(pol, 'exportPolicy');
    if (exportStatus) policies.export = exportStatus;
    const arm = policyStatus(pol, 'azureADAuthenticationAsArmPolicy');
    if (arm) policies.armAudienceTokens = arm;
    const trust = policyStatus(pol, 'trustPolicy');
    if (trust) policies.trust = trust;
    const retention = policyStatus(pol, 'retentionPolicy');
    if (retention) {
      const days = isObj(pol.retentionPolicy) ? pol.retentionPolicy.days : undefined;
      policies.retention = { status: retention, ...(typeof days === 'number' && Number.isFinite(days) ? { days } : {}) };
    }
    // Preview API versions only (2023-01-01-preview and later previews; not in 2025-11-01): status and retentionDays.
    const softDelete = policyStatus(pol, 'softDeletePolicy');
    if (softDelete) {
      const days = isObj(pol.softDeletePolicy) ? pol.softDeletePolicy.retentionDays : undefined;
      policies.softDelete = { status: softDelete, ...(typeof days === 'number' && Number.isInteger(days) && days >= 0 && days <= 3650 ? { retentionDays: days } : {}) };
    }
    out.policies = policies;
  }
  if (isObj(p.encryption)) {
    const status = word(p.encryption.status);
    const kv = isObj(p.encryption.keyVaultProperties) ? p.encryption.keyVaultProperties : undefined;
    if (status) {
      out.encryption = {
        status,
        keyVaultKey: typeof kv?.keyIdentifier === 'string' && kv.keyIdentifier.length > 0,
        ...(typeof kv?.keyRotationEnabled === 'boolean' ? { keyRotationEnabled: kv.keyRotationEnabled } : {}),
      };
    }
  }
  if (typeof p.dataEndpointEnabled === 'boolean') out.dataEndpointEnabled = p.dataEndpointEnabled;
  const mode = word(p.roleAssignmentMode);
  if (mode) out.roleAssignmentMode = mode;
  if (Array.isArray(p.privateEndpointConnections)) {
    out.privateEndpointConnections = p.privateEndpointConnections.slice(0, MAX_PRIVATE_ENDPOINT_CONNECTIONS).filter(isObj).map((c) => {
      const cp: Obj = isObj(c.properties) ? c.properties : c;
      const pe = isObj(cp.privateEndpoint) && typeof cp.privateEndpoint.id === 'string' ? cp.privateEndpoint.id.slice(0, 1000) : undefined;
      const sub = pe ? /^\/subscriptions\/([^/]+)\//i.exec(pe)?.[1]?.toLowerCase() : undefined;
      const state = isObj(cp.privateLinkServiceConnectionState) ? word(cp.privateLinkServiceConnectionState.status) : undefined;
      const name = typeof c.name === 'string' ? c.name.slice(0, 200) : typeof c.id === 'string' ? c.id.split('/').pop()!.slice(0, 200) : '(unnamed)';
      return { name, ...(pe ? { privateEndpointId: pe } : {}), ...(sub ? { subscriptionId: sub } : {}), status: state ?? 'Unknown' };
    });
  }
  return out;
}

/** A diagnostic setting from the ARM wire shape (`properties`) or the flattened SDK model. */
export function toDiagnosticSetting(raw: unknown): DiagnosticSettingFacts {
  if (!isObj(raw)) throw new MappingError('(diagnostic setting)', '$', 'expected an object');
  const p: Obj = isObj(raw.properties) ? raw.properties : raw;
  const logs = Array.isArray(p.logs) ? p.logs : [];
  const enabledCategories = logs
    .filter((l): l is Obj => isObj(l) && l.enabled === true)
    .map((l) => (typeof l.category === 'string' ? l.category : typeof l.categoryGroup === 'string' ? l.categoryGroup : ''))
    .filter(Boolean);
  const dest: DiagnosticSettingFacts['destinations'] = {};
  if (typeof p.workspaceId === 'string' && p.workspaceId) dest.workspaceId = p.workspaceId;
  if (typeof p.storageAccountId === 'string' && p.storageAccountId) dest.storageAccountId = p.storageAccountId;
  if (typeof p.eventHubAuthorizationRuleId === 'string' && p.eventHubAuthorizationRuleId) dest.eventHubAuthorizationRuleId = p.eventHubAuthorizationRuleId;
  return { name: typeof raw.name === 'string' ? raw.name : '(unnamed)', destinations: dest, enabledCategories };
}

/** A workload from a Resource Graph row: its kind's mapper (the workload-kind table) finds its containers. */
export function toWorkloadSnapshot(raw: unknown): WorkloadSnapshot {
  if (!isObj(raw)) throw new MappingError('(unknown workload)', '$', 'expected an object');
  const id = typeof raw.id === 'string' ? raw.id : '(unknown workload)';
  str(raw, 'id', id);
  const type = str(raw, 'type', id).toLowerCase();
  const kind = workloadKindOfType(type);
  if (!kind) throw new MappingError(id, 'type', `not a workload type: ${type}`);
  const subscriptionId = str(raw, 'subscriptionId', id).toLowerCase();
  const p: Obj = isObj(raw.properties) ? raw.properties : {};
  let containers: WorkloadContainer[];
  let settings: WorkloadSettings;
  let childContainers: WorkloadSnapshot['childContainers'];
  try {
    const definition: WorkloadKindDefinition = WORKLOAD_KINDS[kind];
    containers = definition.containers(p, raw);
    settings = definition.settings?.(p, raw) ?? unreadSettings(`no settings extractors for ${kind}`);
    childContainers = definition.childContainers?.(p);
  } catch (e) {
    if (e instanceof WorkloadFieldError) throw new MappingError(id, e.field, e.problem);
    throw e;
  }
  return {
    id,
    name: typeof raw.name === 'string' ? raw.name : id.split('/').pop()!,
    kind,
    subscriptionId,
    resourceGroup: typeof raw.resourceGroup === 'string' ? raw.resourceGroup : '',
    location: typeof raw.location === 'string' ? raw.location : '',
    tags: tags(raw.tags),
    containers,
    settings,
    ...(childContainers ? { childContainers } : {}),
  };
}

/** Bounds of what a registry-setting change keeps from a `resourcechanges` row (estate content). */
export const SETTING_CHANGE_BOUNDS = { changedBy: 256, changedByType: 32, clientType: 128, operation: 128, property: 256, value: 128, timestamp: 40 } as const;

const boundedText = (x: unknown, max: number): string | undefined => {
  const s = typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
  if (s === undefined || s === '') return undefined;
  return s.length > max ? `${s.slice(0, max)}…[truncated]` : s;
};

/** The registry path a change key falls under (REGISTRY_SETTING_PATHS exactly, REGISTRY_SETTING_PREFIXES by prefix), else undefined. */
export function watchedSettingPath(key: string): string | undefined {
  if ((REGISTRY_SETTING_PATHS as readonly string[]).includes(key)) return key;
  return REGISTRY_SETTING_PREFIXES.find((p) => key === p || key.startsWith(`${p}.`) || key.startsWith(`${p}[`));
}

/**
 * Folds one Resource Graph `resourcechanges` row into the per-registry latest changes (lower-case registry
 * id -> RegistrySettingChanges), keeping per watched path only the newest change and the newest `Create`
 * record; rows of other types, without a target or a parsable timestamp, and keys of other properties are
 * ignored. Row shape: "Get resource changes" (learn.microsoft.com/azure/governance/resource-graph/changes/
 * get-resource-changes) and azure-rest-api-specs Microsoft.Resources/changes 2022-05-01 (ChangeProperties,
 * ChangeBase{propertyChangeType, previousValue, newValue}) and 2024-06-01-preview (ChangeAttributes{changedBy,
 * changedByType, clientType, operation}; values nullable, propertyChangeType gone: every field but the
 * target and the timestamp is optional here). Strings are bounded.
 */
export function addSettingChanges(into: Map<string, RegistrySettingChanges>, row: unknown): void {
  const p = isObj(row) && isObj(row.properties) ? row.properties : undefined;
  if (!p || typeof p.targetResourceId !== 'string') return;
  if (typeof p.targetResourceType === 'string' && p.targetResourceType.toLowerCase() !== 'microsoft.containerregistry/registries') return;
  const target = p.targetResourceId.toLowerCase();
  const attrs = isObj(p.changeAttributes) ? p.changeAttributes : {};
  const at = typeof attrs.timestamp === 'string' ? Date.parse(attrs.timestamp) : Number.NaN;
  if (Number.isNaN(at)) return;
  const changedAt = new Date(at).toISOString();
  const who: Omit<SettingChangeFacts, 'property'> = { changedAt };
  for (const k of ['changedBy', 'changedByType', 'clientType', 'operation'] as const) {
    const v = boundedText(attrs[k], SETTING_CHANGE_BOUNDS[k]);
    if (v !== undefined) who[k] = v;
  }
  const entry = into.get(target) ?? { latest: {} };
  const changeType = typeof p.changeType === 'string' ? p.changeType.toLowerCase() : '';
  if (changeType === 'create') {
    if (!entry.created || entry.created.changedAt < changedAt) entry.created = who;
  } else if (changeType === 'update' && isObj(p.changes)) {
    for (const [key, c] of Object.entries(p.changes)) {
      const path = watchedSettingPath(key);
      if (!path || !isObj(c)) continue;
      const known = entry.latest[path];
      if (known && known.changedAt >= changedAt) continue;
      const change: SettingChangeFacts = { property: boundedText(key, SETTING_CHANGE_BOUNDS.property)!, ...who };
      const type = boundedText(c.propertyChangeType, SETTING_CHANGE_BOUNDS.changedByType);
      if (type !== undefined) change.propertyChangeType = type;
      const previous = boundedText(c.previousValue, SETTING_CHANGE_BOUNDS.value);
      if (previous !== undefined) change.previousValue = previous;
      const next = boundedText(c.newValue, SETTING_CHANGE_BOUNDS.value);
      if (next !== undefined) change.newValue = next;
      entry.latest[path] = change;
    }
  } else return;
  if (entry.created || Object.keys(entry.latest).length) into.set(target, entry);
}
