/** Small typed builders for emulator estates (inline, no fixture files). */
import { createHash } from 'node:crypto';
import { loadEstate, type Estate } from '../../emulator/index.js';

export const TENANT = '72f988bf-0000-4000-8000-000000000001';
export const SUB_A = '11111111-1111-4111-8111-111111111111';
export const SUB_B = '22222222-2222-4222-8222-222222222222';
export const WORKSPACE = '99999999-9999-4999-8999-999999999999';

export function registryId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/${name}`;
}

export function aRegistry(o: { name: string; sub?: string; rg?: string; sku?: string; properties?: Record<string, unknown> }): Record<string, unknown> {
  const sub = o.sub ?? SUB_A;
  const rg = o.rg ?? 'rg-acr';
  return {
    id: registryId(sub, rg, o.name), name: o.name, type: 'microsoft.containerregistry/registries', location: 'westeurope',
    resourceGroup: rg, subscriptionId: sub, tenantId: TENANT, sku: { name: o.sku ?? 'Premium', tier: o.sku ?? 'Premium' }, tags: {},
    properties: { loginServer: `${o.name}.azurecr.io`, adminUserEnabled: false, anonymousPullEnabled: false, publicNetworkAccess: 'Disabled', policies: {}, ...o.properties },
  };
}

export function aWorkload(i: number, sub = SUB_A): Record<string, unknown> {
  const name = `app-${String(i).padStart(5, '0')}`;
  return {
    id: `/subscriptions/${sub}/resourceGroups/rg-apps/providers/Microsoft.App/containerApps/${name}`, name, type: 'microsoft.app/containerapps',
    kind: '', location: 'westeurope', resourceGroup: 'rg-apps', subscriptionId: sub, tags: {},
    properties: { template: { containers: [{ name: 'main', image: `contoso.azurecr.io/team/api:${i}` }] } },
  };
}

export function fakeDigest(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

export function aManifest(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();
  return {
    digest: fakeDigest(`m${i}`), imageSize: 1000 + i, createdTime: t, lastUpdateTime: t, architecture: 'amd64', os: 'linux',
    mediaType: 'application/vnd.oci.image.manifest.v1+json', tags: [`v${i}`],
    changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true }, ...extra,
  };
}

export function anEstate(extra: Record<string, unknown> = {}): Estate {
  return loadEstate({
    tenantId: TENANT,
    subscriptions: [{ subscriptionId: SUB_A, displayName: 'prod', state: 'Enabled' }, { subscriptionId: SUB_B, displayName: 'dev', state: 'Enabled' }],
    resources: [],
    ...extra,
  }, 'test-estate');
}
