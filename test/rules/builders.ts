/** Typed builders for rule tests: compliant defaults, override what the case is about. */
import { tryParseImageReference } from '../../shared/domain/imageReference.js';
import type {
  ImageFacts,
  ManifestSnapshot,
  ProvenanceFacts,
  RegistryFacts,
  RegistrySnapshot,
  RepositoryFacts,
  RepositoryUntaggedFacts,
  ResolvedImage,
  WorkloadContainer,
  WorkloadImageFacts,
  WorkloadSnapshot,
} from '../../shared/domain/snapshots.js';
import { DAY_MS, type EvaluationContext } from '../../shared/rules/kit.js';
import { ruleParams, type RuleParamsInput } from '../../shared/rules/params.js';

/** The fixed clock of every rule test. */
export const NOW = new Date('2025-06-15T12:00:00.000Z');

export function daysAgo(days: number, now: Date = NOW): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000001';

/** A registry; `networkRuleSet: null` builds one without firewall rules (Basic and Standard SKUs). */
export function aRegistry(overrides: Partial<Omit<RegistrySnapshot, 'networkRuleSet'>> & { networkRuleSet?: RegistrySnapshot['networkRuleSet'] | null } = {}): RegistrySnapshot {
  const name = overrides.name ?? 'contosoprod';
  const { networkRuleSet, ...rest } = overrides;
  const built: RegistrySnapshot = {
    id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/${name}`,
    name,
    subscriptionId: SUBSCRIPTION,
    resourceGroup: 'rg-acr',
    location: 'westeurope',
    sku: 'Premium',
    loginServer: `${name}.azurecr.io`,
    adminUserEnabled: false,
    anonymousPullEnabled: false,
    publicNetworkAccess: 'Disabled',
    networkRuleSet: { defaultAction: 'Deny', ipRuleCount: 0 },
    privateEndpointCount: 1,
    tags: {},
    ...rest,
  };
  if (networkRuleSet === null) delete built.networkRuleSet;
  else if (networkRuleSet !== undefined) built.networkRuleSet = networkRuleSet;
  return built;
}

export function registryFacts(overrides: Partial<Omit<RegistryFacts, 'registry'>> & { registry?: Parameters<typeof aRegistry>[0] } = {}): RegistryFacts {
  const { registry, ...rest } = overrides;
  return { registry: aRegistry(registry), ...rest };
}

/** A repository listed in full (issue 15): none of its untagged manifests older than 30 days unless `untagged` says so. */
export function repositoryFacts(
  overrides: { registry?: Parameters<typeof aRegistry>[0]; repository?: string; untagged?: Partial<RepositoryUntaggedFacts> } = {},
): RepositoryFacts {
  return {
    registry: aRegistry(overrides.registry),
    repository: overrides.repository ?? 'team/api',
    untagged: { olderThanDays: 30, count: 0, notCounted: { possibleIndexChildren: 0, artifacts: 0, locked: 0 }, ...overrides.untagged },
  };
}

export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const CHILD_AMD64 = `sha256:${'b'.repeat(64)}`;
export const CHILD_ARM64 = `sha256:${'c'.repeat(64)}`;

export function aManifest(overrides: Partial<ManifestSnapshot> = {}): ManifestSnapshot {
  return {
    repository: 'team/api',
    digest: DIGEST,
    tags: ['1.0.0'],
    createdTime: daysAgo(3),
    lastUpdateTime: daysAgo(3),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...overrides,
  };
}

export const SOURCE = 'org.opencontainers.image.source';
export const REVISION = 'org.opencontainers.image.revision';
export const BASE_NAME = 'org.opencontainers.image.base.name';

export function aProvenance(overrides: Partial<ProvenanceFacts> = {}): ProvenanceFacts {
  return { kind: 'manifest', digest: DIGEST, annotations: {}, labels: {}, children: [], ...overrides };
}

export function aPlatform(platform: string, overrides: Partial<ProvenanceFacts> = {}): ProvenanceFacts {
  return aProvenance({ platform, digest: platform.includes('arm') ? CHILD_ARM64 : CHILD_AMD64, ...overrides });
}

export function anImage(
  overrides: { registry?: Partial<RegistrySnapshot>; manifest?: Partial<ManifestSnapshot>; provenance?: ProvenanceFacts } = {},
): ImageFacts {
  return {
    registry: aRegistry(overrides.registry),
    manifest: aManifest(overrides.manifest),
    ...(overrides.provenance ? { provenance: overrides.provenance } : {}),
  };
}

export interface WorkloadImageInput {
  image?: string;
  containerName?: string;
  role?: WorkloadContainer['role'];
  workload?: Partial<WorkloadSnapshot>;
  resolved?: ResolvedImage;
}

/** A container of a workload; `reference` / `referenceError` come from parsing `image` as the inventory does. */
export function aWorkloadImage(input: WorkloadImageInput = {}): WorkloadImageFacts {
  const container: WorkloadContainer = { name: input.containerName ?? 'api', role: input.role ?? 'main', image: input.image ?? 'contosoprod.azurecr.io/team/api:1.0.0' };
  const workload: WorkloadSnapshot = {
    id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-apps/providers/Microsoft.App/containerApps/api`,
    name: 'api',
    kind: 'containerApp',
    subscriptionId: SUBSCRIPTION,
    resourceGroup: 'rg-apps',
    location: 'westeurope',
    tags: {},
    containers: [container],
    ...input.workload,
  };
  const { reference, error } = tryParseImageReference(container.image);
  return {
    workload,
    container,
    ...(reference ? { reference } : {}),
    ...(error !== undefined ? { referenceError: error } : {}),
    ...(input.resolved ? { resolved: input.resolved } : {}),
  };
}

export const APPROVED = ['*.azurecr.io', 'mcr.microsoft.com'];

/** An evaluation context at `NOW`; by default any *.azurecr.io and MCR are approved. */
export function ctx(params: RuleParamsInput = {}, now: Date = NOW): EvaluationContext {
  return { now, params: ruleParams({ approvedRegistries: APPROVED, ...params }) };
}
