/**
 * The demo estate: Contoso, a mid-size company with three subscriptions (prod, dev,
 * shared-services), seven container registries and a dozen workloads. Every date is computed from
 * `now`, so the story (fresh vs stale images, admin logins "in the last 30 days", "who enabled the
 * admin user a few days ago") holds on any day. Everything else (GUIDs, digests) is fixed.
 *
 * The story, rule by rule, is in DEMO_EXPECTATIONS and estates/README.md.
 */
import {
  armId,
  containerAppJobRow,
  containerAppRow,
  containerGroupRow,
  daysAgo,
  diagnosticSetting,
  digestOf,
  guidOf,
  loginEventRow,
  registryRow,
  repositoryEventRow,
  webSiteRow,
  workspaceId,
  workspaceRow,
  type DiagnosticSetting,
  type EstateDocument,
  type JsonObject,
  type ManifestItem,
  type RegistryContent,
  type RegistrySku,
  type RepositoryContent,
} from './build.js';
import { imageWithContent, multiArchImage, plainManifest, type BuiltImage } from './images.js';
import type { WorkloadKind } from '../shared/domain/workloadKinds.js';

/** Allow-list the demo is meant to be audited with. */
export const DEMO_APPROVED_REGISTRIES = ['contoso*.azurecr.io', 'mcr.microsoft.com'];
/** Approved base images for the demo (the provenance / base-image rules). */
export const DEMO_APPROVED_BASE_IMAGES = ['mcr.microsoft.com/azurelinux/*', 'mcr.microsoft.com/dotnet/*', 'contoso*.azurecr.io/platform/*'];

export const DEMO_TENANT_ID = guidOf('contoso|tenant');

export const DEMO_SUBSCRIPTIONS = {
  prod: guidOf('contoso|subscription|prod'),
  dev: guidOf('contoso|subscription|dev'),
  shared: guidOf('contoso|subscription|shared-services'),
} as const;

interface RegistryDef {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  sku: RegistrySku;
}

const REGISTRIES = {
  prod: { name: 'contosoprod', subscriptionId: DEMO_SUBSCRIPTIONS.prod, resourceGroup: 'rg-acr-prod', location: 'westeurope', sku: 'Premium' },
  platform: { name: 'contosoplatform', subscriptionId: DEMO_SUBSCRIPTIONS.shared, resourceGroup: 'rg-acr-platform', location: 'westeurope', sku: 'Premium' },
  dev: { name: 'contosodev', subscriptionId: DEMO_SUBSCRIPTIONS.dev, resourceGroup: 'rg-acr-dev', location: 'westeurope', sku: 'Standard' },
  qa: { name: 'contosoqa', subscriptionId: DEMO_SUBSCRIPTIONS.dev, resourceGroup: 'rg-acr-dev', location: 'westeurope', sku: 'Basic' },
  archive: { name: 'contosoarchive', subscriptionId: DEMO_SUBSCRIPTIONS.shared, resourceGroup: 'rg-acr-archive', location: 'westeurope', sku: 'Standard' },
  edge: { name: 'contosoedge', subscriptionId: DEMO_SUBSCRIPTIONS.prod, resourceGroup: 'rg-acr-edge', location: 'northeurope', sku: 'Premium' },
  shadow: { name: 'shadowbuilds', subscriptionId: DEMO_SUBSCRIPTIONS.dev, resourceGroup: 'rg-ml-sandbox', location: 'eastus', sku: 'Basic' },
} as const satisfies Record<string, RegistryDef>;

type RegistryKey = keyof typeof REGISTRIES;

const registryIdOf = (k: RegistryKey): string =>
  armId(REGISTRIES[k].subscriptionId, REGISTRIES[k].resourceGroup, 'Microsoft.ContainerRegistry/registries', REGISTRIES[k].name);
const loginServerOf = (k: RegistryKey): string => `${REGISTRIES[k].name}.azurecr.io`;

/** ARM ids and login servers of the demo registries. */
export const DEMO_REGISTRIES: Record<RegistryKey, { id: string; name: string; loginServer: string; subscriptionId: string }> = Object.fromEntries(
  (Object.keys(REGISTRIES) as RegistryKey[]).map((k) => [k, { id: registryIdOf(k), name: REGISTRIES[k].name, loginServer: loginServerOf(k), subscriptionId: REGISTRIES[k].subscriptionId }]),
) as Record<RegistryKey, { id: string; name: string; loginServer: string; subscriptionId: string }>;

const WORKSPACES = {
  platform: { name: 'law-contoso-platform', subscriptionId: DEMO_SUBSCRIPTIONS.shared, resourceGroup: 'rg-monitoring', customerId: guidOf('contoso|law|platform') },
  dev: { name: 'law-contoso-dev', subscriptionId: DEMO_SUBSCRIPTIONS.dev, resourceGroup: 'rg-monitoring-dev', customerId: guidOf('contoso|law|dev') },
} as const;

/** Log Analytics workspaces: ARM id -> customer id (the GUID the query API and `logs` use). */
export const DEMO_WORKSPACES = Object.fromEntries(
  Object.entries(WORKSPACES).map(([k, w]) => [k, { id: workspaceId(w.subscriptionId, w.resourceGroup, w.name), customerId: w.customerId }]),
) as Record<keyof typeof WORKSPACES, { id: string; customerId: string }>;

const STORAGE_ACCOUNT_ID = armId(DEMO_SUBSCRIPTIONS.shared, 'rg-monitoring', 'Microsoft.Storage/storageAccounts', 'stcontosoauditlogs');
const EVENT_HUB_RULE_ID = `${armId(DEMO_SUBSCRIPTIONS.shared, 'rg-siem', 'Microsoft.EventHub/namespaces', 'evhns-contoso-siem')}/authorizationRules/RootManageSharedAccessKey`;

const LABELS_PROVENANCE = {
  'org.opencontainers.image.source': 'https://github.com/contoso/platform-images',
  'org.opencontainers.image.revision': '4f1c2b9e8d7a6c5b4a3928171605f4e3d2c1b0a9',
  'org.opencontainers.image.base.name': 'mcr.microsoft.com/azurelinux/base/core:3.0',
  'org.opencontainers.image.title': 'platform-base',
  'org.opencontainers.image.vendor': 'Contoso Ltd.',
  'org.opencontainers.image.version': '3.0.20',
};

/** The images the demo push events (estates/demoEvents.ts) and provenance checks touch. */
export interface DemoImage {
  registry: RegistryKey;
  loginServer: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  /** Byte length of the manifest document (Event Grid `target.size`). */
  size: number;
}

interface Built {
  content: Record<string, RegistryContent>;
  images: Record<'labeled' | 'unlabeled' | 'multiArch' | 'unapprovedBase', DemoImage>;
  digests: { devApiBeta: string; stale: string[]; fresh: string[]; untaggedOld: string[] };
}

function repo(manifests: ManifestItem[], blobsFrom: BuiltImage[] = []): RepositoryContent {
  const r: RepositoryContent = { manifests };
  if (blobsFrom.length) r.blobs = Object.fromEntries(blobsFrom.map((b) => [b.configDigest, b.config]));
  return r;
}

function demoImage(registry: RegistryKey, repository: string, tag: string, item: ManifestItem): DemoImage {
  return { registry, loginServer: loginServerOf(registry), repository, tag, digest: item.digest, mediaType: item.mediaType, size: Buffer.byteLength(JSON.stringify(item.content)) };
}

function buildContent(now: Date): Built {
  const p = (registry: RegistryKey, repository: string, seed: string, tags: string[], ageDays: number, sizeMb: number, architecture = 'amd64') =>
    plainManifest(now, { seed: `${loginServerOf(registry)}/${repository}|${seed}`, tags, ageDays, sizeMb, architecture });

  // --- contosoprod: multi-arch API image, the web front end, a stale function image.
  const apiIndex = multiArchImage(now, {
    seed: 'contosoprod/team/api|1.8.0',
    tags: ['1.8.0', 'stable'],
    ageDays: 6,
    sizeMb: 92,
    labels: {
      'org.opencontainers.image.source': 'https://github.com/contoso/orders-api',
      'org.opencontainers.image.revision': '9b2d41c07e5f3a8b6c1d0e9f8a7b6c5d4e3f2a1b',
      'org.opencontainers.image.base.name': 'mcr.microsoft.com/dotnet/aspnet:8.0-azurelinux3.0',
    },
    platforms: [{ architecture: 'amd64' }, { architecture: 'arm64', variant: 'v8' }],
  });
  const prodApiStale = p('prod', 'team/api', '1.5.0', ['1.5.0'], 152, 88);
  const prodApiUntagged = p('prod', 'team/api', 'untagged-a', [], 262, 87);
  const prodWebFresh = p('prod', 'team/web', '2.1.0', ['2.1.0', '2.1'], 12, 64);
  const prodWebUntagged = p('prod', 'team/web', 'untagged-b', [], 181, 61);
  const invoiceStale = p('prod', 'team/invoice-func', '1.0.3', ['1.0.3'], 211, 143);
  const workerFresh = p('prod', 'team/worker', '3.4.1', ['3.4.1', 'latest'], 9, 71);

  // --- contosoplatform: the labeled base image pushed by the admin account, CI runner, tools.
  const labeled = imageWithContent(now, {
    seed: 'contosoplatform/platform/base|3.0.20',
    tags: ['3.0.20', '3.0'],
    ageDays: 0.01,
    sizeMb: 38,
    labels: LABELS_PROVENANCE,
    annotations: {
      'org.opencontainers.image.base.name': 'mcr.microsoft.com/azurelinux/base/core:3.0',
      'org.opencontainers.image.base.digest': digestOf('mcr.microsoft.com/azurelinux/base/core|3.0'),
    },
  });
  const platformBaseUntagged = p('platform', 'platform/base', 'untagged-c', [], 301, 36);
  const ciRunnerStale = p('platform', 'tools/ci-runner', '3.9.0', ['3.9.0'], 381, 412);

  // --- contosodev: the unlabeled web RC pushed by a pipeline principal; a stale sandbox image.
  const unlabeled = imageWithContent(now, {
    seed: 'contosodev/team/web|2.2.0-rc1',
    tags: ['2.2.0-rc1'],
    ageDays: 0.02,
    sizeMb: 66,
    labels: { maintainer: 'web-team@contoso.com' },
  });
  const devApiBeta = p('dev', 'team/api', '1.9.0-beta.1', ['1.9.0-beta.1'], 3, 90);
  const sandboxStale = p('dev', 'sandbox/experiments', '0.1', ['0.1'], 322, 1210);
  const sandboxUntagged = p('dev', 'sandbox/experiments', 'untagged-d', [], 401, 1180);

  // --- shadowbuilds: an image built FROM docker.io/library/ubuntu:22.04 (unapproved base).
  const unapprovedBase = imageWithContent(now, {
    seed: 'shadowbuilds/ml/trainer|0.9',
    tags: ['0.9'],
    ageDays: 0.03,
    sizeMb: 2210,
    layers: 5,
    labels: {
      'org.opencontainers.image.source': 'https://github.com/contoso-ml/trainer',
      'org.opencontainers.image.revision': '0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d',
      'org.opencontainers.image.base.name': 'docker.io/library/ubuntu:22.04',
    },
  });

  const archiveOld = [
    p('archive', 'legacy/billing', '2019.4', ['2019.4'], 392, 512),
    p('archive', 'legacy/billing', '2019.3', ['2019.3'], 399, 508),
    p('archive', 'legacy/billing', 'untagged-e', [], 400, 505),
  ];

  const content: Record<string, RegistryContent> = {
    [loginServerOf('prod')]: {
      repositories: {
        'team/api': repo(
          [
            apiIndex.index,
            ...apiIndex.children.map((c) => c.item),
            p('prod', 'team/api', '1.7.2', ['1.7.2'], 35, 89),
            p('prod', 'team/api', '1.7.1', ['1.7.1'], 71, 89),
            prodApiStale,
            prodApiUntagged,
          ],
          apiIndex.children,
        ),
        'team/web': repo([prodWebFresh, p('prod', 'team/web', '2.0.4', ['2.0.4'], 60, 63), prodWebUntagged]),
        'team/worker': repo([workerFresh, p('prod', 'team/worker', '3.3.0', ['3.3.0'], 96, 70)]),
        'team/invoice-func': repo([invoiceStale, p('prod', 'team/invoice-func', '1.0.2', ['1.0.2'], 243, 141)]),
      },
    },
    [loginServerOf('platform')]: {
      repositories: {
        'platform/base': repo(
          [labeled.item, p('platform', 'platform/base', '3.0.19', ['3.0.19'], 30, 38), p('platform', 'platform/base', '3.0.12', ['3.0.12'], 131, 37), platformBaseUntagged],
          [labeled],
        ),
        'tools/ci-runner': repo([
          p('platform', 'tools/ci-runner', '4.12.0', ['4.12.0', 'latest'], 4, 455),
          p('platform', 'tools/ci-runner', '4.11.0', ['4.11.0'], 33, 450),
          ciRunnerStale,
        ]),
        'tools/db-migrate': repo([p('platform', 'tools/db-migrate', '1.2.0', ['1.2.0'], 18, 52)]),
      },
    },
    [loginServerOf('dev')]: {
      repositories: {
        'team/api': repo([devApiBeta, p('dev', 'team/api', '1.8.0-beta.2', ['1.8.0-beta.2'], 20, 89)]),
        'team/web': repo([unlabeled.item, p('dev', 'team/web', '2.2.0-rc0', ['2.2.0-rc0'], 14, 65)], [unlabeled]),
        'sandbox/experiments': repo([sandboxStale, sandboxUntagged]),
        'tools/config-fetch': repo([p('dev', 'tools/config-fetch', '0.4.0', ['0.4.0'], 25, 12)]),
      },
    },
    [loginServerOf('qa')]: {
      repositories: {
        'team/web': repo([p('qa', 'team/web', '2.1.0-qa', ['2.1.0-qa'], 12, 64), p('qa', 'team/web', '2.0.0-qa', ['2.0.0-qa'], 126, 60)]),
        'qa/e2e-runner': repo([p('qa', 'qa/e2e-runner', '5.1.0', ['5.1.0'], 8, 730)]),
      },
    },
    [loginServerOf('archive')]: {
      repositories: {
        'legacy/billing': repo(archiveOld),
        'legacy/reporting': repo([p('archive', 'legacy/reporting', '7.2', ['7.2'], 221, 300)]),
      },
    },
    // contosoedge was created last week for the edge rollout: deliberately empty.
    [loginServerOf('edge')]: { repositories: {} },
    [loginServerOf('shadow')]: {
      repositories: {
        'ml/trainer': repo([unapprovedBase.item, p('shadow', 'ml/trainer', '0.8', ['0.8'], 45, 2190)], [unapprovedBase]),
        'tools/scraper': repo([p('shadow', 'tools/scraper', 'latest', ['latest'], 16, 180)]),
      },
    },
  };

  return {
    content,
    images: {
      labeled: demoImage('platform', 'platform/base', '3.0.20', labeled.item),
      unlabeled: demoImage('dev', 'team/web', '2.2.0-rc1', unlabeled.item),
      multiArch: demoImage('prod', 'team/api', '1.8.0', apiIndex.index),
      unapprovedBase: demoImage('shadow', 'ml/trainer', '0.9', unapprovedBase.item),
    },
    digests: {
      devApiBeta: devApiBeta.digest,
      stale: [prodApiStale.digest, invoiceStale.digest, ciRunnerStale.digest, sandboxStale.digest, archiveOld[0]!.digest],
      fresh: [apiIndex.index.digest, prodWebFresh.digest, workerFresh.digest, labeled.item.digest],
      untaggedOld: [prodApiUntagged.digest, prodWebUntagged.digest, platformBaseUntagged.digest, sandboxUntagged.digest, archiveOld[2]!.digest],
    },
  };
}

/** The demo images by role (their digests do not depend on `now`). */
export function demoImages(now: Date): Built['images'] {
  return buildContent(now).images;
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

/** What a workload container's image should come out as in the audit. */
export type WorkloadImageExpectation =
  | 'fresh'
  | 'stale'
  | 'unapproved-registry'
  | 'docker-hub-implicit'
  | 'approved-not-in-estate'
  | 'invalid-reference'
  | 'tag-not-found';

export interface DemoWorkloadImage {
  workloadId: string;
  kind: WorkloadKind;
  /** Container name as the inventory names it (`main` for a web app's DOCKER| image). */
  container: string;
  role: 'main' | 'init' | 'sidecar';
  image: string;
  expect: WorkloadImageExpectation;
}

interface WorkloadsBuilt {
  rows: JsonObject[];
  images: DemoWorkloadImage[];
}

function buildWorkloads(devApiBetaDigest: string): WorkloadsBuilt {
  const t = DEMO_TENANT_ID;
  const S = DEMO_SUBSCRIPTIONS;
  const rows: JsonObject[] = [];
  const images: DemoWorkloadImage[] = [];
  const add = (row: JsonObject, kind: DemoWorkloadImage['kind'], list: Array<Omit<DemoWorkloadImage, 'workloadId' | 'kind'>>) => {
    rows.push(row);
    for (const i of list) images.push({ workloadId: row.id as string, kind, ...i });
  };
  const prod = (n: string) => `${loginServerOf('prod')}/${n}`;
  const platform = (n: string) => `${loginServerOf('platform')}/${n}`;
  const dev = (n: string) => `${loginServerOf('dev')}/${n}`;

  // ---- prod
  add(
    containerGroupRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-reporting', name: 'aci-nightly-report', location: 'westeurope',
      tags: { team: 'finance', env: 'prod' }, restartPolicy: 'OnFailure', registryServers: [loginServerOf('prod'), loginServerOf('platform')],
      containers: [{ name: 'report', image: prod('team/worker:3.4.1') }],
      initContainers: [{ name: 'db-migrate', image: platform('tools/db-migrate:1.2.0') }],
    }),
    'containerGroup',
    [
      { container: 'report', role: 'main', image: prod('team/worker:3.4.1'), expect: 'fresh' },
      { container: 'db-migrate', role: 'init', image: platform('tools/db-migrate:1.2.0'), expect: 'fresh' },
    ],
  );
  add(
    containerAppRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-orders', name: 'ca-orders-api', location: 'westeurope', environment: 'cae-contoso-prod',
      revision: '0000042', tags: { team: 'orders', env: 'prod' }, registryServers: [loginServerOf('prod')],
      containers: [
        { name: 'api', image: prod('team/api:1.8.0') },
        { name: 'otel-collector', image: 'mcr.microsoft.com/oss/otel/opentelemetry-collector-contrib:0.111.0' },
      ],
    }),
    'containerApp',
    [
      { container: 'api', role: 'main', image: prod('team/api:1.8.0'), expect: 'fresh' },
      { container: 'otel-collector', role: 'main', image: 'mcr.microsoft.com/oss/otel/opentelemetry-collector-contrib:0.111.0', expect: 'approved-not-in-estate' },
    ],
  );
  add(
    containerAppRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-storefront', name: 'ca-storefront', location: 'westeurope', environment: 'cae-contoso-prod',
      revision: 'x7k2p9q', tags: { team: 'web', env: 'prod' }, registryServers: [loginServerOf('prod')],
      containers: [
        { name: 'web', image: prod('team/web:2.1.0') },
        { name: 'edge-proxy', image: 'nginx:1.27' },
      ],
    }),
    'containerApp',
    [
      { container: 'web', role: 'main', image: prod('team/web:2.1.0'), expect: 'fresh' },
      { container: 'edge-proxy', role: 'main', image: 'nginx:1.27', expect: 'docker-hub-implicit' },
    ],
  );
  add(
    webSiteRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-portal', name: 'app-contoso-portal', location: 'westeurope', kind: 'app,linux,container',
      serverFarm: 'asp-contoso-prod-linux', linuxFxVersion: `DOCKER|${prod('team/web:2.1')}`, acrUseManagedIdentityCreds: true, tags: { team: 'web', env: 'prod' },
    }),
    'webApp',
    [{ container: 'main', role: 'main', image: prod('team/web:2.1'), expect: 'fresh' }],
  );
  add(
    webSiteRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-invoicing', name: 'func-invoice-processor', location: 'westeurope', kind: 'functionapp,linux,container',
      serverFarm: 'asp-contoso-functions', linuxFxVersion: `DOCKER|${prod('team/invoice-func:1.0.3')}`, acrUseManagedIdentityCreds: true, tags: { team: 'finance', env: 'prod' },
    }),
    'webApp',
    [{ container: 'main', role: 'main', image: prod('team/invoice-func:1.0.3'), expect: 'stale' }],
  );
  // Code-only Windows web app: no container at all.
  add(
    webSiteRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-marketing', name: 'app-contoso-marketing', location: 'westeurope', kind: 'app',
      serverFarm: 'asp-contoso-windows', tags: { team: 'marketing', env: 'prod' },
    }),
    'webApp',
    [],
  );

  // ---- dev
  add(
    containerAppJobRow({
      tenantId: t, subscriptionId: S.dev, resourceGroup: 'rg-data', name: 'caj-data-sync', location: 'westeurope', environment: 'cae-contoso-dev',
      cron: '0 */6 * * *', tags: { team: 'data', env: 'dev' }, registryServers: [loginServerOf('shadow'), loginServerOf('dev')],
      containers: [{ name: 'sync', image: `${loginServerOf('shadow')}/tools/scraper:latest` }],
      initContainers: [{ name: 'fetch-config', image: dev('tools/config-fetch:0.4.0') }],
    }),
    'containerAppJob',
    [
      { container: 'sync', role: 'main', image: `${loginServerOf('shadow')}/tools/scraper:latest`, expect: 'unapproved-registry' },
      { container: 'fetch-config', role: 'init', image: dev('tools/config-fetch:0.4.0'), expect: 'fresh' },
    ],
  );
  add(
    containerGroupRow({
      tenantId: t, subscriptionId: S.dev, resourceGroup: 'rg-sandbox', name: 'aci-dev-sandbox', location: 'westeurope', tags: { team: 'research', env: 'dev' },
      registryServers: [loginServerOf('dev')], containers: [{ name: 'lab', image: dev('sandbox/experiments:0.1') }],
    }),
    'containerGroup',
    [{ container: 'lab', role: 'main', image: dev('sandbox/experiments:0.1'), expect: 'stale' }],
  );
  add(
    containerAppRow({
      tenantId: t, subscriptionId: S.dev, resourceGroup: 'rg-preview', name: 'ca-feature-preview', location: 'westeurope', environment: 'cae-contoso-dev',
      revision: 'pr1287', tags: { team: 'web', env: 'dev' }, registryServers: [loginServerOf('dev')],
      containers: [
        // Deliberately broken: upper-case repository path is not a valid reference.
        { name: 'web', image: `${loginServerOf('dev')}/Team/Web:preview` },
        { name: 'api', image: `${dev('team/api')}@${devApiBetaDigest}` },
      ],
    }),
    'containerApp',
    [
      { container: 'web', role: 'main', image: `${loginServerOf('dev')}/Team/Web:preview`, expect: 'invalid-reference' },
      { container: 'api', role: 'main', image: `${dev('team/api')}@${devApiBetaDigest}`, expect: 'fresh' },
    ],
  );
  add(
    containerAppRow({
      tenantId: t, subscriptionId: S.dev, resourceGroup: 'rg-orders-dev', name: 'ca-api-canary', location: 'westeurope', environment: 'cae-contoso-dev',
      revision: 'c4n4ry1', tags: { team: 'orders', env: 'dev' }, registryServers: [loginServerOf('prod')],
      containers: [{ name: 'api', image: prod('team/api:1.6.0') }],
    }),
    'containerApp',
    [{ container: 'api', role: 'main', image: prod('team/api:1.6.0'), expect: 'tag-not-found' }],
  );
  // Code-only Linux web app: LinuxFxVersion names a language stack, not an image.
  add(
    webSiteRow({
      tenantId: t, subscriptionId: S.dev, resourceGroup: 'rg-blog', name: 'app-dev-blog', location: 'westeurope', kind: 'app,linux',
      serverFarm: 'asp-contoso-dev-linux', linuxFxVersion: 'NODE|20-lts', tags: { team: 'marketing', env: 'dev' },
    }),
    'webApp',
    [],
  );

  // ---- shared-services
  add(
    containerAppJobRow({
      tenantId: t, subscriptionId: S.shared, resourceGroup: 'rg-ci', name: 'caj-ci-runner', location: 'westeurope', environment: 'cae-contoso-shared',
      tags: { team: 'platform' }, registryServers: [loginServerOf('platform')],
      containers: [{ name: 'runner', image: platform('tools/ci-runner:4.12.0') }],
    }),
    'containerAppJob',
    [{ container: 'runner', role: 'main', image: platform('tools/ci-runner:4.12.0'), expect: 'fresh' }],
  );
  add(
    containerGroupRow({
      tenantId: t, subscriptionId: S.shared, resourceGroup: 'rg-ops', name: 'aci-registry-cleanup', location: 'westeurope', tags: { team: 'platform' },
      restartPolicy: 'OnFailure', containers: [{ name: 'cleanup', image: 'mcr.microsoft.com/azure-cli:2.67.0' }],
    }),
    'containerGroup',
    [{ container: 'cleanup', role: 'main', image: 'mcr.microsoft.com/azure-cli:2.67.0', expect: 'approved-not-in-estate' }],
  );
  return { rows, images };
}

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

const DOCKER_UA = 'docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-1017-azure os/linux arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))';
const AZCLI_UA = 'azsdk-python-containerregistry/1.2.0 Python/3.12.7 (Linux-6.8.0-1017-azure-x86_64-with-glibc2.39) AZURECLI/2.67.0';
const ORAS_UA = 'oras-go';
const CI_IP = '20.61.113.42';
const LAPTOP_IP = '198.51.100.23';
const AKS_EGRESS_IP = '20.103.9.187';

/** Principals seen in the logs: AAD identities are object ids or UPNs. */
const PRINCIPALS = {
  ciManagedIdentity: guidOf('contoso|mi|ci-runner'),
  ordersManagedIdentity: guidOf('contoso|mi|orders'),
  devPipeline: guidOf('contoso|sp|dev-pipeline'),
  alice: 'alice.nguyen@contoso.com',
  jdoe: 'j.doe@contoso.com',
};

function buildLogs(now: Date, images: Built['images']): EstateDocument['logs'] {
  const login = (k: RegistryKey, days: number, identity: string, resultType: '200' | '401', ip: string, ua: string, n: number) =>
    loginEventRow({
      time: daysAgo(now, days), tenantId: WORKSPACES[k === 'dev' ? 'dev' : 'platform'].customerId, registryId: registryIdOf(k), loginServer: loginServerOf(k),
      identity, resultType, callerIpAddress: ip, userAgent: ua, location: REGISTRIES[k].location, seed: `${k}|login|${n}`,
    });
  const platformLogins = [
    // The admin account (user name = registry name) logs in from the CI agents, again and again.
    ...[0.3, 1.2, 2.5, 4.1, 7.8, 13.4, 26.9].map((d, n) => login('platform', d, REGISTRIES.platform.name, '200', CI_IP, DOCKER_UA, n)),
    login('platform', 0.9, PRINCIPALS.ciManagedIdentity, '200', CI_IP, ORAS_UA, 20),
    login('platform', 5.5, PRINCIPALS.jdoe, '200', LAPTOP_IP, AZCLI_UA, 21),
  ];
  const prodLogins = [
    login('prod', 0.2, PRINCIPALS.ordersManagedIdentity, '200', AKS_EGRESS_IP, 'containerd/v1.7.22', 1),
    login('prod', 1.7, PRINCIPALS.ciManagedIdentity, '200', CI_IP, DOCKER_UA, 2),
    login('prod', 9.3, PRINCIPALS.alice, '200', LAPTOP_IP, AZCLI_UA, 3),
  ];
  const devLogins = [
    // Only AAD identities succeed inside the 30-day window; the admin account appears only
    // outside it (45 days ago) and as a FAILED attempt inside it.
    login('dev', 0.5, PRINCIPALS.devPipeline, '200', CI_IP, DOCKER_UA, 1),
    login('dev', 3.2, PRINCIPALS.alice, '200', LAPTOP_IP, AZCLI_UA, 2),
    login('dev', 11.0, PRINCIPALS.devPipeline, '200', CI_IP, DOCKER_UA, 3),
    login('dev', 5.0, REGISTRIES.dev.name, '401', LAPTOP_IP, DOCKER_UA, 4),
    login('dev', 45.0, REGISTRIES.dev.name, '200', LAPTOP_IP, DOCKER_UA, 5),
  ];
  const push = (img: DemoImage, identity: string, workspace: string, n: number) =>
    repositoryEventRow({
      time: daysAgo(now, 0.01), tenantId: workspace, registryId: registryIdOf(img.registry), loginServer: img.loginServer, operation: 'Push',
      repository: img.repository, tag: img.tag, digest: img.digest, mediaType: img.mediaType, size: img.size, identity,
      callerIpAddress: CI_IP, userAgent: DOCKER_UA, location: REGISTRIES[img.registry].location, seed: `push|${n}`,
    });
  return {
    [WORKSPACES.platform.customerId]: {
      ContainerRegistryLoginEvents: [...platformLogins, ...prodLogins].sort((a, b) => String(a.TimeGenerated).localeCompare(String(b.TimeGenerated))),
      ContainerRegistryRepositoryEvents: [push(images.labeled, REGISTRIES.platform.name, WORKSPACES.platform.customerId, 1)],
    },
    [WORKSPACES.dev.customerId]: {
      ContainerRegistryLoginEvents: devLogins.sort((a, b) => String(a.TimeGenerated).localeCompare(String(b.TimeGenerated))),
      ContainerRegistryRepositoryEvents: [push(images.unlabeled, PRINCIPALS.devPipeline, WORKSPACES.dev.customerId, 2)],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Resource changes (ARG `resourcechanges`)
// ---------------------------------------------------------------------------------------------

function changeRow(
  now: Date,
  k: RegistryKey,
  daysBack: number,
  who: { changedBy: string; changedByType: 'User' | 'AppId'; clientType: string },
  changes: Record<string, { previousValue: string; newValue: string }>,
): JsonObject {
  const target = registryIdOf(k);
  const ts = new Date(now.getTime() - Math.round(daysBack * 86_400_000));
  const seed = `${target}|${daysBack}`;
  const snap = (s: string, t: number) => `0858${String(BigInt(t) * 7919n).padStart(16, '0').slice(-16)}_${guidOf(seed + s)}_${parseInt(guidOf(s + seed).slice(0, 8), 16)}_${Math.floor(t / 1000)}`;
  const changeId = snap('new', ts.getTime());
  // ARG lower-cases the provider part of targetResourceId in this table.
  const r = REGISTRIES[k];
  const targetResourceId = `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/microsoft.containerregistry/registries/${r.name}`;
  return {
    id: `${targetResourceId}/providers/Microsoft.Resources/changes/${changeId}`,
    name: changeId,
    type: 'microsoft.resources/changes',
    tenantId: DEMO_TENANT_ID,
    kind: '',
    location: '',
    resourceGroup: r.resourceGroup.toLowerCase(),
    subscriptionId: r.subscriptionId,
    managedBy: '',
    sku: null,
    plan: null,
    properties: {
      targetResourceId,
      targetResourceType: 'microsoft.containerregistry/registries',
      changeType: 'Update',
      changeAttributes: {
        previousResourceSnapshotId: snap('prev', ts.getTime() - 3_600_000 * 26),
        newResourceSnapshotId: changeId,
        correlationId: guidOf(`${seed}|corr`),
        changedByType: who.changedByType,
        changesCount: Object.keys(changes).length,
        clientType: who.clientType,
        changedBy: who.changedBy,
        operation: 'microsoft.containerregistry/registries/write',
        timestamp: ts.toISOString(),
      },
      changes: Object.fromEntries(
        Object.entries(changes).map(([path, c]) => [path, { newValue: c.newValue, previousValue: c.previousValue, changeCategory: 'User', propertyChangeType: 'Update', isTruncated: false }]),
      ) as JsonObject,
    },
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------------

const R = (k: RegistryKey) => registryIdOf(k);

/** One rule subject: the resource it belongs to and the subject string (as shared/rules/subjects.ts builds it). */
export interface ExpectedSubject {
  resourceId: string;
  subject: string;
}

export interface RuleExpectation {
  fail: ExpectedSubject[];
  pass: ExpectedSubject[];
  /** Subjects where the rule has nothing to decide or cannot decide. */
  notApplicable?: ExpectedSubject[];
}

// The digests of the demo do not depend on `now` (content documents carry no dates): any date
// builds the same subjects.
const FIXED = buildContent(new Date(0));

function imageSubjectOf(digest: string): ExpectedSubject {
  for (const k of Object.keys(REGISTRIES) as RegistryKey[]) {
    for (const [name, r] of Object.entries(FIXED.content[loginServerOf(k)]!.repositories)) {
      if (r.manifests.some((m) => m.digest === digest)) return { resourceId: registryIdOf(k), subject: `${loginServerOf(k)}/${name}@${digest}` };
    }
  }
  throw new Error(`digest ${digest} is not in the demo estate`);
}

function workloadSubjectsOf(expect: WorkloadImageExpectation[], filter: (i: DemoWorkloadImage) => boolean = () => true): ExpectedSubject[] {
  return buildWorkloads(FIXED.digests.devApiBeta)
    .images.filter((i) => expect.includes(i.expect) && filter(i))
    .map((i) => ({ resourceId: i.workloadId, subject: `container ${i.container} image ${i.image}` }));
}

const regs = (...keys: RegistryKey[]): ExpectedSubject[] => keys.map((k) => ({ resourceId: R(k), subject: R(k) }));
const imgs = (...digests: string[]): ExpectedSubject[] => digests.map(imageSubjectOf);

/**
 * For each rule id: subjects expected to fail, to pass, and (where useful) to be not applicable,
 * when the demo is audited with DEMO_APPROVED_REGISTRIES, DEMO_APPROVED_BASE_IMAGES and the default
 * parameters (stale after 90 days, 30-day admin look-back). The image provenance rules apply where
 * manifest content is read (the push-time audit of the DEMO push events, and any audit reading
 * content). `audit.scope-readable` has no subjects: nothing in the demo is forbidden.
 * A rule may lack an entry: tests iterate the entries that exist, and one explicit test
 * (test/estates/demo.test.ts) names every rule with subjects that lacks a failing and a passing subject here.
 */
export const DEMO_EXPECTATIONS: Readonly<Record<string, RuleExpectation>> = {
  'registry.approved': { fail: regs('shadow'), pass: regs('prod', 'platform', 'dev', 'qa', 'archive', 'edge') },
  'registry.admin-user-disabled': { fail: regs('platform', 'dev', 'shadow'), pass: regs('prod', 'qa', 'archive', 'edge') },
  'registry.anonymous-pull-disabled': { fail: regs('dev'), pass: regs('prod', 'platform', 'qa', 'archive', 'edge', 'shadow') },
  'registry.public-network-restricted': { fail: regs('dev', 'qa', 'archive', 'shadow'), pass: regs('prod', 'platform', 'edge') },
  'registry.audit-logs-enabled': { fail: regs('qa', 'archive', 'shadow'), pass: regs('prod', 'platform', 'dev', 'edge') },
  // Admin disabled passes (the account cannot be used); shadowbuilds has admin enabled but its logs
  // go nowhere -> cannot be decided (not applicable, inconclusive).
  'registry.admin-user-unused': { fail: regs('platform'), pass: regs('dev', 'prod', 'qa', 'archive', 'edge'), notApplicable: regs('shadow') },
  'image.fresh': { fail: imgs(...FIXED.digests.stale), pass: imgs(...FIXED.digests.fresh), notApplicable: imgs(...FIXED.digests.untaggedOld) },
  'image.provenance-labeled': {
    fail: imgs(FIXED.images.unlabeled.digest),
    pass: imgs(FIXED.images.labeled.digest, FIXED.images.multiArch.digest, FIXED.images.unapprovedBase.digest),
  },
  'image.base-approved': {
    fail: imgs(FIXED.images.unapprovedBase.digest),
    pass: imgs(FIXED.images.labeled.digest, FIXED.images.multiArch.digest),
    notApplicable: imgs(FIXED.images.unlabeled.digest),
  },
  'workload.image-fresh': {
    fail: workloadSubjectsOf(['stale', 'tag-not-found']),
    // shadowbuilds is in the estate, so its image resolves (and is fresh): unapproved is another rule's business.
    pass: workloadSubjectsOf(['fresh', 'unapproved-registry']),
    notApplicable: workloadSubjectsOf(['approved-not-in-estate', 'docker-hub-implicit', 'invalid-reference']),
  },
  'workload.image-from-approved-registry': {
    fail: workloadSubjectsOf(['unapproved-registry', 'docker-hub-implicit', 'invalid-reference']),
    pass: workloadSubjectsOf(['fresh', 'stale', 'approved-not-in-estate', 'tag-not-found']),
  },
};

/** Image-level facts of the demo, by condition. */
export function demoImageFacts(now: Date): {
  images: Built['images'];
  /** `loginServer/repository@digest` subjects of tagged manifests older than 120 days. */
  staleSubjects: string[];
  freshSubjects: string[];
  /** Untagged manifests older than 120 days: must NOT become findings. */
  untaggedOldSubjects: string[];
} {
  const b = buildContent(now);
  const subjects = (digests: string[]) => digests.map((d) => imageSubjectOf(d).subject);
  return { images: b.images, staleSubjects: subjects(b.digests.stale), freshSubjects: subjects(b.digests.fresh), untaggedOldSubjects: subjects(b.digests.untaggedOld) };
}

/** Every container image the demo workloads run, with what the audit should make of it. */
export function demoWorkloadImages(now: Date): DemoWorkloadImage[] {
  return buildWorkloads(buildContent(now).digests.devApiBeta).images;
}

// ---------------------------------------------------------------------------------------------
// The estate
// ---------------------------------------------------------------------------------------------

export function demoEstate(now: Date): EstateDocument {
  const t = DEMO_TENANT_ID;
  const S = DEMO_SUBSCRIPTIONS;
  const built = buildContent(now);
  const reg = (k: RegistryKey, extra: Omit<Parameters<typeof registryRow>[0], 'tenantId' | 'subscriptionId' | 'resourceGroup' | 'name' | 'location' | 'sku' | 'policyTime'>) =>
    registryRow({ tenantId: t, ...REGISTRIES[k], policyTime: extra.creationDate, ...extra });

  const registries = [
    reg('prod', {
      creationDate: daysAgo(now, 912), adminUserEnabled: false, publicNetworkAccess: 'Disabled', networkRuleSet: { defaultAction: 'Deny' },
      privateEndpoints: [{ name: 'pe-contosoprod', subnetResourceGroup: 'rg-network-prod', vnet: 'vnet-prod' }], retentionDays: 30, zoneRedundancy: true,
      systemIdentityPrincipalId: guidOf('contoso|mi|acr-prod'), tags: { env: 'prod', owner: 'platform-team', costCenter: 'CC-1001' },
    }),
    reg('platform', {
      creationDate: daysAgo(now, 1034), adminUserEnabled: true, publicNetworkAccess: 'Enabled',
      networkRuleSet: { defaultAction: 'Deny', ipRules: ['20.61.113.0/24', '203.0.113.10'] }, tags: { env: 'shared', owner: 'platform-team' },
    }),
    reg('dev', { creationDate: daysAgo(now, 640), adminUserEnabled: true, anonymousPullEnabled: true, publicNetworkAccess: 'Enabled', tags: { env: 'dev', owner: 'dev-productivity' } }),
    reg('qa', { creationDate: daysAgo(now, 402), adminUserEnabled: false, publicNetworkAccess: 'Enabled', tags: { env: 'qa' } }),
    reg('archive', { creationDate: daysAgo(now, 1460), adminUserEnabled: false, publicNetworkAccess: 'Enabled', tags: { env: 'shared', lifecycle: 'archive' } }),
    reg('edge', {
      creationDate: daysAgo(now, 6), adminUserEnabled: false, publicNetworkAccess: 'Disabled', networkRuleSet: { defaultAction: 'Deny' },
      privateEndpoints: [{ name: 'pe-contosoedge', subnetResourceGroup: 'rg-network-prod', vnet: 'vnet-edge' }], tags: { env: 'prod', owner: 'edge-team' },
    }),
    reg('shadow', { creationDate: daysAgo(now, 210), adminUserEnabled: true, publicNetworkAccess: 'Enabled', tags: {} }),
  ];

  const workspaces = Object.values(WORKSPACES).map((w) => workspaceRow({ tenantId: t, location: 'westeurope', createdDate: daysAgo(now, 1100), ...w }));

  const diagnosticSettings: Record<string, DiagnosticSetting[]> = {
    [R('prod')]: [
      diagnosticSetting(R('prod'), 'send-to-law', { workspaceId: DEMO_WORKSPACES.platform.id }, [{ categoryGroup: 'allLogs', enabled: true }], [{ category: 'AllMetrics', enabled: false }]),
    ],
    [R('platform')]: [
      diagnosticSetting(R('platform'), 'acr-audit', { workspaceId: DEMO_WORKSPACES.platform.id }, [
        { category: 'ContainerRegistryLoginEvents', enabled: true },
        { category: 'ContainerRegistryRepositoryEvents', enabled: true },
      ]),
    ],
    [R('dev')]: [diagnosticSetting(R('dev'), 'audit-to-dev-law', { workspaceId: DEMO_WORKSPACES.dev.id }, [{ categoryGroup: 'audit', enabled: true }])],
    [R('edge')]: [
      diagnosticSetting(R('edge'), 'archive-and-siem', { storageAccountId: STORAGE_ACCOUNT_ID, eventHubAuthorizationRuleId: EVENT_HUB_RULE_ID, eventHubName: 'acr-audit' }, [
        { category: 'ContainerRegistryLoginEvents', enabled: true },
        { category: 'ContainerRegistryRepositoryEvents', enabled: true },
      ]),
    ],
    // A setting exists, but it ships only metrics: both log categories are switched off.
    [R('archive')]: [
      diagnosticSetting(
        R('archive'),
        'metrics-only',
        { workspaceId: DEMO_WORKSPACES.platform.id },
        [
          { category: 'ContainerRegistryLoginEvents', enabled: false },
          { category: 'ContainerRegistryRepositoryEvents', enabled: false },
        ],
        [{ category: 'AllMetrics', enabled: true }],
      ),
    ],
    [R('qa')]: [],
    [R('shadow')]: [],
  };

  const workloads = buildWorkloads(built.digests.devApiBeta);

  const pricing = (sub: string, tier: 'Standard' | 'Free'): JsonObject => ({
    id: `/subscriptions/${sub}/providers/Microsoft.Security/pricings/Containers`,
    name: 'Containers',
    type: 'microsoft.security/pricings',
    tenantId: t,
    kind: '',
    location: '',
    resourceGroup: '',
    subscriptionId: sub,
    managedBy: '',
    sku: null,
    plan: null,
    properties: tier === 'Standard'
      ? { pricingTier: 'Standard', freeTrialRemainingTime: 'PT0S', enablementTime: daysAgo(now, 300), deprecated: false }
      : { pricingTier: 'Free', freeTrialRemainingTime: 'P30D', deprecated: false },
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  });

  return {
    tenantId: t,
    subscriptions: [
      { subscriptionId: S.prod, displayName: 'contoso-prod', state: 'Enabled' },
      { subscriptionId: S.dev, displayName: 'contoso-dev', state: 'Enabled' },
      { subscriptionId: S.shared, displayName: 'contoso-shared-services', state: 'Enabled' },
    ],
    resources: [...registries, ...workspaces, ...workloads.rows],
    securityresources: [pricing(S.prod, 'Standard'), pricing(S.shared, 'Standard'), pricing(S.dev, 'Free')],
    resourcechanges: [
      // Who turned the admin user on for contosoplatform: a person, in the portal, 3 days ago.
      changeRow(now, 'platform', 3.2, { changedBy: PRINCIPALS.jdoe, changedByType: 'User', clientType: 'Azure Portal' }, {
        'properties.adminUserEnabled': { previousValue: 'False', newValue: 'True' },
      }),
      // An unrelated change (no adminUserEnabled): contosoprod went private 10 days ago.
      changeRow(now, 'prod', 10.4, { changedBy: guidOf('contoso|sp|infra-pipeline'), changedByType: 'AppId', clientType: 'ARM Template' }, {
        'properties.publicNetworkAccess': { previousValue: 'Enabled', newValue: 'Disabled' },
        'properties.networkRuleSet.defaultAction': { previousValue: 'Allow', newValue: 'Deny' },
      }),
    ],
    authorizationresources: [],
    diagnosticSettings,
    registryContent: built.content,
    logs: buildLogs(now, built.images),
  };
}
