/**
 * The demo estate: Contoso, a mid-size company with three subscriptions (prod, dev,
 * shared-services), seven container registries and a dozen workloads. Every date is computed from
 * `now`, so the story (fresh vs stale images, admin logins "in the last 30 days", "who enabled the
 * admin user a few days ago") holds on any day. Everything else (GUIDs, digests) is fixed.
 *
 * The story, rule by rule, is in DEMO_EXPECTATIONS and estates/README.md.
 */
import {
  argRow,
  armId,
  containerAppJobRow,
  containerAppRow,
  containerGroupRow,
  containersPricingRow,
  daysAgo,
  diagnosticSetting,
  digestOf,
  guidOf,
  loginEventRow,
  registryRow,
  repositoryEventRow,
  subAssessmentRow,
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
/**
 * Supply chain (issue 15): repositories whose tagged images must be signed, and the approved signer (the SHA-256
 * thumbprint of Contoso's release signing certificate). Audit the demo with these to see the signing rules.
 */
export const DEMO_SIGNATURE_REQUIRED = ['team/api'];
export const DEMO_APPROVED_SIGNERS = ['B7A69A70992AE4F9FF103EBE04A2C3BA6C777E439253CE36562E6E98375068C3'];
const DEMO_UNKNOWN_SIGNER = '5E1F5161AE0000000000000000000000000000000000000000000000DEADBEEF';
const DEMO_CA = '932EB6F5598435D4EF23F97B0B5ACB515FAE2B8D8FAC046AB813DDC419DD5E89';

/** A Notary Project signature referrer (artifactType and the certificate-chain thumbprints annotation, leaf first). */
function signatureReferrer(seed: string, chain: string[]): NonNullable<ManifestItem['referrers']>[number] {
  return { digest: digestOf(`signature|${seed}`), artifactType: 'application/vnd.cncf.notary.signature', size: 728, annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify(chain), 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' } };
}

export const DEMO_APPROVED_BASE_IMAGES = ['mcr.microsoft.com/azurelinux/*', 'mcr.microsoft.com/dotnet/*', 'contoso*.azurecr.io/platform/*'];

export const DEMO_TENANT_ID = guidOf('contoso|tenant');

export const DEMO_SUBSCRIPTIONS = {
  prod: guidOf('contoso|subscription|prod'),
  dev: guidOf('contoso|subscription|dev'),
  shared: guidOf('contoso|subscription|shared-services'),
} as const;

/** A subscription outside the estate (a partner's): a private endpoint from it is not trusted. */
export const DEMO_FOREIGN_SUBSCRIPTION = guidOf('fabrikam|subscription|partner');

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
  digests: { devApiBeta: string; stale: string[]; fresh: string[]; untaggedOld: string[]; unknownSigner: string; unsigned: string };
  /** Images the Defender sub-assessments of the demo are about (issue 12). */
  vulnerable: { payments: string; webMediumOnly: string; ciRunnerUnfixed: string };
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
  // Signed by Contoso's release certificate, with an SPDX SBOM (issue 15).
  apiIndex.index.referrers = [
    signatureReferrer('contosoprod/team/api|1.8.0', [DEMO_APPROVED_SIGNERS[0]!, DEMO_CA]),
    { digest: digestOf('sbom|contosoprod/team/api|1.8.0'), artifactType: 'application/spdx+json', size: 1841 },
  ];
  // The release tag 1.8.0 is locked (write and delete disabled: image.release-tags-locked passes); `stable` is meant to move.
  // Every other release tag of the demo (2.1.0, 3.4.1, ...) is writable, ACR's default.
  apiIndex.index.tagAttributes = { '1.8.0': { writeEnabled: false, deleteEnabled: false } };
  // Signed, but by a certificate nobody approved; 1.7.1 and 1.5.0 are not signed at all.
  const prodApiUnknownSigner = p('prod', 'team/api', '1.7.2', ['1.7.2'], 35, 89);
  prodApiUnknownSigner.referrers = [signatureReferrer('contosoprod/team/api|1.7.2', [DEMO_UNKNOWN_SIGNER])];
  const prodApiUnsigned = p('prod', 'team/api', '1.7.1', ['1.7.1'], 71, 89);
  const prodApiStale = p('prod', 'team/api', '1.5.0', ['1.5.0'], 152, 88);
  const prodApiUntagged = p('prod', 'team/api', 'untagged-a', [], 262, 87);
  const prodWebFresh = p('prod', 'team/web', '2.1.0', ['2.1.0', '2.1'], 12, 64);
  const prodWebUntagged = p('prod', 'team/web', 'untagged-b', [], 181, 61);
  const invoiceStale = p('prod', 'team/invoice-func', '1.0.3', ['1.0.3'], 211, 143);
  const workerFresh = p('prod', 'team/worker', '3.4.1', ['3.4.1', 'latest'], 9, 71);
  // Fresh, but Defender lists a critical CVE with a fix published weeks ago: runs in ca-payments-api and aci-payments-reconcile.
  const paymentsVulnerable = p('prod', 'team/payments', '5.2.0', ['5.2.0'], 20, 118);

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
  const ciRunnerLatest = p('platform', 'tools/ci-runner', '4.12.0', ['4.12.0', 'latest'], 4, 455);

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
            prodApiUnknownSigner,
            prodApiUnsigned,
            prodApiStale,
            prodApiUntagged,
          ],
          apiIndex.children,
        ),
        'team/web': repo([prodWebFresh, p('prod', 'team/web', '2.0.4', ['2.0.4'], 60, 63), prodWebUntagged]),
        'team/worker': repo([workerFresh, p('prod', 'team/worker', '3.3.0', ['3.3.0'], 96, 70)]),
        'team/invoice-func': repo([invoiceStale, p('prod', 'team/invoice-func', '1.0.2', ['1.0.2'], 243, 141)]),
        'team/payments': repo([paymentsVulnerable]),
      },
    },
    [loginServerOf('platform')]: {
      repositories: {
        'platform/base': repo(
          [labeled.item, p('platform', 'platform/base', '3.0.19', ['3.0.19'], 30, 38), p('platform', 'platform/base', '3.0.12', ['3.0.12'], 131, 37), platformBaseUntagged],
          [labeled],
        ),
        'tools/ci-runner': repo([
          ciRunnerLatest,
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
      unknownSigner: prodApiUnknownSigner.digest,
      unsigned: prodApiUnsigned.digest,
    },
    vulnerable: { payments: paymentsVulnerable.digest, webMediumOnly: prodWebFresh.digest, ciRunnerUnfixed: ciRunnerLatest.digest },
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
  // The payments image (team/payments:5.2.0) carries a critical CVE with a fix (Defender sub-assessments
  // below): one image finding, and one workload finding for each of these two.
  add(
    containerAppRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-payments', name: 'ca-payments-api', location: 'westeurope', environment: 'cae-contoso-prod',
      revision: 'p4ym3nt', tags: { team: 'payments', env: 'prod' }, registryServers: [loginServerOf('prod')],
      containers: [{ name: 'payments', image: prod('team/payments:5.2.0') }],
    }),
    'containerApp',
    [{ container: 'payments', role: 'main', image: prod('team/payments:5.2.0'), expect: 'fresh' }],
  );
  add(
    containerGroupRow({
      tenantId: t, subscriptionId: S.prod, resourceGroup: 'rg-payments', name: 'aci-payments-reconcile', location: 'westeurope',
      tags: { team: 'payments', env: 'prod' }, restartPolicy: 'OnFailure', registryServers: [loginServerOf('prod')],
      containers: [{ name: 'reconcile', image: prod('team/payments:5.2.0') }],
    }),
    'containerGroup',
    [{ container: 'reconcile', role: 'main', image: prod('team/payments:5.2.0'), expect: 'fresh' }],
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
  tuneWorkloadSettings(rows);
  return { rows, images };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Issue 14: the workload settings the row builders leave at their defaults, so that every workload rule fails
 * and passes somewhere, per kind where it applies (see DEMO_EXPECTATIONS). Property names and casing as in the
 * GET examples of Microsoft.ContainerInstance 2025-09-01, Microsoft.App 2025-07-01 and Microsoft.Web 2025-03-01.
 * The credential-looking values are invented; the audit must never repeat them (test/usecases/secretLeak.test.ts).
 */
function tuneWorkloadSettings(rows: JsonObject[]): void {
  const S = DEMO_SUBSCRIPTIONS;
  const byName = (name: string): { props: Record<string, any>; row: JsonObject } => {
    const row = rows.find((r) => r.name === name)!;
    return { row, props: row.properties as Record<string, any> };
  };
  const uami = (sub: string, rg: string, name: string) => armId(sub, rg, 'Microsoft.ManagedIdentity/userAssignedIdentities', name);

  // aci-nightly-report: the hardened group. A user-assigned identity pulls; in a subnet, no public IP; logs to a
  // workspace; the database password is a secureValue (ARM returns its name only).
  {
    const { row, props } = byName('aci-nightly-report');
    const id = uami(S.prod, 'rg-reporting', 'id-aci-nightly-report');
    row.identity = { type: 'UserAssigned', userAssignedIdentities: { [id]: { principalId: guidOf('aci-nightly-report|p'), clientId: guidOf('aci-nightly-report|c') } } };
    props.ipAddress = { type: 'Private', ports: [{ protocol: 'TCP', port: 8080 }], ip: '10.20.1.4' };
    props.subnetIds = [{ id: `${armId(S.prod, 'rg-network', 'Microsoft.Network/virtualNetworks', 'vnet-contoso-prod')}/subnets/snet-aci`, name: 'snet-aci' }];
    props.diagnostics = { logAnalytics: { workspaceId: DEMO_WORKSPACES.platform.customerId, logType: 'ContainerInstanceLogs' } };
    props.containers[0].properties.environmentVariables = [{ name: 'REPORT_DB_PASSWORD' }, { name: 'LOG_LEVEL', value: 'info' }];
    props.containers[0].properties.securityContext = { privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  }
  // aci-dev-sandbox: everything a sandbox should not do. Public IP, privileged with an added capability, a
  // plain-text password, and a pull with contosodev's admin credentials (user name = registry name).
  {
    const { props } = byName('aci-dev-sandbox');
    props.ipAddress = { type: 'Public', ports: [{ protocol: 'TCP', port: 8888 }], ip: '20.50.10.7', dnsNameLabel: 'contoso-lab' };
    props.imageRegistryCredentials = [{ server: loginServerOf('dev'), username: REGISTRIES.dev.name }];
    props.containers[0].properties.environmentVariables = [
      { name: 'JUPYTER_TOKEN', value: 'demo-jupyter-token-7f3a9c2e1b' },
      { name: 'DATA_URL', value: 'DefaultEndpointsProtocol=https;AccountName=stlab;AccountKey=ZGVtb2RlbW9kZW1vZGVtb2RlbW9kZW1vZGVtbw==;EndpointSuffix=core.windows.net' },
      { name: 'NOTEBOOK_DIR', value: '/work' },
    ];
    props.containers[0].properties.securityContext = { privileged: true, capabilities: { add: ['SYS_ADMIN'] } };
  }

  // Container Apps: ca-orders-api internal ingress, a system identity, an env var from a Key Vault secret.
  {
    const { row, props } = byName('ca-orders-api');
    row.identity = { type: 'SystemAssigned', principalId: guidOf('ca-orders-api|p'), tenantId: DEMO_TENANT_ID };
    props.configuration.ingress = { external: false, targetPort: 8080, transport: 'Auto', allowInsecure: false, ipSecurityRestrictions: [] };
    props.configuration.secrets = [{ name: 'orders-db', keyVaultUrl: 'https://kv-contoso-prod.vault.azure.net/secrets/orders-db', identity: 'system' }];
    props.template.containers[0].env = [{ name: 'ORDERS_DB_CONNECTION', secretRef: 'orders-db' }, { name: 'ASPNETCORE_ENVIRONMENT', value: 'Production' }];
  }
  // ca-storefront: external ingress open to all, plain HTTP allowed, a pull with a password secret and an API key in plain text.
  {
    const { props } = byName('ca-storefront');
    props.configuration.ingress = { external: true, targetPort: 80, transport: 'Auto', allowInsecure: true, ipSecurityRestrictions: [] };
    props.configuration.registries = [{ server: loginServerOf('prod'), username: 'sp-storefront-pull', passwordSecretRef: 'registry-password', identity: '' }];
    props.configuration.secrets = [{ name: 'registry-password' }];
    props.template.containers[0].env = [{ name: 'PAYMENT_API_KEY', value: 'demo-payment-api-key-4e8d1f0a' }];
  }
  // ca-payments-api: external ingress restricted to the front door's addresses, HTTPS only.
  {
    const { props } = byName('ca-payments-api');
    props.configuration.ingress = {
      external: true, targetPort: 8443, transport: 'Auto', allowInsecure: false,
      ipSecurityRestrictions: [{ name: 'front-door', action: 'Allow', ipAddressRange: '147.243.0.0/16', description: 'Azure Front Door backend' }],
    };
  }
  // Jobs: caj-ci-runner has a system identity and a secret reference; caj-data-sync pulls shadowbuilds with its
  // admin password and carries a token in plain text.
  {
    const { row, props } = byName('caj-ci-runner');
    row.identity = { type: 'SystemAssigned', principalId: guidOf('caj-ci-runner|p'), tenantId: DEMO_TENANT_ID };
    props.configuration.secrets = [{ name: 'gh-runner-token', keyVaultUrl: 'https://kv-contoso-shared.vault.azure.net/secrets/gh-runner-token', identity: 'system' }];
    props.template.containers[0].env = [{ name: 'RUNNER_TOKEN', secretRef: 'gh-runner-token' }];
  }
  {
    const { props } = byName('caj-data-sync');
    props.configuration.registries = [
      { server: loginServerOf('shadow'), username: REGISTRIES.shadow.name, passwordSecretRef: 'shadow-admin-password', identity: '' },
      { server: loginServerOf('dev'), username: '', passwordSecretRef: '', identity: 'system' },
    ];
    props.configuration.secrets = [{ name: 'shadow-admin-password' }];
    props.template.containers[0].env = [{ name: 'SCRAPER_GITHUB_TOKEN', value: 'ghp_demoDemoDemoDemoDemoDemoDemoDemo0000' }];
  }

  // App Service: func-invoice-processor pulls with the registry password (acrUseManagedIdentityCreds false), has
  // no identity and accepts plain HTTP; app-contoso-portal pulls with its identity and sends its logs (diagnostic
  // setting in demoEstate).
  {
    const { row, props } = byName('func-invoice-processor');
    row.identity = null;
    props.httpsOnly = false;
    props.siteConfig.acrUseManagedIdentityCreds = false;
  }

  // Container Apps environments (Resource Graph `microsoft.app/managedenvironments`): prod internal in a subnet,
  // logs to Log Analytics; shared logs to Log Analytics; dev sends its logs nowhere.
  const environment = (sub: string, rg: string, name: string, o: { internal: boolean; subnet?: string; logs: string | null }): JsonObject =>
    argRow({
      tenantId: DEMO_TENANT_ID, subscriptionId: sub, resourceGroup: rg, name, location: 'westeurope', tags: {}, armType: 'Microsoft.App/managedEnvironments',
      properties: {
        provisioningState: 'Succeeded',
        vnetConfiguration: o.subnet ? { internal: o.internal, infrastructureSubnetId: o.subnet } : null,
        appLogsConfiguration: o.logs ? { destination: o.logs, logAnalyticsConfiguration: { customerId: DEMO_WORKSPACES.platform.customerId } } : { destination: null },
        zoneRedundant: false,
      },
    });
  rows.push(
    environment(S.prod, 'rg-orders', 'cae-contoso-prod', { internal: true, subnet: `${armId(S.prod, 'rg-network', 'Microsoft.Network/virtualNetworks', 'vnet-contoso-prod')}/subnets/snet-cae`, logs: 'log-analytics' }),
    environment(S.shared, 'rg-ci', 'cae-contoso-shared', { internal: false, logs: 'log-analytics' }),
    environment(S.prod, 'rg-storefront', 'cae-contoso-prod', { internal: false, logs: 'log-analytics' }),
    environment(S.dev, 'rg-preview', 'cae-contoso-dev', { internal: false, logs: null }),
    environment(S.dev, 'rg-data', 'cae-contoso-dev', { internal: false, logs: null }),
  );
}
/* eslint-enable @typescript-eslint/no-explicit-any */

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
  who: { changedBy: string; changedByType: 'User' | 'AppId' | 'Application'; clientType: string },
  changes: Record<string, { previousValue: string; newValue: string }>,
  /** `Create`: the registry's creation record (no `changes`, `changesCount` 0, no previous snapshot: "Get resource changes"). */
  changeType: 'Update' | 'Create' = 'Update',
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
      changeType,
      changeAttributes: {
        ...(changeType === 'Update' ? { previousResourceSnapshotId: snap('prev', ts.getTime() - 3_600_000 * 26) } : {}),
        newResourceSnapshotId: changeId,
        correlationId: guidOf(`${seed}|corr`),
        changedByType: who.changedByType,
        changesCount: changeType === 'Update' ? Object.keys(changes).length : 0,
        clientType: who.clientType,
        changedBy: who.changedBy,
        operation: 'microsoft.containerregistry/registries/write',
        timestamp: ts.toISOString(),
      },
      ...(changeType === 'Update'
        ? {
            changes: Object.fromEntries(
              Object.entries(changes).map(([path, c]) => [path, { newValue: c.newValue, previousValue: c.previousValue, changeCategory: 'User', propertyChangeType: 'Update', isTruncated: false }]),
            ) as JsonObject,
          }
        : {}),
    },
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Who can push, and who did push (issue 13): role assignments and definitions (ARG authorizationresources)
// ---------------------------------------------------------------------------------------------

/** The access story's principals (object ids: role assignment rows carry no names). */
const ACCESS = {
  releasePipeline: guidOf('contoso|sp|release-pipeline'),
  platformAdmins: guidOf('contoso|group|platform-admins'),
  edgeTeam: guidOf('contoso|group|edge-team'),
  qaTesters: guidOf('contoso|group|qa-testers'),
  jdoe: guidOf('contoso|user|j.doe'),
  alice: guidOf('contoso|user|alice'),
  auditors: guidOf('contoso|group|auditors'),
} as const;

/** AUDITOR_REGISTRY_WRITERS for the demo: the release pipeline and the platform admins group. */
export const DEMO_REGISTRY_WRITERS = [ACCESS.releasePipeline, ACCESS.platformAdmins];
/** AUDITOR_APPROVED_PUSHERS for the demo: the release pipeline and the dev pipeline (as the logs name them). */
export const DEMO_APPROVED_PUSHERS = [ACCESS.releasePipeline, PRINCIPALS.devPipeline];

/** The management groups above every demo subscription (resourcecontainers `managementGroupAncestorsChain`, nearest first). */
const MANAGEMENT_GROUPS = [{ name: 'contoso-platform', displayName: 'Contoso platform' }, { name: DEMO_TENANT_ID, displayName: 'Tenant Root Group' }];

/** Built-in roles the demo assigns (GUIDs and permissions: Microsoft's built-in roles reference, Containers / Privileged / General). */
const BUILT_IN_ROLES: Record<string, { guid: string; permissions: JsonObject }> = {
  Owner: { guid: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', permissions: { actions: ['*'], notActions: [], dataActions: [], notDataActions: [] } },
  Contributor: {
    guid: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    permissions: { actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action'], dataActions: [], notDataActions: [] },
  },
  Reader: { guid: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', permissions: { actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] } },
  AcrPull: { guid: '7f951dda-4ed3-4680-a7ca-43fe172d538d', permissions: { actions: ['Microsoft.ContainerRegistry/registries/pull/read'], notActions: [], dataActions: [], notDataActions: [] } },
  AcrPush: { guid: '8311e382-0749-4cb8-b61a-304f252e45ec', permissions: { actions: ['Microsoft.ContainerRegistry/registries/pull/read', 'Microsoft.ContainerRegistry/registries/push/write'], notActions: [], dataActions: [], notDataActions: [] } },
  'Container Registry Repository Writer': {
    guid: '2a1e307c-b015-4ebd-883e-5b7698a07328',
    permissions: { actions: [], notActions: [], dataActions: ['Microsoft.ContainerRegistry/registries/repositories/metadata/read', 'Microsoft.ContainerRegistry/registries/repositories/content/read', 'Microsoft.ContainerRegistry/registries/repositories/metadata/write', 'Microsoft.ContainerRegistry/registries/repositories/content/write'], notDataActions: [] },
  },
  'Container Registry Configuration Reader and Data Access Configuration Reader': {
    guid: '69b07be0-09bf-439a-b9a6-e73de851bd59',
    permissions: { actions: ['Microsoft.ContainerRegistry/registries/read', 'Microsoft.ContainerRegistry/registries/listCredentials/action', 'Microsoft.ContainerRegistry/registries/tokens/read', 'Microsoft.ContainerRegistry/registries/scopeMaps/read'], notActions: [], dataActions: [], notDataActions: [] },
  },
};
/** A custom role of contoso-dev: import images into a registry (what data scientists were given for shadowbuilds). */
const ML_IMPORTER = { guid: guidOf('contoso|role|ml-image-importer'), name: 'Contoso ML Image Importer', permissions: { actions: ['Microsoft.ContainerRegistry/registries/read', 'Microsoft.ContainerRegistry/registries/importImage/action'], notActions: [], dataActions: [], notDataActions: [] } };

const ARG_EMPTY = { kind: '', location: '', managedBy: '', sku: null, plan: null, tags: null, identity: null, zones: null, extendedLocation: null };

/**
 * A role definition row as Resource Graph serves it: Microsoft.Authorization 2022-04-01 RoleDefinition properties
 * (roleName, type, description, assignableScopes, permissions). Built-in roles are served per subscription, with the
 * subscription-scoped id a role assignment names them by (ASSUMED from Microsoft's Resource Graph samples, which join
 * assignments to definitions on that id).
 */
function roleDefinitionRow(subscriptionId: string, guid: string, roleName: string, type: 'BuiltInRole' | 'CustomRole', permissions: JsonObject, now: Date): JsonObject {
  return {
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`, name: guid, type: 'microsoft.authorization/roledefinitions',
    tenantId: DEMO_TENANT_ID, resourceGroup: '', subscriptionId, ...ARG_EMPTY,
    properties: {
      roleName, type, description: type === 'CustomRole' ? 'Import images into the ML registries' : roleName,
      assignableScopes: [type === 'CustomRole' ? `/subscriptions/${subscriptionId}` : '/'], permissions: [permissions],
      createdOn: daysAgo(now, 700), updatedOn: daysAgo(now, 90), createdBy: null, updatedBy: null,
    },
  };
}

/** A role assignment row (Microsoft.Authorization 2022-04-01 RoleAssignment properties, as examples/RoleAssignments_Get.json shows them). */
function roleAssignmentRow(scope: string, roleGuid: string, principalId: string, principalType: 'User' | 'Group' | 'ServicePrincipal', seed: string, now: Date): JsonObject {
  const name = guidOf(`assignment|${seed}`);
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? '';
  const rg = /\/resourceGroups\/([^/]+)/i.exec(scope)?.[1] ?? '';
  return {
    id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, name, type: 'microsoft.authorization/roleassignments',
    tenantId: DEMO_TENANT_ID, resourceGroup: rg.toLowerCase(), subscriptionId: sub, ...ARG_EMPTY,
    properties: {
      roleDefinitionId: `${sub ? `/subscriptions/${sub}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId, principalType, scope, condition: null, conditionVersion: null, description: '',
      createdOn: daysAgo(now, 200), updatedOn: daysAgo(now, 200), createdBy: ACCESS.platformAdmins, updatedBy: ACCESS.platformAdmins,
      delegatedManagedIdentityResourceId: null,
    },
  };
}

/**
 * Who can change what (registry.push-access-restricted, with DEMO_REGISTRY_WRITERS): the platform admins own the
 * `contoso-platform` management group (approved); contosoprod's release pipeline has AcrPush (approved) and a legacy CI
 * identity still holds AcrPush, which an ABAC-mode registry does not honour; the edge team writes to contosoedge;
 * j.doe is Contributor on contosoplatform's resource group; the dev pipeline pushes to contosodev; QA testers can list
 * contosoqa's admin passwords, but its admin user is off; a data scientist imports into shadowbuilds with a custom role.
 */
function authorizationRows(now: Date): JsonObject[] {
  const S = DEMO_SUBSCRIPTIONS;
  const rgOf = (k: RegistryKey) => `/subscriptions/${REGISTRIES[k].subscriptionId}/resourceGroups/${REGISTRIES[k].resourceGroup}`;
  const definitions = Object.values(S).flatMap((sub) => Object.entries(BUILT_IN_ROLES).map(([name, r]) => roleDefinitionRow(sub, r.guid, name, 'BuiltInRole', r.permissions, now)));
  const role = (name: keyof typeof BUILT_IN_ROLES) => BUILT_IN_ROLES[name]!.guid;
  return [
    ...definitions,
    roleDefinitionRow(S.dev, ML_IMPORTER.guid, ML_IMPORTER.name, 'CustomRole', ML_IMPORTER.permissions, now),
    roleAssignmentRow('/providers/Microsoft.Management/managementGroups/contoso-platform', role('Owner'), ACCESS.platformAdmins, 'Group', 'mg-owner', now),
    roleAssignmentRow(`/subscriptions/${S.shared}`, role('Reader'), ACCESS.auditors, 'Group', 'shared-reader', now),
    roleAssignmentRow(registryIdOf('prod'), role('AcrPush'), ACCESS.releasePipeline, 'ServicePrincipal', 'prod-release', now),
    roleAssignmentRow(registryIdOf('prod'), role('AcrPush'), PRINCIPALS.ciManagedIdentity, 'ServicePrincipal', 'prod-legacy-ci', now),
    roleAssignmentRow(registryIdOf('prod'), role('AcrPull'), PRINCIPALS.ordersManagedIdentity, 'ServicePrincipal', 'prod-orders-pull', now),
    roleAssignmentRow(registryIdOf('edge'), role('Container Registry Repository Writer'), ACCESS.edgeTeam, 'Group', 'edge-writer', now),
    roleAssignmentRow(rgOf('platform'), role('Contributor'), ACCESS.jdoe, 'User', 'platform-jdoe', now),
    roleAssignmentRow(registryIdOf('platform'), role('AcrPush'), ACCESS.releasePipeline, 'ServicePrincipal', 'platform-release', now),
    roleAssignmentRow(registryIdOf('dev'), role('AcrPush'), PRINCIPALS.devPipeline, 'ServicePrincipal', 'dev-pipeline', now),
    roleAssignmentRow(registryIdOf('qa'), role('Container Registry Configuration Reader and Data Access Configuration Reader'), ACCESS.qaTesters, 'Group', 'qa-config-reader', now),
    roleAssignmentRow(rgOf('shadow'), ML_IMPORTER.guid, ACCESS.alice, 'User', 'shadow-importer', now),
  ];
}

/**
 * Pushes of contosoprod images (ContainerRegistryRepositoryEvents in the platform workspace, where contosoprod sends
 * allLogs): the release pipeline pushed team/api 1.8.0; alice pushed team/payments 5.2.0 from her laptop.
 */
function withAccessPushes(now: Date, built: Built, logs: EstateDocument['logs']): EstateDocument['logs'] {
  const prod = built.content[loginServerOf('prod')]!.repositories;
  const row = (repository: string, digest: string, identity: string, ip: string, seed: string) => {
    const m = prod[repository]!.manifests.find((x) => x.digest === digest)!;
    return repositoryEventRow({
      time: m.lastUpdateTime, tenantId: WORKSPACES.platform.customerId, registryId: registryIdOf('prod'), loginServer: loginServerOf('prod'), operation: 'Push',
      repository, tag: m.tags[0]!, digest, mediaType: m.mediaType, size: 1500, identity, callerIpAddress: ip, userAgent: DOCKER_UA, location: REGISTRIES.prod.location, seed,
    });
  };
  const ws = logs[WORKSPACES.platform.customerId]!;
  return {
    ...logs,
    [WORKSPACES.platform.customerId]: {
      ...ws,
      ContainerRegistryRepositoryEvents: [
        ...(ws.ContainerRegistryRepositoryEvents ?? []),
        row('team/api', built.images.multiArch.digest, ACCESS.releasePipeline, CI_IP, 'push|prod-api'),
        row('team/payments', built.vulnerable.payments, PRINCIPALS.alice, LAPTOP_IP, 'push|prod-payments'),
      ],
    },
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
/** A token or cache rule of a registry: its ARM id, lower-case (shared/rules/subjects.ts registryChildSubject). */
const child = (k: RegistryKey, kind: 'tokens' | 'cacheRules', name: string): ExpectedSubject => ({ resourceId: R(k), subject: `${R(k)}/${kind}/${name}`.toLowerCase() });
/** A repository of a registry: `<loginServer>/<repository>` (shared/rules/subjects.ts repositorySubject). */
const repoOf = (k: RegistryKey, repository: string): ExpectedSubject => ({ resourceId: R(k), subject: `${loginServerOf(k)}/${repository}` });
const imgs = (...digests: string[]): ExpectedSubject[] => digests.map(imageSubjectOf);
const subs = (...keys: Array<keyof typeof DEMO_SUBSCRIPTIONS>): ExpectedSubject[] =>
  keys.map((k) => ({ resourceId: `/subscriptions/${DEMO_SUBSCRIPTIONS[k]}`, subject: `/subscriptions/${DEMO_SUBSCRIPTIONS[k]}` }));
/** Workload containers running an image of the given registries (by login server). */
const inRegistries = (...keys: RegistryKey[]) => (i: DemoWorkloadImage) => keys.some((k) => i.image.startsWith(`${loginServerOf(k)}/`));
const runsPayments = (i: DemoWorkloadImage) => i.image.startsWith(`${loginServerOf('prod')}/team/payments:`);
/** Workload-level subjects (the issue 14 rules: the subject is the workload's id), by workload name. */
const wl = (...names: string[]): ExpectedSubject[] => {
  const rows = buildWorkloads(FIXED.digests.devApiBeta).rows;
  return names.map((n) => {
    const id = rows.find((r) => r.name === n)!.id as string;
    return { resourceId: id, subject: id };
  });
};
const isLatest = (i: DemoWorkloadImage) => /:latest$/.test(i.image);

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
  // Registry hardening (issue 13). SKUs: prod, platform, edge Premium; dev, archive Standard; qa, shadow Basic.
  'registry.arm-audience-tokens-disabled': { fail: regs('platform', 'dev', 'qa', 'archive', 'shadow'), pass: regs('prod', 'edge') },
  'registry.abac-permissions-enabled': { fail: regs('platform', 'dev', 'qa', 'archive', 'edge', 'shadow'), pass: regs('prod') },
  'registry.public-network-disabled': { fail: regs('platform', 'dev', 'qa', 'archive', 'shadow'), pass: regs('prod', 'edge') },
  'registry.private-link-used': { fail: regs('platform', 'dev', 'qa', 'archive', 'shadow'), pass: regs('prod', 'edge') },
  'registry.private-endpoints-trusted': { fail: regs('edge'), pass: regs('prod'), notApplicable: regs('platform', 'dev', 'qa', 'archive', 'shadow') },
  'registry.exports-disabled': { fail: regs('platform', 'edge'), pass: regs('prod'), notApplicable: regs('dev', 'qa', 'archive', 'shadow') },
  'registry.quarantine-enabled': { fail: regs('platform', 'edge'), pass: regs('prod'), notApplicable: regs('dev', 'qa', 'archive', 'shadow') },
  'registry.retention-enabled': { fail: regs('platform', 'edge'), pass: regs('prod'), notApplicable: regs('dev', 'qa', 'archive', 'shadow') },
  'registry.cmk-encrypted': { fail: regs('platform', 'edge'), pass: regs('prod'), notApplicable: regs('dev', 'qa', 'archive', 'shadow') },
  'registry.dedicated-data-endpoints': { fail: regs('platform', 'edge'), pass: regs('prod'), notApplicable: regs('dev', 'qa', 'archive', 'shadow') },
  'registry.audit-logs-enabled': { fail: regs('qa', 'archive', 'shadow'), pass: regs('prod', 'platform', 'dev', 'edge') },
  // Registry children (issue 13, demoRegistryChildren): one subject per token and cache rule. Soft delete is on for
  // contosodev; contosoprod has the retention policy and contosoplatform a replica in East US, where ACR does not support it.
  'registry.scoped-tokens-disabled': {
    fail: [child('platform', 'tokens', 'partner-pull'), child('platform', 'tokens', 'ci-push'), child('dev', 'tokens', 'legacy-deployer')],
    pass: [child('prod', 'tokens', 'ci-readonly-2023')],
  },
  'registry.token-passwords-expire': {
    fail: [child('platform', 'tokens', 'partner-pull'), child('dev', 'tokens', 'legacy-deployer')],
    pass: [child('platform', 'tokens', 'ci-push')],
    notApplicable: [child('prod', 'tokens', 'ci-readonly-2023')],
  },
  'registry.cache-rules-approved': { fail: [child('platform', 'cacheRules', 'dockerhub-ubuntu')], pass: [child('prod', 'cacheRules', 'mcr-azurelinux')] },
  'registry.soft-delete-enabled': { fail: regs('qa', 'archive', 'edge', 'shadow'), pass: regs('dev'), notApplicable: regs('prod', 'platform') },
  // Admin disabled passes (the account cannot be used); shadowbuilds has admin enabled but its logs
  // go nowhere -> cannot be decided (not applicable, inconclusive).
  'registry.admin-user-unused': { fail: regs('platform'), pass: regs('dev', 'prod', 'qa', 'archive', 'edge'), notApplicable: regs('shadow') },
  // Who can push (issue 13), with DEMO_REGISTRY_WRITERS: j.doe (Contributor on rg-acr-platform), the edge team (Repository
  // Writer), the dev pipeline (AcrPush), alice (a custom import role on rg-ml-sandbox) are not approved. contosoprod's legacy
  // AcrPush is not honoured (ABAC mode); contosoqa's testers can list admin passwords, but its admin user is off.
  'registry.push-access-restricted': { fail: regs('platform', 'edge', 'dev', 'shadow'), pass: regs('prod', 'qa', 'archive') },
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
  // Supply chain (issue 15), with DEMO_SIGNATURE_REQUIRED and DEMO_APPROVED_SIGNERS: contosoprod team/api 1.8.0 is
  // signed by the approved signer (and has an SBOM), 1.7.2 by an unknown signer, 1.7.1 and 1.5.0 not at all.
  'registry.content-trust-migrated': { fail: regs('platform'), pass: regs('prod', 'dev', 'qa', 'archive', 'edge', 'shadow') },
  'image.signed': {
    fail: imgs(FIXED.digests.unsigned, FIXED.digests.stale[0]!, FIXED.digests.devApiBeta),
    pass: imgs(FIXED.images.multiArch.digest, FIXED.digests.unknownSigner),
    // Untagged; a repository where signatures are not required.
    notApplicable: imgs(FIXED.digests.untaggedOld[0]!, FIXED.digests.fresh[1]!),
  },
  // Strict profile: 1.8.0 carries an SPDX SBOM; 1.7.2 is signed but has no attestation.
  'image.attested': {
    fail: imgs(FIXED.digests.unknownSigner, FIXED.digests.unsigned),
    pass: imgs(FIXED.images.multiArch.digest),
    notApplicable: imgs(FIXED.digests.untaggedOld[0]!, FIXED.digests.fresh[1]!),
  },
  'image.signed-by-approved-signer': {
    fail: imgs(FIXED.digests.unknownSigner, FIXED.digests.unsigned),
    pass: imgs(FIXED.images.multiArch.digest),
    notApplicable: imgs(FIXED.digests.untaggedOld[0]!, FIXED.digests.fresh[1]!),
  },
  // Who did push (issue 13), with DEMO_APPROVED_PUSHERS, from ContainerRegistryRepositoryEvents: contosoplatform's admin
  // account pushed platform/base 3.0.20, alice pushed team/payments 5.2.0; the release pipeline pushed team/api 1.8.0 and
  // the dev pipeline contosodev's team/web RC. Images without a push in the 30-day window are undecided.
  'image.pushed-by-approved-identity': {
    fail: imgs(FIXED.images.labeled.digest, FIXED.vulnerable.payments),
    pass: imgs(FIXED.images.multiArch.digest, FIXED.images.unlabeled.digest),
    notApplicable: imgs(FIXED.digests.stale[0]!, FIXED.digests.fresh[1]!),
  },
  // Release tags (AUDITOR_LOCKED_TAG_PATTERNS, default semantic versions): contosoprod team/api 1.8.0 is locked, team/web 2.1.0
  // and team/worker 3.4.1 are writable; 1.9.0-beta.1 is not a release tag; an untagged manifest has none.
  'image.release-tags-locked': {
    fail: imgs(FIXED.digests.fresh[1]!, FIXED.digests.fresh[2]!),
    pass: imgs(FIXED.images.multiArch.digest),
    notApplicable: imgs(FIXED.digests.devApiBeta, FIXED.digests.untaggedOld[0]!),
  },
  // Untagged manifests older than 30 days, one subject per repository: contosoplatform platform/base, contosodev
  // sandbox/experiments and contosoarchive legacy/billing hold some; contosoprod team/api and team/web too, but its retention
  // policy (30 days) purges them; the other repositories hold none (contosoedge has no repository, so no subject).
  'registry.untagged-manifests-pruned': {
    fail: [repoOf('platform', 'platform/base'), repoOf('dev', 'sandbox/experiments'), repoOf('archive', 'legacy/billing')],
    pass: [repoOf('prod', 'team/api'), repoOf('prod', 'team/worker'), repoOf('platform', 'tools/ci-runner'), repoOf('dev', 'team/api'), repoOf('qa', 'team/web'), repoOf('archive', 'legacy/reporting'), repoOf('shadow', 'ml/trainer')],
  },
  // Running images where signatures are required (team/api): ca-orders-api runs 1.8.0, signed by the approved signer;
  // ca-feature-preview runs contosodev team/api 1.9.0-beta.1 by digest, unsigned. ca-api-canary's tag no longer exists
  // (inconclusive); other repositories do not require signatures.
  'workload.image-signed': {
    fail: workloadSubjectsOf(['fresh'], (i) => inRegistries('dev')(i) && i.image.includes('/team/api@')),
    pass: workloadSubjectsOf(['fresh'], (i) => i.image === `${loginServerOf('prod')}/team/api:1.8.0`),
    notApplicable: [...workloadSubjectsOf(['tag-not-found', 'approved-not-in-estate']), ...workloadSubjectsOf(['fresh'], runsPayments)],
  },
  'workload.image-fresh': {
    fail: workloadSubjectsOf(['stale', 'tag-not-found']),
    // shadowbuilds is in the estate, so its image resolves (and is fresh): unapproved is another rule's business.
    pass: workloadSubjectsOf(['fresh', 'unapproved-registry']),
    notApplicable: workloadSubjectsOf(['approved-not-in-estate', 'docker-hub-implicit', 'invalid-reference']),
  },
  // Defender for Containers (issue 12): plan off in contoso-dev; contosoedge's firewall blocks the scanner;
  // team/payments:5.2.0 has a critical CVE with a fix past its grace period. Images Defender does not
  // assess (plan off, new push, outside the rescan window) are inconclusive, never a pass.
  'subscription.defender-containers-enabled': { fail: subs('dev'), pass: subs('prod', 'shared') },
  'registry.vulnerability-scanning-effective': { fail: regs('edge', 'dev', 'qa', 'shadow'), pass: regs('prod', 'platform', 'archive') },
  'image.vulnerabilities-resolved': {
    fail: imgs(FIXED.vulnerable.payments),
    // A medium only, a critical without a fix, nothing listed (pushed 9 days ago).
    pass: imgs(FIXED.vulnerable.webMediumOnly, FIXED.vulnerable.ciRunnerUnfixed, FIXED.digests.fresh[2]!),
    // Plan off (with a stale critical row), pushed minutes ago, pushed over 90 days ago with nothing listed, untagged.
    notApplicable: imgs(FIXED.digests.devApiBeta, FIXED.images.labeled.digest, FIXED.digests.stale[0]!, FIXED.digests.untaggedOld[0]!),
  },
  'workload.image-vulnerabilities-resolved': {
    fail: workloadSubjectsOf(['fresh'], runsPayments),
    pass: workloadSubjectsOf(['fresh'], (i) => inRegistries('prod', 'platform')(i) && !runsPayments(i)),
    notApplicable: [
      // contosodev and shadowbuilds are in contoso-dev (plan off); invoice-func 1.0.3 is outside the rescan window.
      ...workloadSubjectsOf(['fresh', 'stale', 'unapproved-registry'], inRegistries('dev', 'shadow')),
      ...workloadSubjectsOf(['stale'], inRegistries('prod')),
      ...workloadSubjectsOf(['approved-not-in-estate', 'docker-hub-implicit', 'invalid-reference', 'tag-not-found']),
    ],
  },
  'workload.image-from-approved-registry': {
    fail: workloadSubjectsOf(['unapproved-registry', 'docker-hub-implicit', 'invalid-reference']),
    pass: workloadSubjectsOf(['fresh', 'stale', 'approved-not-in-estate', 'tag-not-found']),
  },
  // Workload hardening (issue 14), set up by tuneWorkloadSettings: aci-dev-sandbox, ca-storefront, caj-data-sync
  // and func-invoice-processor are the bad examples; aci-nightly-report, ca-orders-api, caj-ci-runner and
  // app-contoso-portal the good ones. Not applicable where the kind has no such setting.
  'workload.registry-pull-managed-identity': {
    // contosodev's and shadowbuilds' admin accounts (user name = registry name) are named in the evidence.
    fail: wl('aci-dev-sandbox', 'ca-storefront', 'caj-data-sync', 'func-invoice-processor'),
    pass: wl('aci-nightly-report', 'ca-orders-api', 'caj-ci-runner', 'app-contoso-portal'),
    notApplicable: wl('app-contoso-marketing'),
  },
  'workload.no-plaintext-secrets': {
    fail: wl('aci-dev-sandbox', 'ca-storefront', 'caj-data-sync'),
    pass: wl('aci-nightly-report', 'ca-orders-api', 'caj-ci-runner'),
    // App Service app settings need config/list (not Reader).
    notApplicable: wl('app-contoso-portal', 'func-invoice-processor'),
  },
  'workload.not-privileged': { fail: wl('aci-dev-sandbox'), pass: wl('aci-nightly-report', 'aci-registry-cleanup'), notApplicable: wl('ca-orders-api', 'caj-ci-runner', 'app-contoso-portal') },
  'workload.network-isolated': {
    fail: wl('aci-dev-sandbox', 'ca-storefront'),
    pass: wl('aci-nightly-report', 'ca-orders-api', 'ca-payments-api'),
    notApplicable: wl('caj-ci-runner', 'app-contoso-portal'),
  },
  'workload.https-only': {
    fail: wl('ca-storefront', 'func-invoice-processor'),
    pass: wl('ca-orders-api', 'ca-payments-api', 'app-contoso-portal'),
    notApplicable: wl('aci-nightly-report', 'caj-ci-runner'),
  },
  'workload.logs-collected': {
    fail: wl('aci-dev-sandbox', 'ca-feature-preview', 'caj-data-sync', 'func-invoice-processor'),
    pass: wl('aci-nightly-report', 'ca-orders-api', 'caj-ci-runner', 'app-contoso-portal'),
  },
  'workload.image-pinned': {
    fail: workloadSubjectsOf(['unapproved-registry'], isLatest),
    pass: workloadSubjectsOf(['fresh', 'stale', 'tag-not-found', 'approved-not-in-estate', 'docker-hub-implicit'], (i) => !isLatest(i)),
    notApplicable: workloadSubjectsOf(['invalid-reference']),
  },
  'workload.managed-identity': {
    fail: wl('aci-dev-sandbox', 'ca-storefront', 'caj-data-sync', 'func-invoice-processor'),
    pass: wl('aci-nightly-report', 'ca-orders-api', 'caj-ci-runner', 'app-contoso-portal'),
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

/**
 * Registry child resources of the demo (issue 13), by registry ARM id, as ARM lists them (docs/estate.md
 * `registryChildren`): contosoplatform has two enabled tokens (one password that never expires, one within 90
 * days), a Docker Hub cache rule and a replica in East US; contosodev an enabled token whose only password expired;
 * contosoprod a disabled token and a cache rule of mcr.microsoft.com.
 */
export type RegistryChildrenDocument = { tokens?: JsonObject[]; cacheRules?: JsonObject[]; replications?: JsonObject[] };
export type DemoEstateDocument = EstateDocument & { registryChildren?: Record<string, RegistryChildrenDocument> };

function demoRegistryChildren(now: Date): Record<string, RegistryChildrenDocument> {
  const scopeMapId = (k: RegistryKey, name: string) => `${R(k)}/scopeMaps/${name}`;
  const token = (k: RegistryKey, name: string, status: 'enabled' | 'disabled', scopeMap: string, createdDays: number, passwords: Array<{ name: string; createdDays: number; validDays?: number }>): JsonObject => ({
    name,
    properties: {
      creationDate: daysAgo(now, createdDays),
      scopeMapId: scopeMapId(k, scopeMap),
      provisioningState: 'Succeeded',
      status,
      credentials: {
        passwords: passwords.map((p) => ({
          name: p.name,
          creationTime: daysAgo(now, p.createdDays),
          ...(p.validDays !== undefined ? { expiry: daysAgo(now, p.createdDays - p.validDays) } : {}),
        })),
      },
    },
  });
  const cacheRule = (name: string, sourceRepository: string, targetRepository: string, createdDays: number, credentialSet?: string): JsonObject => ({
    name,
    properties: {
      sourceRepository,
      targetRepository,
      ...(credentialSet ? { credentialSetResourceId: `${R('platform')}/credentialSets/${credentialSet}` } : {}),
      creationDate: daysAgo(now, createdDays),
      provisioningState: 'Succeeded',
    },
  });
  const replication = (location: string): JsonObject => ({
    name: location,
    location,
    properties: { provisioningState: 'Succeeded', status: { displayStatus: 'Ready' }, regionEndpointEnabled: true, zoneRedundancy: 'Disabled' },
  });
  return {
    [R('prod')]: {
      tokens: [token('prod', 'ci-readonly-2023', 'disabled', '_repositories_pull', 800, [{ name: 'password1', createdDays: 800, validDays: 365 }])],
      cacheRules: [cacheRule('mcr-azurelinux', 'mcr.microsoft.com/azurelinux/base/core', 'base/azurelinux-core', 300)],
    },
    [R('platform')]: {
      tokens: [
        token('platform', 'partner-pull', 'enabled', 'partner-readonly', 200, [{ name: 'password1', createdDays: 200 }]),
        token('platform', 'ci-push', 'enabled', 'ci-push', 20, [{ name: 'password1', createdDays: 20, validDays: 90 }]),
      ],
      cacheRules: [cacheRule('dockerhub-ubuntu', 'docker.io/library/ubuntu', 'mirror/ubuntu', 45, 'dockerhub-creds')],
      replications: [replication('westeurope'), replication('eastus')],
    },
    [R('dev')]: {
      tokens: [token('dev', 'legacy-deployer', 'enabled', '_repositories_push', 120, [{ name: 'password1', createdDays: 120, validDays: 90 }])],
    },
  };
}

export function demoEstate(now: Date): DemoEstateDocument {
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
      // Registry hardening (issue 13): every setting of the strict profile on.
      armAudienceTokens: 'disabled', exportsEnabled: false, quarantine: true, cmkKeyUri: 'https://kv-contoso-prod.vault.azure.net/keys/acr-cmk',
      dataEndpointEnabled: true, roleAssignmentMode: 'AbacRepositoryPermissions',
    }),
    reg('platform', {
      creationDate: daysAgo(now, 1034), adminUserEnabled: true, publicNetworkAccess: 'Enabled',
      networkRuleSet: { defaultAction: 'Deny', ipRules: ['20.61.113.0/24', '203.0.113.10'] }, tags: { env: 'shared', owner: 'platform-team' },
      // Still on Docker Content Trust, which ACR removes on 2028-03-31 (issue 15: registry.content-trust-migrated fails).
      contentTrust: true,
      // Exports switched off, but with public access on Azure does not apply it (registry.exports-disabled fails).
      exportsEnabled: false,
    }),
    reg('dev', { creationDate: daysAgo(now, 640), adminUserEnabled: true, anonymousPullEnabled: true, publicNetworkAccess: 'Enabled', tags: { env: 'dev', owner: 'dev-productivity' } }),
    reg('qa', { creationDate: daysAgo(now, 402), adminUserEnabled: false, publicNetworkAccess: 'Enabled', tags: { env: 'qa' } }),
    reg('archive', { creationDate: daysAgo(now, 1460), adminUserEnabled: false, publicNetworkAccess: 'Enabled', tags: { env: 'shared', lifecycle: 'archive' } }),
    reg('edge', {
      creationDate: daysAgo(now, 6), adminUserEnabled: false, publicNetworkAccess: 'Disabled', networkRuleSet: { defaultAction: 'Deny' },
      privateEndpoints: [
        { name: 'pe-contosoedge', subnetResourceGroup: 'rg-network-prod', vnet: 'vnet-edge' },
        // A connection requested from a subscription outside the estate, still pending (registry.private-endpoints-trusted fails).
        { name: 'pe-partner-sync', subnetResourceGroup: 'rg-partner', vnet: 'vnet-partner', subscriptionId: DEMO_FOREIGN_SUBSCRIPTION, status: 'Pending' },
      ],
      tags: { env: 'prod', owner: 'edge-team' }, armAudienceTokens: 'disabled',
      // Locked down without letting trusted Azure services through: Defender's scanner cannot reach it.
      networkRuleBypassOptions: 'None',
    }),
    // An older API shape without azureADAuthenticationAsArmPolicy (absent counts as enabled).
    reg('shadow', { creationDate: daysAgo(now, 210), adminUserEnabled: true, publicNetworkAccess: 'Enabled', tags: {}, armAudienceTokens: 'absent' }),
  ];
  // Soft delete (issue 13, a preview property): on for contosodev, 14 days (the builder writes it disabled).
  ((registries.find((r) => r.id === R('dev'))!.properties as JsonObject).policies as JsonObject).softDeletePolicy = { retentionDays: 14, lastUpdatedTime: daysAgo(now, 30), status: 'enabled' };

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
    // Issue 14 (workload.logs-collected): the portal's console and app logs go to the platform workspace.
    [armId(S.prod, 'rg-portal', 'Microsoft.Web/sites', 'app-contoso-portal')]: [
      diagnosticSetting(armId(S.prod, 'rg-portal', 'Microsoft.Web/sites', 'app-contoso-portal'), 'app-logs', { workspaceId: DEMO_WORKSPACES.platform.id }, [
        { category: 'AppServiceConsoleLogs', enabled: true },
        { category: 'AppServiceAppLogs', enabled: true },
      ]),
    ],
  };

  const workloads = buildWorkloads(built.digests.devApiBeta);

  // Defender for Containers (issue 12): the plan is off in contoso-dev, on with registry vulnerability
  // assessment elsewhere. Sub-assessments (one per CVE and digest) for a few images; the CVE ids are invented.
  const pricing = (sub: string, tier: 'Standard' | 'Free') =>
    containersPricingRow({ tenantId: t, subscriptionId: sub, tier, ...(tier === 'Standard' ? { enablementTime: daysAgo(now, 300), registryScanning: true } : {}) });
  const cve = (k: RegistryKey, repository: string, digest: string, v: { cve: string; severity: 'Low' | 'Medium' | 'High' | 'Critical'; packageName: string; version: string; fixedVersion?: string; publishedDays: number; cvss: number }) => {
    const m = built.content[loginServerOf(k)]!.repositories[repository]!.manifests.find((x) => x.digest === digest)!;
    return subAssessmentRow({
      tenantId: t, registryId: registryIdOf(k), subscriptionId: REGISTRIES[k].subscriptionId, resourceGroup: REGISTRIES[k].resourceGroup, loginServer: loginServerOf(k),
      repository, digest, tags: m.tags, pushedAt: m.lastUpdateTime, cve: v.cve, severity: v.severity, packageName: v.packageName, version: v.version,
      ...(v.fixedVersion ? { fixedVersion: v.fixedVersion } : {}), publishedDate: daysAgo(now, v.publishedDays), timeGenerated: daysAgo(now, 0.5), cvss: v.cvss,
    });
  };
  const V = built.vulnerable;
  const subAssessments = [
    // team/payments:5.2.0: a critical with a fix, published 40 days ago (past any grace), and a high still in its 30-day grace.
    cve('prod', 'team/payments', V.payments, { cve: 'CVE-2026-10001', severity: 'Critical', packageName: 'openssl', version: '3.0.15-1~deb12u1', fixedVersion: '3.0.18-1~deb12u2', publishedDays: 40, cvss: 9.8 }),
    cve('prod', 'team/payments', V.payments, { cve: 'CVE-2026-10002', severity: 'High', packageName: 'zlib1g', version: '1:1.2.13.dfsg-1', fixedVersion: '1:1.2.13.dfsg-1+deb12u1', publishedDays: 10, cvss: 7.5 }),
    // team/web:2.1.0: a medium only (below the default threshold): no finding.
    cve('prod', 'team/web', V.webMediumOnly, { cve: 'CVE-2026-10003', severity: 'Medium', packageName: 'libssl3', version: '3.0.15-1~deb12u1', fixedVersion: '3.0.17-1~deb12u3', publishedDays: 60, cvss: 5.9 }),
    // tools/ci-runner:4.12.0: a critical with no fix: no finding unless AUDITOR_VULN_INCLUDE_UNFIXED.
    cve('platform', 'tools/ci-runner', V.ciRunnerUnfixed, { cve: 'CVE-2026-10004', severity: 'Critical', packageName: 'libc6', version: '2.36-9+deb12u10', publishedDays: 90, cvss: 9.1 }),
    // contosodev's team/api beta: a row left from when the plan was on; the plan is off now, so inconclusive, not a finding.
    cve('dev', 'team/api', built.digests.devApiBeta, { cve: 'CVE-2026-10001', severity: 'Critical', packageName: 'openssl', version: '3.0.15-1~deb12u1', fixedVersion: '3.0.18-1~deb12u2', publishedDays: 40, cvss: 9.8 }),
  ];

  return {
    tenantId: t,
    subscriptions: [
      // The management groups above each subscription (issue 13: role assignments inherited from them).
      { subscriptionId: S.prod, displayName: 'contoso-prod', state: 'Enabled', properties: { managementGroupAncestorsChain: MANAGEMENT_GROUPS } },
      { subscriptionId: S.dev, displayName: 'contoso-dev', state: 'Enabled', properties: { managementGroupAncestorsChain: MANAGEMENT_GROUPS } },
      { subscriptionId: S.shared, displayName: 'contoso-shared-services', state: 'Enabled', properties: { managementGroupAncestorsChain: MANAGEMENT_GROUPS } },
    ],
    resources: [...registries, ...workspaces, ...workloads.rows],
    securityresources: [pricing(S.prod, 'Standard'), pricing(S.shared, 'Standard'), pricing(S.dev, 'Free'), ...subAssessments],
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
      // Who made contosodev non-compliant: anonymous pull switched on in the portal 5 days ago (registry.anonymous-pull-disabled evidence).
      changeRow(now, 'dev', 5.3, { changedBy: PRINCIPALS.alice, changedByType: 'User', clientType: 'Azure Portal' }, {
        'properties.anonymousPullEnabled': { previousValue: 'False', newValue: 'True' },
      }),
      // contosoedge was created 6 days ago by the infra pipeline and left so: its creation is the evidence of its failing settings.
      changeRow(now, 'edge', 6, { changedBy: guidOf('contoso|sp|infra-pipeline'), changedByType: 'Application', clientType: 'ARM Template' }, {}, 'Create'),
    ],
    authorizationresources: authorizationRows(now),
    diagnosticSettings,
    registryContent: built.content,
    registryChildren: demoRegistryChildren(now),
    logs: withAccessPushes(now, built, buildLogs(now, built.images)),
  };
}
