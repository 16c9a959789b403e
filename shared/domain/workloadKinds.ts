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
import type { WorkloadContainer } from './snapshots.js';

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
}

/** The containers of a list in the properties bag (absent: none). Each entry needs a non-empty image. */
export function containersOf(list: unknown, role: WorkloadContainer['role'], imageAt: (c: Obj) => unknown, path: string): WorkloadContainer[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new WorkloadFieldError(path, 'expected an array');
  return list.map((c, i) => {
    if (!isObj(c)) throw new WorkloadFieldError(`${path}[${i}]`, 'expected an object');
    const image = imageAt(c);
    if (typeof image !== 'string' || !image) throw new WorkloadFieldError(`${path}[${i}].image`, 'expected a non-empty string');
    return { name: typeof c.name === 'string' && c.name ? c.name : `${role}-${i}`, role, image };
  });
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
    ...containersOf(t.containers, 'main', (c) => c.image, 'properties.template.containers'),
    ...containersOf(t.initContainers, 'init', (c) => c.image, 'properties.template.initContainers'),
  ];
}

/**
 * App Service and Functions: Resource Graph leaves `siteConfig` unfilled and exposes the runtime stack
 * in `siteProperties.properties` (`LinuxFxVersion` / `WindowsFxVersion` = `DOCKER|<image>`); sidecars
 * are `sitecontainers`.
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
  const sidecars = Array.isArray(sc.sitecontainers) ? sc.sitecontainers : Array.isArray(p.sitecontainers) ? p.sitecontainers : undefined;
  if (sidecars) containers.push(...containersOf(sidecars, 'sidecar', nestedImage, 'properties.siteConfig.sitecontainers'));
  return containers;
}

/** The table. API versions: Microsoft.ContainerInstance 2023-05-01, Microsoft.App 2024-03-01, Microsoft.Web 2023-12-01. */
export const WORKLOAD_KINDS = {
  containerGroup: {
    type: 'microsoft.containerinstance/containergroups',
    armType: 'Microsoft.ContainerInstance/containerGroups',
    label: 'Container Instances container group',
    armReadApiVersion: '2023-05-01',
    projection: ['properties'],
    containers: (p) => [
      ...containersOf(p.containers, 'main', nestedImage, 'properties.containers'),
      ...containersOf(p.initContainers, 'init', nestedImage, 'properties.initContainers'),
    ],
  },
  containerApp: {
    type: 'microsoft.app/containerapps',
    armType: 'Microsoft.App/containerApps',
    label: 'Container App',
    armReadApiVersion: '2024-03-01',
    projection: ['properties'],
    containers: containerAppTemplate,
  },
  containerAppJob: {
    type: 'microsoft.app/jobs',
    armType: 'Microsoft.App/jobs',
    label: 'Container Apps job',
    armReadApiVersion: '2024-03-01',
    projection: ['properties'],
    containers: containerAppTemplate,
  },
  webApp: {
    type: 'microsoft.web/sites',
    armType: 'Microsoft.Web/sites',
    label: 'App Service or Functions site',
    armReadApiVersion: '2023-12-01',
    projection: ['properties'],
    containers: siteContainers,
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
