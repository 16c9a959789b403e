/**
 * The workload kinds the auditor reads: one row per kind, and the only list of them. A row says how
 * Resource Graph names the kind, which columns the workloads query projects for it, and how to find the
 * containers it runs in its ARM `properties` bag (its mapper). Everything else derives from this table:
 * the `WorkloadKind` type, the workloads query (shared/inventory/queries.ts), the dispatch in
 * `toWorkloadSnapshot` (shared/inventory/mappers.ts), the estates and the tests.
 *
 * A new kind = a row here (with its mapper), an estate builder (estates/build.ts), a test
 * (test/inventory/workloadKinds.test.ts). Pure: no I/O, no SDK.
 */
import { plaintextSecretSignal } from './secrets.js';
import type { EnvVarFacts, RegistryPullFacts, WorkloadContainer, WorkloadSetting, WorkloadSettings } from './snapshots.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Columns of Resource Graph's `resources` table, in its schema order (the order a projection lists them in). */
export const RESOURCE_GRAPH_COLUMNS = [
  'id', 'name', 'type', 'kind', 'location', 'resourceGroup', 'subscriptionId', 'tenantId', 'managedBy',
  'sku', 'plan', 'identity', 'tags', 'properties', 'zones', 'extendedLocation',
] as const;
export type ResourceGraphColumn = (typeof RESOURCE_GRAPH_COLUMNS)[number];

/** Columns every workload row carries: what `WorkloadSnapshot` is built from, whatever the kind. */
export const WORKLOAD_ROW_COLUMNS: readonly ResourceGraphColumn[] = ['id', 'name', 'type', 'kind', 'location', 'resourceGroup', 'subscriptionId', 'tags'];

/**
 * A malformed field in a workload's ARM properties, thrown by a kind's mapper. The inventory turns it
 * into a `MappingError` naming the resource: a workload that cannot be read is never "no containers".
 */
export class WorkloadFieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'WorkloadFieldError';
  }
}

export interface WorkloadKindDefinition {
  /** The resource type, lower-case as Resource Graph returns it in `type`. */
  readonly type: string;
  /** The resource type as ARM spells it in resource ids and templates. */
  readonly armType: string;
  /** What people call it (reports, docs). */
  readonly label: string;
  /** API version to read one resource of this kind by id (ARM GET), newest stable in Microsoft's REST API specs. */
  readonly armReadApiVersion: string;
  /** Resource Graph columns this kind's mapper reads, beyond `WORKLOAD_ROW_COLUMNS`. */
  readonly projection: readonly ResourceGraphColumn[];
  /**
   * The mapper: the containers the workload runs (main, init, sidecar), from the row's ARM `properties`
   * bag (an empty object when absent) and, for a column in `projection` other than `properties`, the row.
   * Throws `WorkloadFieldError` for a malformed field.
   */
  readonly containers: (properties: Obj, row: Obj) => WorkloadContainer[];
  /**
   * The settings extractors (issue 14): per setting, its value from the row, `absent` where the kind has no
   * such setting (with the reason), or `unread` where it lives outside the row (read by the shard, see
   * shared/usecases/auditWorkloads.ts). One rule per setting across kinds reads these, never a kind's shape.
   */
  readonly settings?: (properties: Obj, row: Obj) => WorkloadSettings;
  /**
   * When the workload's containers live in child resources Resource Graph does not index (App Service
   * sitecontainers), the child type: the shard reads them through `ArmPort.listChildContainers`.
   */
  readonly childContainers?: (properties: Obj) => 'sitecontainers' | undefined;
}

/** The containers of a list in the properties bag (absent: none). Each entry needs a non-empty image. */
export function containersOf(
  list: unknown,
  role: WorkloadContainer['role'],
  imageAt: (c: Obj) => unknown,
  path: string,
  details: (c: Obj, path: string) => Partial<WorkloadContainer> = () => ({}),
): WorkloadContainer[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new WorkloadFieldError(path, 'expected an array');
  return list.map((c, i) => {
    if (!isObj(c)) throw new WorkloadFieldError(`${path}[${i}]`, 'expected an object');
    const image = imageAt(c);
    if (typeof image !== 'string' || !image) throw new WorkloadFieldError(`${path}[${i}].image`, 'expected a non-empty string');
    return { name: typeof c.name === 'string' && c.name ? c.name : `${role}-${i}`, role, image, ...details(c, `${path}[${i}]`) };
  });
}

/** Every setting `unread` (a kind without extractors, or a workload whose settings could not be read). */
export function unreadSettings(reason: string): WorkloadSettings {
  const u = { state: 'unread' as const, reason };
  return { registryPulls: u, secretStore: u, securityContext: u, environmentVariables: u, network: u, httpsOnly: u, logs: u, identity: u };
}

const read = <T>(value: T): WorkloadSetting<T> => ({ state: 'read', value });
const absent = (reason: string): WorkloadSetting<never> => ({ state: 'absent', reason });
const unread = (reason: string): WorkloadSetting<never> => ({ state: 'unread', reason });
const str = (x: unknown): string | undefined => (typeof x === 'string' && x ? x : undefined);

/**
 * Environment variables as names and sources; a plain value is classified by domain/secrets.ts and then
 * dropped. ACI `{name, value}` / `{name, secureValue}` (ARM never returns secureValue, so a variable with a
 * name and no value is secure); Container Apps `{name, value}` / `{name, secretRef}`; App Service sitecontainers
 * `{name, value}` where value names an app setting.
 */
function envOf(list: unknown, path: string, plain: 'value' | 'reference'): EnvVarFacts[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new WorkloadFieldError(path, 'expected an array');
  return list.filter(isObj).map((e, i) => {
    const name = str(e.name);
    if (!name) throw new WorkloadFieldError(`${path}[${i}].name`, 'expected a non-empty string');
    if (str(e.secretRef)) return { name, source: 'secretRef' as const };
    if (plain === 'reference') return { name, source: 'reference' as const };
    if (typeof e.value === 'string' && e.value !== '') {
      const signal = plaintextSecretSignal(name, e.value);
      return { name, source: 'value' as const, ...(signal ? { looksSecret: signal } : {}) };
    }
    return { name, source: 'secure' as const };
  });
}

/** ACI `securityContext` {privileged, allowPrivilegeEscalation, capabilities: {add, drop}} (2025-09-01). */
function securityContextOf(c: Obj): WorkloadContainer['securityContext'] | undefined {
  if (!isObj(c.securityContext)) return undefined;
  const sc = c.securityContext;
  const caps = isObj(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add.filter((x): x is string => typeof x === 'string') : [];
  return {
    ...(typeof sc.privileged === 'boolean' ? { privileged: sc.privileged } : {}),
    ...(typeof sc.allowPrivilegeEscalation === 'boolean' ? { allowPrivilegeEscalation: sc.allowPrivilegeEscalation } : {}),
    addedCapabilities: caps.slice(0, 64),
  };
}

/** ACI container details: `properties.{environmentVariables, securityContext}` (or flattened by an SDK). */
function aciDetails(c: Obj, path: string): Partial<WorkloadContainer> {
  const p = isObj(c.properties) ? c.properties : c;
  const sc = securityContextOf(p);
  return { env: envOf(p.environmentVariables, `${path}.properties.environmentVariables`, 'value'), ...(sc ? { securityContext: sc } : {}) };
}

/** Container Apps container details: `env[]`. */
const appDetails = (c: Obj, path: string): Partial<WorkloadContainer> => ({ env: envOf(c.env, `${path}.env`, 'value') });

/** The row's managed identity (`identity.type`, Resource Graph column `identity`). */
function identityOf(row: Obj): WorkloadSetting<{ type: string }> {
  if (!('identity' in row)) return unread('the identity column was not read');
  const type = isObj(row.identity) ? str(row.identity.type) : undefined;
  return read({ type: type ?? 'None' });
}

/**
 * ACI `imageRegistryCredentials[]` {server, username, password (write-only: ARM never returns it), identity,
 * identityUrl} (2025-09-01 ImageRegistryCredential; a `passwordReference` seen in preview versions counts as
 * a password). A credential with `identity` is a managed-identity pull; with only `username`, a password pull.
 */
function aciPulls(list: unknown): RegistryPullFacts[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((c) => {
    const server = str(c.server);
    const identity = str(c.identity);
    const username = str(c.username);
    const password = c.password !== undefined || c.passwordReference !== undefined;
    const method = identity && !password ? 'managed-identity' : username || password ? 'password' : 'anonymous';
    return { ...(server ? { server } : {}), method, ...(username ? { username } : {}), ...(identity ? { identity } : {}) };
  });
}

/** Container Apps `configuration.registries[]` {server, username, passwordSecretRef, identity} (Microsoft.App 2025-07-01). */
function appPulls(list: unknown): RegistryPullFacts[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((r) => {
    const server = str(r.server);
    const identity = str(r.identity);
    const username = str(r.username);
    const method = str(r.passwordSecretRef) ? 'password' : identity ? 'managed-identity' : username ? 'password' : 'anonymous';
    return { ...(server ? { server } : {}), method, ...(username ? { username } : {}), ...(identity ? { identity } : {}) };
  });
}

/** Container Apps `configuration.secrets[]` {name, value (never returned by GET), identity, keyVaultUrl}. */
function appSecrets(list: unknown): Array<{ name: string; keyVault: boolean }> {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((x) => ({ name: str(x.name) ?? '(unnamed)', keyVault: !!str(x.keyVaultUrl) }));
}

/** Container Apps and jobs: the settings both share (Microsoft.App 2025-07-01 ContainerApps_Get / Job_Get). */
function containerAppSettings(job: boolean) {
  return (p: Obj, row: Obj): WorkloadSettings => {
    const cfg: Obj = isObj(p.configuration) ? p.configuration : {};
    const environmentId = str(p.environmentId) ?? str(p.managedEnvironmentId);
    const ingress = isObj(cfg.ingress) ? cfg.ingress : undefined;
    const rules = ingress && Array.isArray(ingress.ipSecurityRestrictions) ? ingress.ipSecurityRestrictions.filter(isObj) : [];
    return {
      registryPulls: read(appPulls(cfg.registries)),
      secretStore: read(appSecrets(cfg.secrets)),
      securityContext: absent('Container Apps have no container security context (privileged mode and capabilities cannot be set)'),
      environmentVariables: read(true),
      network: job
        ? absent('Container Apps jobs have no ingress')
        : read({
            ...(ingress
              ? { ingress: { external: ingress.external === true, allowRules: rules.filter((r) => r.action === 'Allow').length, denyRules: rules.filter((r) => r.action === 'Deny').length } }
              : {}),
            ...(environmentId ? { environmentId } : {}),
          }),
      httpsOnly: job ? absent('Container Apps jobs have no ingress') : ingress ? read(ingress.allowInsecure !== true) : absent('the app has no ingress'),
      logs: read({ ...(environmentId ? { environmentId } : {}) }),
      identity: identityOf(row),
    };
  };
}

/** ACI settings (Microsoft.ContainerInstance 2025-09-01). */
function containerGroupSettings(p: Obj, row: Obj): WorkloadSettings {
  const ip = isObj(p.ipAddress) ? p.ipAddress : undefined;
  const diag = isObj(p.diagnostics) && isObj(p.diagnostics.logAnalytics) ? p.diagnostics.logAnalytics : undefined;
  return {
    registryPulls: read(aciPulls(p.imageRegistryCredentials)),
    secretStore: absent('Container Instances have no secret store: secure values are set per variable (secureValue)'),
    securityContext: read(true),
    environmentVariables: read(true),
    network: read({ ...(ip && str(ip.type) ? { ipAddressType: str(ip.type)! } : {}), subnetCount: Array.isArray(p.subnetIds) ? p.subnetIds.length : 0 }),
    httpsOnly: absent('Container Instances have no TLS termination (terminate TLS in a sidecar or in front of the group)'),
    logs: read({ logAnalytics: !!(diag && str(diag.workspaceId)) }),
    identity: identityOf(row),
  };
}

/**
 * App Service settings. `httpsOnly` is a property of the site (Resource Graph row). `acrUseManagedIdentityCreds`
 * is site config (`config/web`): Resource Graph's row carries a `siteConfig` object whose fields are not filled
 * from config/web, so it is read from ARM by the shard (unread here). Sidecar pulls are per sitecontainer
 * (`authType`), also read from ARM.
 */
function webAppSettings(p: Obj, row: Obj): WorkloadSettings {
  return {
    registryPulls: unread('site config (acrUseManagedIdentityCreds) and sitecontainers are read from ARM'),
    secretStore: absent('App Service keeps secrets in app settings (Key Vault references), not in a secret store'),
    securityContext: absent('App Service has no container security context'),
    environmentVariables: absent('App Service app settings need the config/list action the auditor (Reader) does not hold; sitecontainer variables name app settings, not values'),
    network: absent('App Service access restrictions and private endpoints are outside this rule (ACI and Container Apps only)'),
    httpsOnly: typeof p.httpsOnly === 'boolean' ? read(p.httpsOnly) : read(false),
    logs: read({}),
    identity: identityOf(row),
  };
}

/** ACI's wire shape nests a container's settings under `properties`; SDKs flatten it, Resource Graph does not. */
const nestedImage = (c: Obj) => (isObj(c.properties) ? c.properties.image : c.image);

/** `DOCKER|image` (linuxFxVersion / windowsFxVersion); other stacks (including COMPOSE|, KUBE|) yield none. */
export function dockerImage(fx: unknown): string | undefined {
  if (typeof fx !== 'string') return undefined;
  return /^DOCKER\|(.+)$/i.exec(fx.trim())?.[1]!.trim() || undefined;
}

/** Container Apps and jobs share `properties.template` (Microsoft.App). */
function containerAppTemplate(p: Obj): WorkloadContainer[] {
  const t: Obj = isObj(p.template) ? p.template : {};
  return [
    ...containersOf(t.containers, 'main', (c) => c.image, 'properties.template.containers', appDetails),
    ...containersOf(t.initContainers, 'init', (c) => c.image, 'properties.template.initContainers', appDetails),
  ];
}

/**
 * App Service and Functions: Resource Graph leaves `siteConfig` unfilled and exposes the runtime stack
 * in `siteProperties.properties` (`LinuxFxVersion` / `WindowsFxVersion` = `DOCKER|<image>`). Sidecar sites
 * (`sitecontainers`) have no image here: see `usesSiteContainers`.
 */
function siteContainers(p: Obj): WorkloadContainer[] {
  const containers: WorkloadContainer[] = [];
  const sc: Obj = isObj(p.siteConfig) ? p.siteConfig : {};
  const fromSiteProps = Array.isArray((p.siteProperties as Obj | undefined)?.properties)
    ? ((p.siteProperties as Obj).properties as unknown[]).filter(isObj)
    : [];
  const prop = (name: string) => fromSiteProps.find((x) => typeof x.name === 'string' && x.name.toLowerCase() === name)?.value;
  const linux = dockerImage(sc.linuxFxVersion) ?? dockerImage(prop('linuxfxversion'));
  const windows = dockerImage(sc.windowsFxVersion) ?? dockerImage(prop('windowsfxversion'));
  const main = linux ?? windows;
  if (main) containers.push({ name: 'main', role: 'main', image: main });
  return containers;
}

/**
 * Whether a site runs sitecontainers: `linuxFxVersion` is `sitecontainers` (site config or Resource Graph's
 * `siteProperties.properties`). Its containers are then the `Microsoft.Web/sites/sitecontainers` child
 * resources (with `isMain`), which Resource Graph does not index: the shard lists them from ARM.
 */
export function usesSiteContainers(p: Obj): boolean {
  const sc: Obj = isObj(p.siteConfig) ? p.siteConfig : {};
  const fromSiteProps = Array.isArray((p.siteProperties as Obj | undefined)?.properties) ? ((p.siteProperties as Obj).properties as unknown[]).filter(isObj) : [];
  const fx = [sc.linuxFxVersion, fromSiteProps.find((x) => typeof x.name === 'string' && x.name.toLowerCase() === 'linuxfxversion')?.value];
  return fx.some((v) => typeof v === 'string' && v.trim().toLowerCase() === 'sitecontainers');
}

/**
 * One `Microsoft.Web/sites/sitecontainers` resource (ARM list, Microsoft.Web 2025-03-01): `properties.{image,
 * isMain, authType (Anonymous | UserCredentials | SystemIdentity | UserAssigned), userName, passwordSecret,
 * userManagedIdentityClientId, environmentVariables[{name, value = an app setting name}]}` (Azure Policy
 * aliases Microsoft.Web/sites/sitecontainers/*; Bicep `Microsoft.Web/sites/sitecontainers@2024-11-01`).
 */
export function siteContainerOf(raw: unknown, i: number): WorkloadContainer {
  const path = `sitecontainers[${i}]`;
  if (!isObj(raw)) throw new WorkloadFieldError(path, 'expected an object');
  const p: Obj = isObj(raw.properties) ? raw.properties : raw;
  const image = str(p.image);
  if (!image) throw new WorkloadFieldError(`${path}.properties.image`, 'expected a non-empty string');
  const name = str(raw.name)?.split('/').pop() ?? `sidecar-${i}`;
  const auth = (str(p.authType) ?? 'Anonymous').toLowerCase();
  const username = str(p.userName);
  const identity = auth === 'userassigned' ? str(p.userManagedIdentityClientId) ?? 'user-assigned' : auth === 'systemidentity' ? 'system' : undefined;
  // The registry a sitecontainer pulls from is its image's host (no separate server field): needed to name admin-credential pulls.
  const first = image.split('/')[0]!;
  const server = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first.toLowerCase() : undefined;
  const at = server ? { server } : {};
  const pull: RegistryPullFacts =
    auth === 'usercredentials' ? { ...at, method: 'password', ...(username ? { username } : {}) } : identity ? { ...at, method: 'managed-identity', identity } : { ...at, method: 'anonymous' };
  return { name, role: p.isMain === true ? 'main' : 'sidecar', image, pull, env: envOf(p.environmentVariables, `${path}.properties.environmentVariables`, 'reference') };
}

/**
 * The table. API versions (newest stable in azure-rest-api-specs): Microsoft.ContainerInstance 2025-09-01
 * (stable/2025-09-01/containerInstance.json), Microsoft.App 2025-07-01 (Microsoft.App/ContainerApps/stable/2025-07-01),
 * Microsoft.Web 2025-03-01 (Microsoft.Web/AppService/stable/2025-03-01). Older shapes (2023-05-01, 2024-03-01,
 * 2023-12-01) carry the same property names; fields they lack are read as absent.
 */
export const WORKLOAD_KINDS = {
  containerGroup: {
    type: 'microsoft.containerinstance/containergroups',
    armType: 'Microsoft.ContainerInstance/containerGroups',
    label: 'Container Instances container group',
    armReadApiVersion: '2025-09-01',
    projection: ['identity', 'properties'],
    containers: (p) => [
      ...containersOf(p.containers, 'main', nestedImage, 'properties.containers', aciDetails),
      ...containersOf(p.initContainers, 'init', nestedImage, 'properties.initContainers', aciDetails),
    ],
    settings: containerGroupSettings,
  },
  containerApp: {
    type: 'microsoft.app/containerapps',
    armType: 'Microsoft.App/containerApps',
    label: 'Container App',
    armReadApiVersion: '2025-07-01',
    projection: ['identity', 'properties'],
    containers: containerAppTemplate,
    settings: containerAppSettings(false),
  },
  containerAppJob: {
    type: 'microsoft.app/jobs',
    armType: 'Microsoft.App/jobs',
    label: 'Container Apps job',
    armReadApiVersion: '2025-07-01',
    projection: ['identity', 'properties'],
    containers: containerAppTemplate,
    settings: containerAppSettings(true),
  },
  webApp: {
    type: 'microsoft.web/sites',
    armType: 'Microsoft.Web/sites',
    label: 'App Service or Functions site',
    armReadApiVersion: '2025-03-01',
    projection: ['identity', 'properties'],
    containers: siteContainers,
    settings: webAppSettings,
    childContainers: (p) => (usesSiteContainers(p) ? 'sitecontainers' : undefined),
  },
} as const satisfies Record<string, WorkloadKindDefinition>;

export type WorkloadKind = keyof typeof WORKLOAD_KINDS;

/** Every kind, in table order. */
export const WORKLOAD_KIND_NAMES = Object.keys(WORKLOAD_KINDS) as WorkloadKind[];

/** Every kind's definition, in table order. */
export const WORKLOAD_KIND_DEFINITIONS: readonly WorkloadKindDefinition[] = Object.values(WORKLOAD_KINDS);

const KIND_BY_TYPE: ReadonlyMap<string, WorkloadKind> = new Map(WORKLOAD_KIND_NAMES.map((k) => [WORKLOAD_KINDS[k].type, k]));

/** The kind of a Resource Graph `type` (any case), or `undefined` for a type that is not a workload. */
export function workloadKindOfType(type: string): WorkloadKind | undefined {
  return KIND_BY_TYPE.get(type.toLowerCase());
}

/** Whether a Resource Graph row's `type` is a workload kind. */
export function isWorkloadType(type: unknown): boolean {
  return typeof type === 'string' && workloadKindOfType(type) !== undefined;
}
