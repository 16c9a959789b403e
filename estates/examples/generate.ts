/**
 * Builds the example estate files next to this script, with absolute dates in 2026:
 *   npx tsx estates/examples/generate.ts
 * A test checks that the committed JSON equals what this script builds.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  containerAppRow,
  diagnosticSetting,
  guidOf,
  loginEventRow,
  registryRow,
  webSiteRow,
  workspaceId,
  workspaceRow,
  type EstateDocument,
} from '../build.js';
import { imageWithContent, plainManifest } from '../images.js';
import { syntheticEstate } from '../synthetic.js';

/** Fabrikam: one subscription, a private Premium registry and a forgotten Basic one with the admin user on. */
export function fabrikamEstate(): EstateDocument {
  const now = new Date('2026-02-02T08:00:00.000Z');
  const tenantId = guidOf('fabrikam|tenant');
  const sub = guidOf('fabrikam|subscription');
  const ws = { name: 'law-fabrikam', rg: 'rg-monitoring', customerId: guidOf('fabrikam|law') };
  const wsId = workspaceId(sub, ws.rg, ws.name);
  const main = registryRow({
    tenantId, subscriptionId: sub, resourceGroup: 'rg-acr', name: 'fabrikamacr', location: 'westeurope', sku: 'Premium',
    creationDate: '2024-05-14T10:12:44.000Z', policyTime: '2024-05-14T10:12:44.000Z', adminUserEnabled: false, publicNetworkAccess: 'Disabled',
    networkRuleSet: { defaultAction: 'Deny' }, privateEndpoints: [{ name: 'pe-fabrikamacr', subnetResourceGroup: 'rg-network', vnet: 'vnet-hub' }], tags: { env: 'prod' },
  });
  const legacy = registryRow({
    tenantId, subscriptionId: sub, resourceGroup: 'rg-legacy', name: 'fabrikamlegacy', location: 'westeurope', sku: 'Basic',
    creationDate: '2021-09-01T07:30:00.000Z', policyTime: '2021-09-01T07:30:00.000Z', adminUserEnabled: true, tags: {},
  });
  const labeled = imageWithContent(now, {
    seed: 'fabrikamacr/shop/api|2.4.0', tags: ['2.4.0'], ageDays: 5, sizeMb: 81,
    labels: {
      'org.opencontainers.image.source': 'https://github.com/fabrikam/shop',
      'org.opencontainers.image.revision': '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
      'org.opencontainers.image.base.name': 'mcr.microsoft.com/dotnet/aspnet:8.0',
    },
  });
  const m = (seed: string, tags: string[], ageDays: number, sizeMb: number) => plainManifest(now, { seed, tags, ageDays, sizeMb });
  return {
    tenantId,
    subscriptions: [{ subscriptionId: sub, displayName: 'fabrikam-prod', state: 'Enabled' }],
    resources: [
      main,
      legacy,
      workspaceRow({ tenantId, subscriptionId: sub, resourceGroup: ws.rg, name: ws.name, location: 'westeurope', customerId: ws.customerId, createdDate: '2024-05-01T09:00:00.000Z' }),
      containerAppRow({
        tenantId, subscriptionId: sub, resourceGroup: 'rg-shop', name: 'ca-shop-api', location: 'westeurope', environment: 'cae-fabrikam', revision: '0000007',
        registryServers: ['fabrikamacr.azurecr.io'], containers: [{ name: 'api', image: 'fabrikamacr.azurecr.io/shop/api:2.4.0' }],
      }),
      webSiteRow({
        tenantId, subscriptionId: sub, resourceGroup: 'rg-shop', name: 'app-fabrikam-admin', location: 'westeurope', kind: 'app,linux,container',
        serverFarm: 'asp-fabrikam', linuxFxVersion: 'DOCKER|fabrikamlegacy.azurecr.io/admin/portal:1.0',
      }),
    ],
    securityresources: [],
    resourcechanges: [],
    authorizationresources: [],
    diagnosticSettings: {
      [main.id as string]: [diagnosticSetting(main.id as string, 'audit-to-law', { workspaceId: wsId }, [{ categoryGroup: 'audit', enabled: true }])],
      [legacy.id as string]: [],
    },
    registryContent: {
      'fabrikamacr.azurecr.io': {
        repositories: {
          'shop/api': { manifests: [labeled.item, m('fabrikamacr/shop/api|2.3.1', ['2.3.1'], 48, 80), m('fabrikamacr/shop/api|old', [], 200, 79)], blobs: { [labeled.configDigest]: labeled.config } },
          'shop/web': { manifests: [m('fabrikamacr/shop/web|5.0.2', ['5.0.2', 'latest'], 12, 55)] },
        },
      },
      'fabrikamlegacy.azurecr.io': {
        repositories: { 'admin/portal': { manifests: [m('fabrikamlegacy/admin/portal|1.0', ['1.0'], 540, 210)] } },
      },
    },
    logs: {
      [ws.customerId]: {
        ContainerRegistryLoginEvents: [
          loginEventRow({
            time: '2026-01-30T17:04:11.482Z', tenantId: ws.customerId, registryId: main.id as string, loginServer: 'fabrikamacr.azurecr.io',
            identity: guidOf('fabrikam|mi|shop'), resultType: '200', callerIpAddress: '20.103.9.187', userAgent: 'containerd/v1.7.22', location: 'westeurope', seed: 'fabrikam|1',
          }),
        ],
        ContainerRegistryRepositoryEvents: [],
      },
    },
  };
}

/** Northwind: a tiny synthetic estate (2 subscriptions, 3 registries, 12 workloads) frozen at 2026-04-01. */
export function northwindEstate(): EstateDocument {
  return syntheticEstate({ seed: 2026, subscriptions: 2, registries: 3, repositoriesPerRegistry: 3, manifestsPerRepository: 4, workloads: 12, now: new Date('2026-04-01T06:00:00.000Z') });
}

export const EXAMPLES: Record<string, () => EstateDocument> = {
  'fabrikam-single-subscription.json': fabrikamEstate,
  'northwind-synthetic-tiny.json': northwindEstate,
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [file, build] of Object.entries(EXAMPLES)) {
    writeFileSync(new URL(file, import.meta.url), `${JSON.stringify(build(), null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
}
