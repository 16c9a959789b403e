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
  workloadKindOfType,
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
  /** The same row with one malformed container field, and the field the MappingError must name. */
  malformed: (row: JsonObject) => void;
  field: string;
}

const props = (row: JsonObject) => row.properties as Record<string, unknown> & JsonObject;

const CASES: Record<WorkloadKind, KindCase> = {
  containerGroup: {
    row: containerGroupRow({ ...base, name: 'aci-report', containers: [{ name: 'report', image: IMG('worker') }], initContainers: [{ name: 'migrate', image: IMG('migrate') }] }),
    containers: [
      { name: 'report', role: 'main', image: IMG('worker') },
      { name: 'migrate', role: 'init', image: IMG('migrate') },
    ],
    malformed: (row) => ((props(row).containers as JsonObject[])[0]!.properties = { image: '' }),
    field: 'properties.containers[0].image',
  },
  containerApp: {
    row: containerAppRow({ ...base, name: 'ca-api', environment: 'cae', revision: 'r1', containers: [{ name: 'api', image: IMG('api') }], initContainers: [{ name: 'seed', image: IMG('seed') }] }),
    containers: [
      { name: 'api', role: 'main', image: IMG('api') },
      { name: 'seed', role: 'init', image: IMG('seed') },
    ],
    malformed: (row) => ((props(row).template as JsonObject).initContainers = { not: 'a list' }),
    field: 'properties.template.initContainers',
  },
  containerAppJob: {
    row: containerAppJobRow({ ...base, name: 'caj-nightly', environment: 'cae', containers: [{ name: 'job', image: IMG('job') }], cron: '0 3 * * *' }),
    containers: [{ name: 'job', role: 'main', image: IMG('job') }],
    malformed: (row) => ((props(row).template as JsonObject).containers = ['not an object']),
    field: 'properties.template.containers[0]',
  },
  webApp: {
    row: (() => {
      const row = webSiteRow({ ...base, name: 'app-portal', kind: 'app,linux,container', serverFarm: 'asp', linuxFxVersion: `DOCKER|${IMG('portal')}` });
      (props(row).siteConfig as JsonObject).sitecontainers = [{ name: 'otel', properties: { image: IMG('otel'), isMain: false } }];
      return row;
    })(),
    containers: [
      { name: 'main', role: 'main', image: IMG('portal') },
      { name: 'otel', role: 'sidecar', image: IMG('otel') },
    ],
    malformed: (row) => ((props(row).siteConfig as JsonObject).sitecontainers = [{ name: 'otel', properties: { image: 42 } }]),
    field: 'properties.siteConfig.sitecontainers[0].image',
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
    const w = toWorkloadSnapshot(clone(c.row));
    expect(w).toEqual({
      id: c.row.id,
      name: c.row.name,
      kind,
      subscriptionId: SUB,
      resourceGroup: 'rg-apps',
      location: 'westeurope',
      tags: { team: 'web' },
      containers: c.containers,
    });
  });

  it('maps a row without properties to no containers', () => {
    expect(toWorkloadSnapshot({ ...clone(c.row), properties: null }).containers).toEqual([]);
  });

  it('refuses a malformed container with a MappingError naming the resource and the field', () => {
    const row = clone(c.row);
    c.malformed(row);
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
      { name: 'main-0', role: 'main', image: IMG('a') },
      { name: 'main-1', role: 'main', image: IMG('b') },
      { name: 'migrate', role: 'init', image: IMG('migrate') },
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

  it('reads sidecars from siteConfig.sitecontainers or properties.sitecontainers', () => {
    const row = site({ linuxFxVersion: `DOCKER|${IMG('m')}` });
    props(row).sitecontainers = [{ name: 'proxy', image: IMG('proxy') }];
    expect(images(row)).toEqual([`main ${IMG('m')}`, `sidecar ${IMG('proxy')}`]);
  });
});
