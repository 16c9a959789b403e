/**
 * Issue 13, "done when": `acr-auditor audit --estate X --format json` gets the registry-hardening rules right on an
 * estate no other test loads (Woodgrove's, built here): registries of every SKU, in the newest API shape and in an
 * older one, through the CLI, the loopback emulator (ARM registry GET, token / cache rule / replication lists, Resource
 * Graph `authorizationresources` and `resourcechanges`, Log Analytics ContainerRegistryRepositoryEvents) and the
 * nightly shards.
 *
 * Registries (night 2, the estate under test):
 * - wgprod, Premium, newest shape (Microsoft.ContainerRegistry 2025-11-01 Registry, plus the preview softDeletePolicy):
 *   every hardening setting on.
 * - wgedge, Premium, newest shape: every setting off, geo-replicated, a foreign pending private endpoint, tokens,
 *   an unapproved cache rule, an unapproved Contributor on its resource group, and images pushed by various identities.
 * - wgteam, Standard, newest shape: ABAC, ACR-audience tokens only, soft delete on, a custom role with a push data action.
 * - wgbasic, Basic, and wglegacy, Premium: the OLDER shape of api-version 2019-05-01 (azure-rest-api-specs
 *   Microsoft.ContainerRegistry/stable/2019-05-01: RegistryProperties = loginServer, creationDate, provisioningState,
 *   status, adminUserEnabled, networkRuleSet, policies; Policies = quarantinePolicy, trustPolicy, retentionPolicy only;
 *   examples/RegistryGet.json). No publicNetworkAccess, exportPolicy, azureADAuthenticationAsArmPolicy,
 *   softDeletePolicy, encryption, dataEndpointEnabled, privateEndpointConnections or roleAssignmentMode.
 *
 * Pass, not applicable and inconclusive all leave no finding in one run, so this runs two nights against one store
 * (as test/cli/workloadShapes.test.ts does). Night 1 primes a failing finding for every (rule, subject) below: every
 * registry Premium in the newest shape with every setting off, every token enabled with a password that never expires,
 * an unapproved Owner on both subscriptions, a push of every image by an unapproved identity, mcr.microsoft.com not yet
 * approved. Night 2 then shows, per (rule, subject):
 * - fail: the finding is open and was seen on night 2;
 * - pass / not applicable: resolved on night 2, with `resolution` `passed` or `not_applicable` in the JSON document;
 * - inconclusive: neither confirmed (last seen stays night 1) nor resolved.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import {
  argRow, armId, daysAgo, diagnosticSetting, digestOf, guidOf, registryRow, repositoryEventRow, workspaceId, workspaceRow,
  type JsonObject, type ManifestItem, type RegistryInput,
} from '../../estates/build.js';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { RULES } from '../../shared/rules/catalog.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { profileOf } from '../../shared/rules/kit.js';
import { ruleParams } from '../../shared/rules/params.js';
import { toRegistrySnapshot } from '../../shared/inventory/mappers.js';
import { capturedIo, cliEnvironment } from '../support/cli.js';

const NIGHT1 = new Date('2026-11-22T02:00:00Z');
const NIGHT2 = new Date('2026-11-23T02:00:00Z');
const T = guidOf('woodgrove|tenant');
const A = guidOf('woodgrove|sub|apps');
const B = guidOf('woodgrove|sub|platform');
/** A partner's subscription, on AUDITOR_TRUSTED_SUBSCRIPTIONS. */
const P = guidOf('woodgrove|sub|partner');
/** A subscription nobody trusts. */
const F = guidOf('fabrikam-outsider|sub');
const LOCATION = 'westeurope';
const CUSTOMER_ID = guidOf('woodgrove|law');
const LAW = workspaceId(A, 'rg-ops', 'law-woodgrove');
const TOKEN_MAX_DAYS = 60;

const REG = {
  prod: { name: 'wgprod', sub: A, rg: 'rg-prod' },
  edge: { name: 'wgedge', sub: A, rg: 'rg-edge' },
  team: { name: 'wgteam', sub: B, rg: 'rg-team' },
  basic: { name: 'wgbasic', sub: B, rg: 'rg-basic' },
  legacy: { name: 'wglegacy', sub: B, rg: 'rg-legacy' },
} as const;
type Key = keyof typeof REG;
const KEYS = Object.keys(REG) as Key[];
const R = (k: Key) => armId(REG[k].sub, REG[k].rg, 'Microsoft.ContainerRegistry/registries', REG[k].name);
const RG = (k: Key) => `/subscriptions/${REG[k].sub}/resourceGroups/${REG[k].rg}`;
const HOST = (k: Key) => `${REG[k].name}.azurecr.io`;

/** Principals (object ids: role assignment rows carry no names). */
const WHO = {
  releasePipeline: guidOf('woodgrove|sp|release-pipeline'),
  legacyCi: guidOf('woodgrove|mi|legacy-ci'),
  opsUser: guidOf('woodgrove|user|r.ops'),
  publisherApp: guidOf('woodgrove|sp|publisher'),
  webApp: guidOf('woodgrove|mi|web'),
  intruder: guidOf('woodgrove|user|former-admin'),
  contractor: guidOf('woodgrove|user|contractor'),
};
/** Pusher identities as ContainerRegistryRepositoryEvents records them. */
const PUSHER = { pipeline: WHO.releasePipeline, mallory: 'mallory@woodgrove.example' };

/**
 * Role definitions: built-in GUIDs and permissions from Microsoft's built-in roles reference
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers, .../privileged, .../security).
 */
const ROLES = {
  Owner: { guid: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', permissions: { actions: ['*'], notActions: [], dataActions: [], notDataActions: [] } },
  Contributor: {
    guid: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    permissions: { actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action'], dataActions: [], notDataActions: [] },
  },
  AcrPush: { guid: '8311e382-0749-4cb8-b61a-304f252e45ec', permissions: { actions: ['Microsoft.ContainerRegistry/registries/pull/read', 'Microsoft.ContainerRegistry/registries/push/write'], notActions: [], dataActions: [], notDataActions: [] } },
  'Container Registry Repository Writer': {
    guid: '2a1e307c-b015-4ebd-883e-5b7698a07328',
    permissions: {
      actions: [], notActions: [], notDataActions: [],
      dataActions: ['Microsoft.ContainerRegistry/registries/repositories/metadata/read', 'Microsoft.ContainerRegistry/registries/repositories/content/read', 'Microsoft.ContainerRegistry/registries/repositories/metadata/write', 'Microsoft.ContainerRegistry/registries/repositories/content/write'],
    },
  },
  // Harmless for a registry: reads Key Vault secrets.
  'Key Vault Secrets User': {
    guid: '4633458b-17de-408a-b874-0445c86b69e6',
    permissions: { actions: [], notActions: [], dataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'], notDataActions: [] },
  },
} as const;
/** A custom role of the platform subscription: publish images (a push data action, honoured in ABAC mode). */
const PUBLISHER_ROLE = {
  guid: guidOf('woodgrove|role|image-publisher'), name: 'Woodgrove Image Publisher',
  permissions: { actions: ['Microsoft.ContainerRegistry/registries/read'], notActions: [], dataActions: ['Microsoft.ContainerRegistry/registries/repositories/content/write', 'Microsoft.ContainerRegistry/registries/repositories/metadata/write'], notDataActions: [] },
};
/** A custom role whose definition the auditor cannot see (no row in the answer, not a built-in). */
const GHOST_ROLE = guidOf('woodgrove|role|defined-elsewhere');

const D = { release: digestOf('woodgrove|api|2.0.0'), rogue: digestOf('woodgrove|api|2.0.1-hotfix'), quiet: digestOf('woodgrove|api|1.9.0') };

const ARG_EMPTY = { kind: '', location: '', managedBy: '', sku: null, plan: null, tags: null, identity: null, zones: null, extendedLocation: null };

function roleDefinitionRow(sub: string, guid: string, roleName: string, type: 'BuiltInRole' | 'CustomRole', permissions: object): JsonObject {
  return {
    id: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`, name: guid, type: 'microsoft.authorization/roledefinitions',
    tenantId: T, resourceGroup: '', subscriptionId: sub, ...ARG_EMPTY,
    properties: { roleName, type, description: roleName, assignableScopes: [type === 'CustomRole' ? `/subscriptions/${sub}` : '/'], permissions: [permissions as JsonObject] },
  };
}

/** A role assignment row (Microsoft.Authorization 2022-04-01 RoleAssignment, as RoleAssignments_Get.json shows it). */
function roleAssignmentRow(scope: string, roleGuid: string, principalId: string, principalType: 'User' | 'ServicePrincipal', seed: string): JsonObject {
  const name = guidOf(`woodgrove|assignment|${seed}`);
  const sub = /^\/subscriptions\/([^/]+)/i.exec(scope)![1]!;
  const rg = /\/resourceGroups\/([^/]+)/i.exec(scope)?.[1] ?? '';
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, name, type: 'microsoft.authorization/roleassignments',
    tenantId: T, resourceGroup: rg.toLowerCase(), subscriptionId: sub, ...ARG_EMPTY,
    properties: {
      roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId, principalType, scope, condition: null, conditionVersion: null, description: '',
    },
  };
}

function authorizationRows(night: 1 | 2): JsonObject[] {
  const role = (name: keyof typeof ROLES) => ROLES[name].guid;
  return [
    ...[A, B].flatMap((sub) => Object.entries(ROLES).map(([name, r]) => roleDefinitionRow(sub, r.guid, name, 'BuiltInRole', r.permissions))),
    roleDefinitionRow(B, PUBLISHER_ROLE.guid, PUBLISHER_ROLE.name, 'CustomRole', PUBLISHER_ROLE.permissions),
    // wgprod (ABAC): the approved pipeline writes repositories; a legacy CI identity keeps AcrPush, which ABAC mode does not honour.
    roleAssignmentRow(R('prod'), role('Container Registry Repository Writer'), WHO.releasePipeline, 'ServicePrincipal', 'prod-writer'),
    roleAssignmentRow(R('prod'), role('AcrPush'), WHO.legacyCi, 'ServicePrincipal', 'prod-legacy-ci'),
    // wgedge (legacy mode): the approved pipeline has AcrPush; an operator not on the list is Contributor of its resource group.
    roleAssignmentRow(R('edge'), role('AcrPush'), WHO.releasePipeline, 'ServicePrincipal', 'edge-push'),
    roleAssignmentRow(RG('edge'), role('Contributor'), WHO.opsUser, 'User', 'edge-rg-contributor'),
    // wgteam (ABAC): an app not on the list publishes with a custom role holding a push data action.
    roleAssignmentRow(R('team'), PUBLISHER_ROLE.guid, WHO.publisherApp, 'ServicePrincipal', 'team-publisher'),
    // wgbasic: the approved pipeline has AcrPush; a web app reads Key Vault secrets in the same resource group (harmless).
    roleAssignmentRow(R('basic'), role('AcrPush'), WHO.releasePipeline, 'ServicePrincipal', 'basic-push'),
    roleAssignmentRow(RG('basic'), role('Key Vault Secrets User'), WHO.webApp, 'ServicePrincipal', 'basic-kv'),
    // wglegacy: a contractor holds a role whose definition cannot be read.
    roleAssignmentRow(R('legacy'), GHOST_ROLE, WHO.contractor, 'User', 'legacy-ghost'),
    // Night 1 only: a former admin still owned both subscriptions (every registry fails push-access).
    ...(night === 1 ? [roleAssignmentRow(`/subscriptions/${A}`, role('Owner'), WHO.intruder, 'User', 'a-owner'), roleAssignmentRow(`/subscriptions/${B}`, role('Owner'), WHO.intruder, 'User', 'b-owner')] : []),
  ];
}

/** The registry row of api-version 2019-05-01 (see the header): none of issue 13's newer properties. */
function olderRegistryRow(k: Key, sku: 'Basic' | 'Premium', creationDays: number, retention: { status: 'enabled' | 'disabled'; days: number }): JsonObject {
  return argRow({
    tenantId: T, subscriptionId: REG[k].sub, resourceGroup: REG[k].rg, armType: 'Microsoft.ContainerRegistry/registries', name: REG[k].name, location: LOCATION,
    sku: { name: sku, tier: sku },
    properties: {
      loginServer: HOST(k),
      creationDate: daysAgo(NIGHT2, creationDays),
      provisioningState: 'Succeeded',
      status: { displayStatus: 'Ready', message: 'The registry is ready.', timestamp: daysAgo(NIGHT2, creationDays) },
      adminUserEnabled: false,
      ...(sku === 'Premium' ? { networkRuleSet: { defaultAction: 'Allow', virtualNetworkRules: [], ipRules: [] } } : {}),
      policies: {
        quarantinePolicy: { status: 'disabled' },
        trustPolicy: { type: 'Notary', status: 'disabled' },
        retentionPolicy: { days: retention.days, lastUpdatedTime: daysAgo(NIGHT2, 40), status: retention.status },
      },
    },
  });
}

function registries(night: 1 | 2): JsonObject[] {
  const base = (k: Key, creationDays: number): Pick<RegistryInput, 'tenantId' | 'subscriptionId' | 'resourceGroup' | 'name' | 'location' | 'creationDate' | 'policyTime' | 'adminUserEnabled'> => ({
    tenantId: T, subscriptionId: REG[k].sub, resourceGroup: REG[k].rg, name: REG[k].name, location: LOCATION,
    creationDate: daysAgo(NIGHT2, creationDays), policyTime: daysAgo(NIGHT2, creationDays), adminUserEnabled: false,
  });
  const created = { prod: 700, edge: 300, team: 500, basic: 900, legacy: 5 } as const;
  if (night === 1) {
    // Every registry Premium, newest shape, every hardening setting off, a pending endpoint from an untrusted subscription.
    return KEYS.map((k) => registryRow({
      ...base(k, created[k]), sku: 'Premium', publicNetworkAccess: 'Enabled', armAudienceTokens: 'enabled', exportsEnabled: true,
      roleAssignmentMode: 'LegacyRegistryPermissions', privateEndpoints: [{ name: `pe-outsider-${k}`, subnetResourceGroup: 'rg-outsider', vnet: 'vnet-outsider', subscriptionId: F, status: 'Pending' }],
    }));
  }
  const prod = registryRow({
    ...base('prod', created.prod), sku: 'Premium', publicNetworkAccess: 'Disabled', networkRuleSet: { defaultAction: 'Deny' },
    armAudienceTokens: 'disabled', exportsEnabled: false, quarantine: true, retentionDays: 7, cmkKeyUri: 'https://kv-woodgrove.vault.azure.net/keys/acr-cmk',
    dataEndpointEnabled: true, roleAssignmentMode: 'AbacRepositoryPermissions', systemIdentityPrincipalId: guidOf('woodgrove|mi|acr'),
    privateEndpoints: [
      { name: 'pe-wgprod', subnetResourceGroup: 'rg-network', vnet: 'vnet-prod' },
      // Requested from outside and rejected: carries no traffic.
      { name: 'pe-outsider-prod', subnetResourceGroup: 'rg-outsider', vnet: 'vnet-outsider', subscriptionId: F, status: 'Rejected' },
    ],
  });
  const edge = registryRow({
    ...base('edge', created.edge), sku: 'Premium', publicNetworkAccess: 'Enabled', armAudienceTokens: 'enabled', exportsEnabled: true,
    roleAssignmentMode: 'LegacyRegistryPermissions',
    privateEndpoints: [
      { name: 'pe-wgedge', subnetResourceGroup: 'rg-network', vnet: 'vnet-edge' },
      // The platform subscription (audited) and the partner's (AUDITOR_TRUSTED_SUBSCRIPTIONS): trusted.
      { name: 'pe-platform', subnetResourceGroup: 'rg-platform-net', vnet: 'vnet-platform', subscriptionId: B },
      { name: 'pe-partner', subnetResourceGroup: 'rg-partner', vnet: 'vnet-partner', subscriptionId: P },
      // An untrusted subscription asking to connect.
      { name: 'pe-outsider-edge', subnetResourceGroup: 'rg-outsider', vnet: 'vnet-outsider', subscriptionId: F, status: 'Pending' },
    ],
  });
  const team = registryRow({ ...base('team', created.team), sku: 'Standard', publicNetworkAccess: 'Enabled', armAudienceTokens: 'disabled', roleAssignmentMode: 'AbacRepositoryPermissions' });
  // Soft delete on (a preview property; the builder writes it disabled).
  ((team.properties as JsonObject).policies as JsonObject).softDeletePolicy = { retentionDays: 14, lastUpdatedTime: daysAgo(NIGHT2, 60), status: 'enabled' };
  return [
    prod, edge, team,
    olderRegistryRow('basic', 'Basic', created.basic, { status: 'disabled', days: 7 }),
    // Untagged manifests kept 60 days: longer than AUDITOR_RETENTION_MAX_DAYS (30).
    olderRegistryRow('legacy', 'Premium', created.legacy, { status: 'enabled', days: 60 }),
  ];
}

/** Registry children as the ARM lists return them (2025-11-01 TokenList.json, CacheRuleList.json, ReplicationList.json). */
function registryChildren(night: 1 | 2): Record<string, unknown> {
  const token = (k: Key, name: string, status: 'enabled' | 'disabled', createdDays: number, password: { createdDays: number; validDays?: number }) => ({
    name,
    properties: {
      creationDate: daysAgo(NIGHT2, createdDays), scopeMapId: `${R(k)}/scopeMaps/${name}-scope`, provisioningState: 'Succeeded',
      // Night 1: every token enabled, its password never expiring.
      status: night === 1 ? 'enabled' : status,
      credentials: {
        passwords: [{
          name: 'password1', creationTime: daysAgo(NIGHT2, password.createdDays),
          ...(night === 2 && password.validDays !== undefined ? { expiry: daysAgo(NIGHT2, password.createdDays - password.validDays) } : {}),
        }],
      },
    },
  });
  const cacheRule = (name: string, sourceRepository: string, targetRepository: string) => ({
    name, properties: { sourceRepository, targetRepository, creationDate: daysAgo(NIGHT2, 90), provisioningState: 'Succeeded' },
  });
  const replication = (location: string) => ({ name: location, location, properties: { provisioningState: 'Succeeded', status: { displayStatus: 'Ready' }, regionEndpointEnabled: true, zoneRedundancy: 'Disabled' } });
  return {
    [R('prod')]: {
      tokens: [token('prod', 'ci-readonly', 'disabled', 400, { createdDays: 400, validDays: 365 })],
      cacheRules: [cacheRule('mcr-azurelinux', 'mcr.microsoft.com/azurelinux/base/core', 'base/azurelinux')],
    },
    [R('edge')]: {
      tokens: [
        token('edge', 'partner-pull', 'enabled', 200, { createdDays: 200 }),
        token('edge', 'ci-push', 'enabled', 30, { createdDays: 10, validDays: 90 }),
        token('edge', 'release-bot', 'enabled', 20, { createdDays: 5, validDays: 45 }),
      ],
      cacheRules: [cacheRule('dockerhub-nginx', 'docker.io/library/nginx', 'mirror/nginx')],
      // Night 2: geo-replicated to East US (soft delete is not supported there).
      ...(night === 2 ? { replications: [replication(LOCATION), replication('eastus')] } : {}),
    },
    [R('team')]: {
      tokens: [token('team', 'legacy-sync', 'enabled', 300, { createdDays: 300, validDays: 200 })],
      cacheRules: [cacheRule('mcr-dotnet', 'mcr.microsoft.com/dotnet/runtime', 'base/dotnet-runtime')],
    },
  };
}

/** A resourcechanges row as Resource Graph returns it (shape as estates/demo.ts changeRow, "Get resource changes"). */
function changeRow(k: Key, daysBack: number, who: { changedBy: string; changedByType: string; clientType: string }, changes: Record<string, { previousValue: string; newValue: string }> | undefined): JsonObject {
  const target = `/subscriptions/${REG[k].sub}/resourceGroups/${REG[k].rg}/providers/microsoft.containerregistry/registries/${REG[k].name}`;
  const ts = daysAgo(NIGHT2, daysBack);
  const changeId = `08584${guidOf(`${target}|${ts}`).replace(/-/g, '').slice(0, 16)}_${guidOf(`${ts}|${target}`)}`;
  const changeType = changes ? 'Update' : 'Create';
  return {
    id: `${target}/providers/Microsoft.Resources/changes/${changeId}`, name: changeId, type: 'microsoft.resources/changes', tenantId: T,
    ...ARG_EMPTY, resourceGroup: REG[k].rg, subscriptionId: REG[k].sub,
    properties: {
      targetResourceId: target, targetResourceType: 'microsoft.containerregistry/registries', changeType,
      changeAttributes: {
        newResourceSnapshotId: changeId, correlationId: guidOf(`${changeId}|corr`), changesCount: changes ? Object.keys(changes).length : 0,
        operation: 'microsoft.containerregistry/registries/write', timestamp: ts, ...who,
      },
      ...(changes
        ? { changes: Object.fromEntries(Object.entries(changes).map(([path, c]) => [path, { ...c, propertyChangeType: 'Update', changeCategory: 'User', isTruncated: false }])) }
        : {}),
    },
  };
}

const WHO_CHANGED = {
  edge: { changedBy: 'r.ops@woodgrove.example', changedByType: 'User', clientType: 'Azure Portal' },
  legacy: { changedBy: guidOf('woodgrove|sp|old-template-pipeline'), changedByType: 'Application', clientType: 'ARM Template' },
};

function estate(night: 1 | 2): Record<string, unknown> {
  const manifest = (digest: string, tag: string, ageDays: number): ManifestItem => ({
    digest, imageSize: 4000, createdTime: daysAgo(NIGHT2, ageDays), lastUpdateTime: daysAgo(NIGHT2, ageDays), architecture: 'amd64', os: 'linux',
    mediaType: 'application/vnd.oci.image.manifest.v1+json', configMediaType: 'application/vnd.oci.image.config.v1+json', tags: [tag],
    changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
  });
  const push = (digest: string, tag: string, identity: string, at: string, seed: string) => repositoryEventRow({
    time: at, tenantId: T, registryId: R('edge'), loginServer: HOST('edge'), operation: 'Push', repository: 'app/api', tag, digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 4000, identity, callerIpAddress: '203.0.113.50', userAgent: 'docker/27.3.1', location: LOCATION, seed,
  });
  const pushes = [
    // Inside the 30-day look-back on night 1, outside it on night 2.
    push(D.release, '2.0.0', PUSHER.mallory, daysAgo(NIGHT1, 29.5), 'release-by-mallory'),
    push(D.quiet, '1.9.0', PUSHER.mallory, daysAgo(NIGHT1, 29.8), 'quiet-by-mallory'),
    // Inside the window on both nights.
    push(D.rogue, '2.0.1-hotfix', PUSHER.mallory, daysAgo(NIGHT1, 3), 'rogue-by-mallory'),
    // Between the nights: the pipeline pushed 2.0.0 again.
    ...(night === 2 ? [push(D.release, '2.0.0', PUSHER.pipeline, daysAgo(NIGHT2, 0.5), 'release-by-pipeline')] : []),
  ];
  return {
    tenantId: T,
    subscriptions: [
      { subscriptionId: A, displayName: 'woodgrove-apps', state: 'Enabled' },
      { subscriptionId: B, displayName: 'woodgrove-platform', state: 'Enabled' },
    ],
    resources: [
      ...registries(night),
      workspaceRow({ tenantId: T, subscriptionId: A, resourceGroup: 'rg-ops', name: 'law-woodgrove', location: LOCATION, customerId: CUSTOMER_ID, createdDate: daysAgo(NIGHT2, 800) }),
    ],
    securityresources: [],
    resourcechanges: [
      // Who made wgedge accept ARM-audience tokens again: a person, in the portal, two days before night 2.
      changeRow('edge', 2, WHO_CHANGED.edge, { 'properties.policies.azureADAuthenticationAsArmPolicy.status': { previousValue: 'disabled', newValue: 'enabled' } }),
      // wglegacy was created five days ago by an old template and left as created.
      changeRow('legacy', 5, WHO_CHANGED.legacy, undefined),
    ],
    authorizationresources: authorizationRows(night),
    diagnosticSettings: { [R('edge')]: [diagnosticSetting(R('edge'), 'to-law', { workspaceId: LAW }, [{ categoryGroup: 'allLogs', enabled: true }])] },
    registryContent: { [HOST('edge')]: { repositories: { 'app/api': { manifests: [manifest(D.release, '2.0.0', 31), manifest(D.rogue, '2.0.1-hotfix', 4), manifest(D.quiet, '1.9.0', 31)] } } } },
    registryChildren: registryChildren(night),
    logs: { [CUSTOMER_ID]: { ContainerRegistryRepositoryEvents: pushes } },
  };
}

interface Row { id: string; ruleId: string; status: string; severity: string; resourceId: string; subject: string; message: string; lastSeen: string; resolvedAt: string | null; resolution: string | null; evidence: Record<string, unknown> }
type Outcome = 'fail' | 'pass' | 'na' | 'inconclusive';

const tok = (k: Key, name: string) => `${R(k)}/tokens/${name}`.toLowerCase();
const cache = (k: Key, name: string) => `${R(k)}/cacheRules/${name}`.toLowerCase();
const img = (digest: string) => `${HOST('edge')}/app/api@${digest}`;
const regs = (o: Partial<Record<Key, Outcome>>): Array<[string, Outcome]> => Object.entries(o).map(([k, v]) => [R(k as Key).toLowerCase(), v]);

/** Per rule, per subject, what night 2 must show. */
const EXPECTED: Record<string, Array<[string, Outcome]>> = {
  'registry.scoped-tokens-disabled': [[tok('prod', 'ci-readonly'), 'pass'], [tok('edge', 'partner-pull'), 'fail'], [tok('edge', 'ci-push'), 'fail'], [tok('edge', 'release-bot'), 'fail'], [tok('team', 'legacy-sync'), 'fail']],
  // AUDITOR_TOKEN_MAX_DAYS=60: never expires, valid 90 days and expired-but-enabled fail; valid 45 days passes; a disabled token is not applicable.
  'registry.token-passwords-expire': [[tok('prod', 'ci-readonly'), 'na'], [tok('edge', 'partner-pull'), 'fail'], [tok('edge', 'ci-push'), 'fail'], [tok('edge', 'release-bot'), 'pass'], [tok('team', 'legacy-sync'), 'fail']],
  // A missing azureADAuthenticationAsArmPolicy (older shape) is non-compliant, as Azure Policy treats it.
  'registry.arm-audience-tokens-disabled': regs({ prod: 'pass', edge: 'fail', team: 'pass', basic: 'fail', legacy: 'fail' }),
  'registry.abac-permissions-enabled': regs({ prod: 'pass', edge: 'fail', team: 'pass', basic: 'fail', legacy: 'fail' }),
  // wgprod: an approved writer (the legacy AcrPush is not honoured in ABAC mode); wgedge: an unapproved Contributor on the
  // resource group; wgteam: a custom role with a push data action; wglegacy: a role that cannot be resolved.
  'registry.push-access-restricted': regs({ prod: 'pass', edge: 'fail', team: 'fail', basic: 'pass', legacy: 'inconclusive' }),
  'image.pushed-by-approved-identity': [[img(D.release), 'pass'], [img(D.rogue), 'fail'], [img(D.quiet), 'inconclusive']],
  'registry.public-network-disabled': regs({ prod: 'pass', edge: 'fail', team: 'fail', basic: 'fail', legacy: 'fail' }),
  'registry.private-link-used': regs({ prod: 'pass', edge: 'pass', team: 'fail', basic: 'fail', legacy: 'fail' }),
  // Basic and Standard cannot have private endpoints: nothing to trust, conclusively.
  'registry.private-endpoints-trusted': regs({ prod: 'pass', edge: 'fail', team: 'na', basic: 'na', legacy: 'inconclusive' }),
  'registry.exports-disabled': regs({ prod: 'pass', edge: 'fail', team: 'na', basic: 'na', legacy: 'fail' }),
  'registry.cache-rules-approved': [[cache('prod', 'mcr-azurelinux'), 'pass'], [cache('edge', 'dockerhub-nginx'), 'fail'], [cache('team', 'mcr-dotnet'), 'pass']],
  'registry.quarantine-enabled': regs({ prod: 'pass', edge: 'fail', team: 'na', basic: 'na', legacy: 'fail' }),
  'registry.retention-enabled': regs({ prod: 'pass', edge: 'fail', team: 'na', basic: 'na', legacy: 'fail' }),
  // Not with the retention policy on (wgprod, wglegacy), not on a geo-replicated registry (wgedge); every SKU otherwise.
  'registry.soft-delete-enabled': regs({ prod: 'na', edge: 'na', team: 'pass', basic: 'fail', legacy: 'na' }),
  'registry.cmk-encrypted': regs({ prod: 'pass', edge: 'fail', team: 'na', basic: 'na', legacy: 'fail' }),
  'registry.dedicated-data-endpoints': regs({ prod: 'pass', edge: 'fail', team: 'na', basic: 'na', legacy: 'fail' }),
};

function settings(night: 1 | 2): void {
  cliEnvironment();
  Object.assign(process.env, {
    AUDITOR_PROFILE: 'strict',
    AUDITOR_APPROVED_REGISTRIES: night === 1 ? 'wg*.azurecr.io' : 'wg*.azurecr.io,mcr.microsoft.com',
    AUDITOR_REGISTRY_WRITERS: WHO.releasePipeline,
    AUDITOR_APPROVED_PUSHERS: PUSHER.pipeline,
    AUDITOR_TRUSTED_SUBSCRIPTIONS: P,
    AUDITOR_TOKEN_MAX_DAYS: String(TOKEN_MAX_DAYS),
  });
}

describe('registry hardening rules through `acr-auditor audit --estate X --format json` (issue 13)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-hardening-'));
  const saved = { ...process.env };
  let azurite: RunningAzurite;
  let night1: Row[] = [];
  let night2: Row[] = [];

  const audit = async (night: 1 | 2, now: Date): Promise<Row[]> => {
    const file = join(dir, `woodgrove-${night}.json`);
    writeFileSync(file, JSON.stringify(estate(night)));
    const t = capturedIo();
    expect(await main(['audit', '--estate', file, '--format', 'json', '--status', 'all', '--now', now.toISOString()], t.value), t.err.join('\n')).toBe(0);
    return (JSON.parse(t.out.join('\n')) as { findings: Row[] }).findings;
  };

  beforeAll(async () => {
    azurite = await startAzurite();
    settings(1);
    process.env.AUDITOR_STORAGE = azurite.connectionString;
    night1 = await audit(1, NIGHT1);
    settings(2);
    process.env.AUDITOR_STORAGE = azurite.connectionString;
    night2 = await audit(2, NIGHT2);
  }, 180_000);
  afterAll(async () => {
    process.env = { ...saved };
    await azurite.close();
  });

  const on = (rows: Row[], ruleId: string, subject: string) => rows.filter((f) => f.ruleId === ruleId && f.subject.toLowerCase() === subject.toLowerCase());
  const one = (rows: Row[], ruleId: string, subject: string) => {
    const f = on(rows, ruleId, subject);
    expect(f, `${ruleId} ${subject}`).toHaveLength(1);
    return f[0]!;
  };

  /** Night 2's answer for a primed (rule, subject), as the two nights show it. */
  function outcome(ruleId: string, subject: string): Outcome | string {
    const primed = on(night1, ruleId, subject);
    if (primed.length !== 1 || primed[0]!.status !== 'open') return `not primed on night 1 (${primed.map((f) => f.status).join(',') || 'no finding'})`;
    const f = one(night2, ruleId, subject);
    if (f.status === 'open') return f.lastSeen >= NIGHT2.toISOString() ? 'fail' : 'inconclusive';
    if (f.status !== 'resolved' || !f.resolvedAt || f.resolvedAt < NIGHT2.toISOString()) return `status ${f.status}`;
    return f.resolution === 'passed' ? 'pass' : f.resolution === 'not_applicable' ? 'na' : `resolved as ${f.resolution}`;
  }

  for (const [ruleId, all] of Object.entries(EXPECTED)) {
    it(`${ruleId}: every subject answers as expected`, () => {
      const got = all.map(([subject]) => [subject, outcome(ruleId, subject)]);
      expect(got).toEqual(all);
    });
  }

  it('every issue-13 rule is in the catalog (the table above covers them all)', () => {
    const ids = new Set(RULES.map((r) => r.id));
    for (const id of Object.keys(EXPECTED)) expect(ids.has(id), id).toBe(true);
  });

  it('token findings name the token, its scope map and password expiry; a token nobody can sign in with is low', () => {
    expect(one(night2, 'registry.scoped-tokens-disabled', tok('edge', 'partner-pull'))).toMatchObject({
      severity: 'medium', evidence: { token: 'partner-pull', status: 'enabled', scopeMap: 'partner-pull-scope', passwords: [{ name: 'password1', expiry: null }] },
    });
    expect(one(night2, 'registry.scoped-tokens-disabled', tok('team', 'legacy-sync')).severity).toBe('low');
    const tooLong = one(night2, 'registry.token-passwords-expire', tok('edge', 'ci-push'));
    expect(tooLong.evidence).toMatchObject({ maxDays: TOKEN_MAX_DAYS, checks: [{ name: 'password1', verdict: 'too-long', validDays: 90 }] });
    expect(one(night2, 'registry.token-passwords-expire', tok('edge', 'partner-pull')).evidence).toMatchObject({ checks: [{ name: 'password1', verdict: 'never-expires' }] });
    expect(one(night2, 'registry.token-passwords-expire', tok('team', 'legacy-sync')).evidence).toMatchObject({ checks: [{ name: 'password1', verdict: 'expired', validDays: 200 }] });
  });

  it('push access names the unapproved principals: the Contributor inherited from the resource group, the custom role\'s data action', () => {
    const edge = one(night2, 'registry.push-access-restricted', R('edge')).evidence;
    expect(edge).toMatchObject({ count: 1, approvedAssignments: 1, unapproved: [{ principalId: WHO.opsUser, principalType: 'User', role: 'Contributor', scope: RG('edge') }] });
    const team = one(night2, 'registry.push-access-restricted', R('team')).evidence;
    expect(team).toMatchObject({ count: 1, unapproved: [{ principalId: WHO.publisherApp, role: PUBLISHER_ROLE.name, scope: R('team'), capabilities: ['repository-write'] }] });
  });

  it('the image pushed by an unapproved identity names it, from the repository logs', () => {
    const f = one(night2, 'image.pushed-by-approved-identity', img(D.rogue));
    expect(f).toMatchObject({ status: 'open', severity: 'high', evidence: { source: 'logs', lookbackDays: 30, approved: 0, unapproved: [{ identity: PUSHER.mallory, pushes: 1 }] } });
  });

  it('a foreign pending private endpoint is flagged; the registry\'s own and the partner\'s are not', () => {
    const f = one(night2, 'registry.private-endpoints-trusted', R('edge'));
    expect((f.evidence.untrusted as Array<{ subscriptionId: string }>).map((c) => c.subscriptionId)).toContain(F);
    expect(f.evidence.untrusted).toContainEqual(expect.objectContaining({ status: 'Pending', subscriptionId: F }));
    expect((f.evidence.untrusted as Array<{ subscriptionId: string }>).map((c) => c.subscriptionId)).not.toContain(P);
  });

  // Issue 13: "every private endpoint connection comes from a subscription in scope or on AUDITOR_TRUSTED_SUBSCRIPTIONS".
  // With AUDITOR_SUBSCRIPTION_IDS empty, every readable subscription is in scope, the platform subscription among them.
  it('a private endpoint from another audited subscription is trusted (in scope), the foreign pending one is not', () => {
    const f = one(night2, 'registry.private-endpoints-trusted', R('edge'));
    expect((f.evidence.untrusted as Array<{ subscriptionId: string }>).map((c) => c.subscriptionId)).toEqual([F]);
  });

  it('exports: the evidence says Azure applies the policy only with public access disabled', () => {
    expect(one(night2, 'registry.exports-disabled', R('edge')).evidence).toMatchObject({ exportPolicy: 'enabled', publicNetworkAccess: 'Enabled', sku: 'Premium', note: expect.stringContaining('public network access is disabled') });
    expect(one(night2, 'registry.exports-disabled', R('legacy')).message).toContain('exportPolicy not set');
    expect(one(night2, 'registry.arm-audience-tokens-disabled', R('basic')).message).toContain('not set');
  });

  it('a failing setting carries who made it so (resourcechanges): an update in the portal, or the registry\'s creation', () => {
    expect(one(night2, 'registry.arm-audience-tokens-disabled', R('edge')).evidence.lastChange).toEqual({
      changeType: 'Update', changedAt: daysAgo(NIGHT2, 2), ...WHO_CHANGED.edge, operation: 'microsoft.containerregistry/registries/write',
      property: 'properties.policies.azureADAuthenticationAsArmPolicy.status', propertyChangeType: 'Update', previousValue: 'disabled', newValue: 'enabled',
    });
    for (const ruleId of ['registry.cmk-encrypted', 'registry.exports-disabled', 'registry.dedicated-data-endpoints']) {
      expect(one(night2, ruleId, R('legacy')).evidence.lastChange, ruleId).toEqual({ changeType: 'Create', changedAt: daysAgo(NIGHT2, 5), ...WHO_CHANGED.legacy, operation: 'microsoft.containerregistry/registries/write' });
    }
    // No change recorded for wgbasic: no lastChange.
    expect(one(night2, 'registry.arm-audience-tokens-disabled', R('basic')).evidence).not.toHaveProperty('lastChange');
  });

  // Not visible through the CLI (a not-applicable result leaves no finding): the same night-2 rows through the real mapper
  // and the catalog rules show the SKU in the evidence of the Premium-only rules.
  it('the Premium-only rules are not applicable on Basic and Standard, conclusively, with the SKU in the evidence', () => {
    const rows = registries(2);
    const premiumOnly = ['registry.exports-disabled', 'registry.quarantine-enabled', 'registry.retention-enabled', 'registry.cmk-encrypted', 'registry.dedicated-data-endpoints'];
    const rules = RULES.filter((r) => premiumOnly.includes(r.id));
    for (const [k, sku] of [['team', 'Standard'], ['basic', 'Basic']] as const) {
      const registry = toRegistrySnapshot(rows.find((r) => String(r.id).toLowerCase() === R(k).toLowerCase()));
      const results = evaluateRules(rules, 'registry', [{ registry }], { now: NIGHT2, params: ruleParams() });
      expect(results.map((r) => [r.ruleId, r.status, r.conclusive, r.evidence.sku])).toEqual(premiumOnly.map((id) => [id, 'not_applicable', true, sku]));
    }
  });

  it('night 3 with a rule disabled: its open findings are kept as suppressed, not resolved', async () => {
    settings(2);
    process.env.AUDITOR_STORAGE = azurite.connectionString;
    process.env.AUDITOR_RULES_DISABLED = 'registry.abac-permissions-enabled';
    const t = capturedIo();
    const night3 = new Date(NIGHT2.getTime() + 86_400_000);
    expect(await main(['audit', '--estate', join(dir, 'woodgrove-2.json'), '--format', 'json', '--status', 'all', '--now', night3.toISOString()], t.value), t.err.join('\n')).toBe(0);
    const rows = (JSON.parse(t.out.join('\n')) as { findings: Row[] }).findings;
    const abac = rows.filter((f) => f.ruleId === 'registry.abac-permissions-enabled');
    // Open on night 2 (wgedge, wgbasic, wglegacy), suppressed now; those resolved on night 2 stay resolved.
    expect(abac.filter((f) => f.status !== 'resolved').map((f) => [f.resourceId.split('/').pop(), f.status]).sort()).toEqual([['wgbasic', 'suppressed'], ['wgedge', 'suppressed'], ['wglegacy', 'suppressed']]);
    expect(abac.filter((f) => f.status === 'resolved').map((f) => f.resourceId.split('/').pop()).sort()).toEqual(['wgprod', 'wgteam']);
    expect(on(rows, 'registry.arm-audience-tokens-disabled', R('edge')).map((f) => f.status)).toEqual(['open']);
  }, 60_000);

  it('with the baseline profile and a rule disabled, the disabled rule and the strict rules produce nothing; the others still do', async () => {
    cliEnvironment();
    process.env.AUDITOR_RULES_DISABLED = 'registry.abac-permissions-enabled';
    process.env.AUDITOR_APPROVED_REGISTRIES = 'wg*.azurecr.io,mcr.microsoft.com';
    const file = join(dir, 'woodgrove-2.json');
    const t = capturedIo();
    expect(await main(['audit', '--estate', file, '--format', 'json', '--status', 'all', '--now', NIGHT2.toISOString()], t.value), t.err.join('\n')).toBe(0);
    const rows = (JSON.parse(t.out.join('\n')) as { findings: Row[] }).findings;
    const rules = new Set(rows.map((f) => f.ruleId));
    expect(rules.has('registry.abac-permissions-enabled')).toBe(false);
    for (const strict of RULES.filter((r) => profileOf(r) === 'strict').map((r) => r.id)) expect(rules.has(strict), strict).toBe(false);
    // Without AUDITOR_REGISTRY_WRITERS / AUDITOR_APPROVED_PUSHERS those two rules are not applicable: no finding.
    expect(rules.has('registry.push-access-restricted')).toBe(false);
    expect(rules.has('image.pushed-by-approved-identity')).toBe(false);
    expect(on(rows, 'registry.arm-audience-tokens-disabled', R('edge')).map((f) => f.status)).toEqual(['open']);
    expect(on(rows, 'registry.scoped-tokens-disabled', tok('edge', 'partner-pull')).map((f) => f.status)).toEqual(['open']);
  }, 60_000);
});
