/**
 * Raw Azure shapes (Resource Graph rows, ARM responses) -> validated domain snapshots. A missing or
 * malformed field is a `MappingError` naming the field: never silently "compliant".
 */
import { parseRegistryId as parseArmRegistryId, type RegistryIdParts } from '../domain/armIds.js';
import { MAX_PRIVATE_ENDPOINT_CONNECTIONS, type DiagnosticSettingFacts, type RegistrySnapshot, type WorkloadContainer, type WorkloadSettings, type WorkloadSnapshot } from '../domain/snapshots.js';
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
