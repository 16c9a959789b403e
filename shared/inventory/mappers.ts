/**
 * Raw Azure shapes (Resource Graph rows, ARM responses) -> validated domain snapshots. A missing or
 * malformed field is a `MappingError` naming the field: never silently "compliant".
 */
import { parseRegistryId as parseArmRegistryId, type RegistryIdParts } from '../domain/armIds.js';
import type { DiagnosticSettingFacts, RegistrySnapshot, WorkloadContainer, WorkloadSettings, WorkloadSnapshot } from '../domain/snapshots.js';
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
  };
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
