/**
 * The infra as the real Bicep compiler sees it (scripts/bicep.ts): ARM JSON from `bicep build` and
 * offline evaluations from `bicep snapshot` (every resource the deployment would create, modules
 * expanded, expressions that do not depend on deployed resources evaluated). The tests read those
 * instead of parsing Bicep by hand; compiling is cached in .cache/bicep per infra hash.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA, ROOT, armTemplate, snapshot, type Snapshot, type SnapshotResource } from '../../scripts/bicep.js';

export { INFRA, ROOT, armTemplate, type Snapshot, type SnapshotResource };

const str = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** main.bicep with only the required parameters (every optional one at its default). */
export function mainDefaults(): Snapshot {
  return snapshot('main.bicep', {
    environmentName: str('ci'),
    location: str('swedencentral'),
    approvedRegistries: str('contoso*.azurecr.io'),
  });
}

/** Values given to every optional notification parameter of main.bicep (all non-empty). */
export const NOTIFY_VALUES: Record<string, string> = {
  acsEndpoint: 'https://acs-contoso.europe.communication.azure.com',
  emailFrom: 'auditor@contoso.example',
  emailTo: 'platform@contoso.example',
  alertMinSeverity: 'low',
  immediateMinSeverity: 'critical',
  routes: '[{"name":"platform","match":{"minSeverity":"high"},"emailTo":["platform@contoso.example"]}]',
  digestMaxItems: '10',
  findingsUrl: 'https://findings.contoso.example',
  notifyResolutions: 'true',
  notifyMaxAttempts: '5',
  eventGridTopicEndpoint: 'https://topic.swedencentral-1.eventgrid.azure.net/api/events',
};

/** main.bicep with every optional setting given, both Key Vault references on and an operator. */
export function mainFull(): Snapshot {
  return snapshot('main.bicep', {
    environmentName: str('ci'),
    location: str('swedencentral'),
    approvedRegistries: str('contoso*.azurecr.io'),
    principalId: str('22222222-2222-2222-2222-222222222222'),
    notifyTeams: 'true',
    notifySmtp: 'true',
    ...Object.fromEntries(Object.entries(NOTIFY_VALUES).map(([k, v]) => [k, str(v)])),
  });
}

export const ACCESS = {
  auditorPrincipalId: '11111111-1111-1111-1111-111111111111',
  auditorStorageAccountId: '/subscriptions/00000000-0000-0000-0000-0000000000b1/resourceGroups/rg-ci/providers/Microsoft.Storage/storageAccounts/stci',
  deliveryIdentityId: '/subscriptions/00000000-0000-0000-0000-0000000000b1/resourceGroups/rg-ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-egdelivery-ci',
};

/** infra/access/main.bicep: an ABAC-mode registry with events, an RBAC-only one without, a workspace. */
export function accessSnapshot(): Snapshot {
  return snapshot('access/main.bicep', {
    auditorPrincipalId: str(ACCESS.auditorPrincipalId),
    auditorStorageAccountId: str(ACCESS.auditorStorageAccountId),
    deliveryIdentityId: str(ACCESS.deliveryIdentityId),
    registries: "[\n  { name: 'contosoprod', resourceGroup: 'rg-registries' }\n  { name: 'contosolegacy', resourceGroup: 'rg-registries', abacMode: false, events: false }\n]",
    workspaces: "[\n  { name: 'log-platform', resourceGroup: 'rg-monitoring' }\n]",
  });
}

export function resourcesOfType(snap: Snapshot, type: string): SnapshotResource[] {
  return snap.predictedResources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

export function onlyResource(snap: Snapshot, type: string): SnapshotResource {
  const found = resourcesOfType(snap, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

/** The app settings the Function App gets (Microsoft.Web/sites/config 'appsettings'). */
export function appSettings(snap: Snapshot): Record<string, string> {
  const config = resourcesOfType(snap, 'Microsoft.Web/sites/config').find((r) => r.name.endsWith('/appsettings'));
  if (!config?.properties) throw new Error('no appsettings resource in the snapshot');
  return config.properties as Record<string, string>;
}

/** Last segment of a resource name (`st/default/image-pushed` -> `image-pushed`). */
export const leafName = (r: SnapshotResource): string => r.name.split('/').pop() ?? r.name;

export interface RoleAssignment {
  roleGuid: string;
  scope: string;
  principalId: string;
  principalType: string;
}

/** Role assignments with their scope (`extensionResourceId('<scope>', ...)` or the id's prefix). */
export function roleAssignments(snap: Snapshot): RoleAssignment[] {
  return resourcesOfType(snap, 'Microsoft.Authorization/roleAssignments').map((r) => {
    const props = (r.properties ?? {}) as Record<string, string>;
    const scope = /^\[extensionResourceId\('([^']+)'/.exec(r.id)?.[1] ?? r.id.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, '');
    return {
      roleGuid: (/roleDefinitions\/([0-9a-f-]{36})$/i.exec(props.roleDefinitionId ?? '')?.[1] ?? '').toLowerCase(),
      scope,
      principalId: props.principalId ?? '',
      principalType: props.principalType ?? '',
    };
  });
}

export function readText(...parts: string[]): string {
  return readFileSync(join(ROOT, ...parts), 'utf8');
}
