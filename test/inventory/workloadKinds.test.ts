/**
 * The workload-kind table (shared/domain/workloadKinds.ts) and each kind's mapper, through
 * `toWorkloadSnapshot` over rows built by the estate builders (the shapes Resource Graph returns).
 * A new kind adds one entry to CASES (the `Record<WorkloadKind, ...>` does not compile without it).
 */
import { describe, expect, it } from 'vitest';
import { containerAppJobRow, containerAppRow, containerGroupRow, webSiteRow, type JsonObject } from '../../estates/build.js';
import type { WorkloadContainer } from '../../shared/domain/snapshots.js';
import {
  RESOURCE_GRAPH_COLUMNS,
  WORKLOAD_KIND_DEFINITIONS,
  WORKLOAD_KIND_NAMES,
  WORKLOAD_KINDS,
  isWorkloadType,
  siteContainerOf,
  workloadKindOfType,
  WorkloadFieldError,
  type WorkloadKind,
} from '../../shared/domain/workloadKinds.js';
import { MappingError, toWorkloadSnapshot } from '../../shared/inventory/mappers.js';

const SUB = '00000000-0000-0000-0000-0000000000aa';
const base = { tenantId: '00000000-0000-0000-0000-0000000000tt', subscriptionId: SUB, resourceGroup: 'rg-apps', location: 'westeurope', tags: { team: 'web' } };
const IMG = (n: string) => `contoso.azurecr.io/team/${n}:1.0`;

interface KindCase {
  /** A row with main and (where the kind has them) init or sidecar containers. */
  row: JsonObject;
  containers: WorkloadContainer[];
  /** Set when the containers live in child resources the shard reads from ARM (App Service sitecontainers). */
  childContainers?: 'sitecontainers';
  /**
   * The same row with one malformed container field, and the field the MappingError must name. Null where the
   * row carries no container list (App Service: `DOCKER|` is parsed, sitecontainers are child resources, see below).
   */
  malformed: ((row: JsonObject) => void) | null;
  field: string;
}

const props = (row: JsonObject) => row.properties as Record<string, unknown> & JsonObject;

const CASES: Record<WorkloadKind, KindCase> = {
  containerGroup: {
    row: containerGroupRow({ ...base, name: 'aci-report', containers: [{ name: 'report', image: IMG('worker') }], initContainers: [{ name: 'migrate', image: IMG('migrate') }] }),
    containers: [
      { name: 'report', role: 'main', image: IMG('worker'), env: [] },
      { name: 'migrate', role: 'init', image: IMG('migrate'), env: [] },
    ],
    malformed: (row) => ((props(row).containers as JsonObject[])[0]!.properties = { image: '' }),
    field: 'properties.containers[0].image',
  },
  containerApp: {
    row: containerAppRow({ ...base, name: 'ca-api', environment: 'cae', revision: 'r1', containers: [{ name: 'api', image: IMG('api') }], initContainers: [{ name: 'seed', image: IMG('seed') }] }),
    containers: [
      { name: 'api', role: 'main', image: IMG('api'), env: [] },
      { name: 'seed', role: 'init', image: IMG('seed'), env: [] },
    ],
    malformed: (row) => ((props(row).template as JsonObject).initContainers = { not: 'a list' }),
    field: 'properties.template.initContainers',
  },
  containerAppJob: {
    row: containerAppJobRow({ ...base, name: 'caj-nightly', environment: 'cae', containers: [{ name: 'job', image: IMG('job') }], cron: '0 3 * * *' }),
    containers: [{ name: 'job', role: 'main', image: IMG('job'), env: [] }],
    malformed: (row) => ((props(row).template as JsonObject).containers = ['not an object']),
    field: 'properties.template.containers[0]',
  },
  webApp: {
    row: webSiteRow({ ...base, name: 'app-portal', kind: 'app,linux,container', serverFarm: 'asp', linuxFxVersion: `DOCKER|${IMG('portal')}` }),
    containers: [{ name: 'main', role: 'main', image: IMG('portal') }],
    malformed: null,
    field: '',
  },
};

const clone = (row: JsonObject) => JSON.parse(JSON.stringify(row)) as JsonObject;

describe('the workload-kind table', () => {
  it('has one row per kind, with unique types, lower-case as Resource Graph returns them', () => {
    const types = WORKLOAD_KIND_DEFINITIONS.map((k) => k.type);
    expect(new Set(types).size).toBe(types.length);
    for (const k of WORKLOAD_KIND_DEFINITIONS) {
      expect(k.type).toBe(k.armType.toLowerCase());
      expect(k.armType).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z]+$/);
      expect(k.label.length).toBeGreaterThan(0);
      expect(k.armReadApiVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const c of k.projection) expect(RESOURCE_GRAPH_COLUMNS).toContain(c);
    }
  });

  it.each(WORKLOAD_KIND_NAMES)('finds %s by its type in any case', (kind) => {
    expect(workloadKindOfType(WORKLOAD_KINDS[kind].type)).toBe(kind);
    expect(workloadKindOfType(WORKLOAD_KINDS[kind].armType)).toBe(kind);
    expect(isWorkloadType(WORKLOAD_KINDS[kind].armType.toUpperCase())).toBe(true);
  });

  it('knows no other type', () => {
    expect(workloadKindOfType('microsoft.containerregistry/registries')).toBeUndefined();
    expect(isWorkloadType(undefined)).toBe(false);
    expect(isWorkloadType('')).toBe(false);
  });
});

describe.each(WORKLOAD_KIND_NAMES)('the %s mapper (toWorkloadSnapshot)', (kind) => {
  const c = CASES[kind];

  it('maps a row from the estate builder: kind, identity and containers with their roles', () => {
    expect(c.row.type).toBe(WORKLOAD_KINDS[kind].type);
    const { settings, ...w } = toWorkloadSnapshot(clone(c.row));
    // The settings extractors have their own tests (test/rules/workload.*.test.ts); here: one per setting.
    expect(Object.keys(settings ?? {}).sort()).toEqual(['environmentVariables', 'httpsOnly', 'identity', 'logs', 'network', 'registryPulls', 'secretStore', 'securityContext']);
    expect(w).toEqual({
      id: c.row.id,
      name: c.row.name,
      kind,
      subscriptionId: SUB,
      resourceGroup: 'rg-apps',
      location: 'westeurope',
      tags: { team: 'web' },
      containers: c.containers,
      ...(c.childContainers ? { childContainers: c.childContainers } : {}),
    });
  });

  it('maps a row without properties to no containers', () => {
    expect(toWorkloadSnapshot({ ...clone(c.row), properties: null }).containers).toEqual([]);
  });

  it.skipIf(!c.malformed)('refuses a malformed container with a MappingError naming the resource and the field', () => {
    const row = clone(c.row);
    c.malformed!(row);
    let error: unknown;
    try {
      toWorkloadSnapshot(row);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect(error).toMatchObject({ resourceId: row.id, field: c.field });
    expect((error as Error).message).toContain(`${row.id as string}: ${c.field}: `);
  });
});

describe('toWorkloadSnapshot', () => {
  it('refuses a type that is not a workload kind', () => {
    expect(() => toWorkloadSnapshot({ ...clone(CASES.containerApp.row), type: 'microsoft.containerservice/managedclusters' })).toThrow(/type: not a workload type/);
  });

  it('names an ACI container without a name by its role and index, and reads a flattened (SDK) image', () => {
    const row = clone(CASES.containerGroup.row);
    props(row).containers = [{ properties: { image: IMG('a') } }, { image: IMG('b') }];
    expect(toWorkloadSnapshot(row).containers).toEqual([
      { name: 'main-0', role: 'main', image: IMG('a'), env: [] },
      { name: 'main-1', role: 'main', image: IMG('b'), env: [] },
      { name: 'migrate', role: 'init', image: IMG('migrate'), env: [] },
    ]);
  });
});

describe('App Service: DOCKER| parsing', () => {
  const site = (o: { kind?: string; linuxFxVersion?: string; windowsFxVersion?: string }) =>
    webSiteRow({ ...base, name: 'app-x', kind: o.kind ?? 'app,linux,container', serverFarm: 'asp', ...o });
  const images = (row: JsonObject) => toWorkloadSnapshot(row).containers.map((x) => `${x.role} ${x.image}`);

  it('reads the image of DOCKER|<image> in LinuxFxVersion or WindowsFxVersion (siteProperties), any case, trimmed', () => {
    expect(images(site({ linuxFxVersion: `DOCKER|${IMG('l')}` }))).toEqual([`main ${IMG('l')}`]);
    expect(images(site({ linuxFxVersion: ` docker| ${IMG('l')} ` }))).toEqual([`main ${IMG('l')}`]);
    expect(images(site({ kind: 'app,container,windows', windowsFxVersion: `DOCKER|${IMG('w')}` }))).toEqual([`main ${IMG('w')}`]);
  });

  it('prefers a filled siteConfig, and Linux over Windows', () => {
    const row = site({ linuxFxVersion: `DOCKER|${IMG('graph')}`, windowsFxVersion: `DOCKER|${IMG('w')}` });
    expect(images(row)).toEqual([`main ${IMG('graph')}`]);
    (props(row).siteConfig as JsonObject).linuxFxVersion = `DOCKER|${IMG('config')}`;
    expect(images(row)).toEqual([`main ${IMG('config')}`]);
  });

  it('yields no image for code sites and other stacks (COMPOSE|, KUBE|, DOCKER| with nothing after it)', () => {
    expect(images(site({ kind: 'app' }))).toEqual([]);
    for (const fx of ['DOTNETCORE|8.0', 'COMPOSE|dmVyc2lvbjogJzMn', 'KUBE|YXBp', 'DOCKER|', 'DOCKER|   ']) expect(images(site({ linuxFxVersion: fx }))).toEqual([]);
  });

  // Issue 14: no Microsoft source shows a `siteConfig.sitecontainers` array; sidecar sites set linuxFxVersion
  // `sitecontainers` and keep their containers in `Microsoft.Web/sites/sitecontainers` child resources.
  it('ignores a sitecontainers array in the row and marks a sitecontainers site for the ARM read of its child resources', () => {
    const legacy = site({ linuxFxVersion: `DOCKER|${IMG('m')}` });
    props(legacy).sitecontainers = [{ name: 'proxy', image: IMG('proxy') }];
    expect(images(legacy)).toEqual([`main ${IMG('m')}`]);
    expect(toWorkloadSnapshot(legacy).childContainers).toBeUndefined();
    for (const fx of ['sitecontainers', ' SITECONTAINERS ']) {
      const w = toWorkloadSnapshot(site({ linuxFxVersion: fx }));
      expect(w.containers).toEqual([]);
      expect(w.childContainers).toBe('sitecontainers');
    }
  });
});

describe('siteContainerOf (Microsoft.Web/sites/sitecontainers, ARM list item)', () => {
  const item = (name: string, properties: Record<string, unknown>) => ({ id: `/subscriptions/${SUB}/resourceGroups/rg-apps/providers/Microsoft.Web/sites/app-x/sitecontainers/${name}`, name: `app-x/${name}`, properties });

  it('reads the image, the main flag, how it pulls and its variables (names of app settings, never values)', () => {
    expect(siteContainerOf(item('main', { image: IMG('m'), isMain: true, authType: 'SystemIdentity' }), 0)).toEqual({
      name: 'main', role: 'main', image: IMG('m'), pull: { server: 'contoso.azurecr.io', method: 'managed-identity', identity: 'system' }, env: [],
    });
    expect(
      siteContainerOf(item('proxy', { image: IMG('p'), isMain: false, authType: 'UserCredentials', userName: 'contoso', environmentVariables: [{ name: 'DB_PASSWORD', value: 'DbPasswordSetting' }] }), 1),
    ).toEqual({ name: 'proxy', role: 'sidecar', image: IMG('p'), pull: { server: 'contoso.azurecr.io', method: 'password', username: 'contoso' }, env: [{ name: 'DB_PASSWORD', source: 'reference' }] });
    expect(siteContainerOf(item('uami', { image: IMG('u'), authType: 'UserAssigned', userManagedIdentityClientId: 'client-1' }), 2).pull).toEqual({ server: 'contoso.azurecr.io', method: 'managed-identity', identity: 'client-1' });
    expect(siteContainerOf(item('anon', { image: IMG('a') }), 3).pull).toEqual({ server: 'contoso.azurecr.io', method: 'anonymous' });
    // The pull names the registry (the image's host), so a sidecar pulling with the admin account is named as such.
    expect(siteContainerOf(item('hub', { image: 'nginx:1.27', authType: 'Anonymous' }), 5).pull).toEqual({ method: 'anonymous' });
  });

  it('refuses an item without an image, naming the field', () => {
    expect(() => siteContainerOf(item('bad', { image: 42 }), 4)).toThrow(WorkloadFieldError);
    expect(() => siteContainerOf(item('bad', { image: 42 }), 4)).toThrow(/sitecontainers\[4\]\.properties\.image/);
  });
});
