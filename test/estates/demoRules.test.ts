/**
 * The real inventory mappers and rule catalog, run over the demo estate's raw rows, agree with
 * DEMO_EXPECTATIONS. The collection steps the adapters do over the network (workspace lookup, admin
 * login query, image resolution, manifest content, Defender plans and sub-assessments) are done here
 * directly on the estate document.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_PUSHERS, DEMO_APPROVED_REGISTRIES, DEMO_APPROVED_SIGNERS, DEMO_EXPECTATIONS, DEMO_REGISTRY_WRITERS, DEMO_SIGNATURE_REQUIRED, demoEstate } from '../../estates/demo.js';
import { collectRegistryWriters, writersOf, type RegistryWritersIndex } from '../../shared/inventory/roleAssignments.js';
import { isApprovedWriter } from '../../shared/rules/params.js';
import { pushedByOf, type RegistryPushes } from '../../shared/usecases/pushRecords.js';
import type { ImagePushRecord } from '../../shared/usecases/ports.js';
import { referrersNeeded } from '../../shared/rules/supplyChain.js';
import { releaseTagsOf as releaseTagNames, tagWritable } from '../../shared/rules/supplyChain.js';
import { UntaggedTally } from '../../shared/usecases/supplyChainFacts.js';
import { signatureRequiredBy } from '../../shared/rules/params.js';
import type { ImageReference } from '../../shared/domain/imageReference.js';
import type { ReferrerFacts, ReleaseTagFacts, RepositoryFacts } from '../../shared/domain/snapshots.js';
import { DAY_MS, type JsonObject, type RepositoryContent } from '../../estates/build.js';
import type { ImageFacts, ManagedEnvironmentFacts, ProvenanceFacts, RegistryFacts, ResolvedImage, WorkloadFacts, WorkloadImageFacts } from '../../shared/domain/snapshots.js';
import { tryParseImageReference } from '../../shared/domain/imageReference.js';
import { toDiagnosticSetting, toRegistrySnapshot, toWorkloadSnapshot } from '../../shared/inventory/mappers.js';
import { replicationLocationOf, toCacheRuleSnapshot, toTokenSnapshot } from '../../shared/inventory/registryChildren.js';
import { RESOURCE_TYPES } from '../../shared/inventory/queries.js';
import { isWorkloadType, siteContainerOf } from '../../shared/domain/workloadKinds.js';
import { completeWorkloads } from '../../shared/usecases/completeWorkloads.js';
import type { AuditDeps } from '../../shared/usecases/common.js';
import { RULES } from '../../shared/rules/catalog.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { ruleParams } from '../../shared/rules/params.js';
import type { RuleResult } from '../../shared/domain/finding.js';
import type { DefenderPlanFacts, ImageVulnerabilities } from '../../shared/domain/vulnerabilities.js';
import { DefenderSource, toDefenderPlan } from '../../shared/inventory/defender.js';
import { imageVulnerabilityFacts, scanningOf } from '../../shared/usecases/defenderFacts.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');
const estate = demoEstate(NOW);
const ctx = { now: NOW, params: ruleParams({ approvedRegistries: DEMO_APPROVED_REGISTRIES, approvedBaseImages: DEMO_APPROVED_BASE_IMAGES, signatureRequired: DEMO_SIGNATURE_REQUIRED, approvedSigners: DEMO_APPROVED_SIGNERS, registryWriters: DEMO_REGISTRY_WRITERS, approvedPushers: DEMO_APPROVED_PUSHERS }) };
const LOOKBACK = 30;

/** Defender plans of the demo subscriptions, from the estate's pricings rows. */
const plans = new Map<string, DefenderPlanFacts>(
  estate.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), { subscriptionId: s.subscriptionId.toLowerCase() }]),
);
for (const row of estate.securityresources.filter((r) => r.type === 'microsoft.security/pricings' && r.name === 'Containers')) {
  const plan = toDefenderPlan(row);
  if (plan) plans.set(plan.subscriptionId, plan);
}

/** A sub-assessment row projected as shared/inventory/queries.ts imageVulnerabilitiesQuery projects it. */
function projected(row: JsonObject): Record<string, unknown> {
  const p = row.properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const a = p.additionalData;
  return {
    id: row.id, registryHost: a.artifactDetails.registryHost, repository: a.artifactDetails.repositoryName, digest: a.artifactDetails.digest,
    cve: a.vulnerabilityDetails.cveId, severity: a.vulnerabilityDetails.severity, published: a.vulnerabilityDetails.publishedDate,
    exploit: a.vulnerabilityDetails.exploitabilityAssessment, cvss: a.cvssV30Score, packageName: a.softwareDetails.packageName, version: a.softwareDetails.version,
    fixedVersion: a.softwareDetails.fixedVersion, fixStatus: a.softwareDetails.fixStatus, statusCode: p.status?.code, statusCause: p.status?.cause ?? '',
    statusDescription: p.status?.description ?? '', timeGenerated: p.timeGenerated,
  };
}
const subAssessments = estate.securityresources
  .filter((r) => r.type === 'microsoft.security/assessments/subassessments' && (r.properties as any).additionalData?.assessedResourceType === 'AzureContainerRegistryVulnerability') // eslint-disable-line @typescript-eslint/no-explicit-any
  .map(projected);

/** Per registry host: digest -> summary, folded by the real adapter over the rows of that registry (the query's filter, done here). */
async function vulnerabilitiesByHost(): Promise<Map<string, Map<string, ImageVulnerabilities>>> {
  const out = new Map<string, Map<string, ImageVulnerabilities>>();
  for (const host of new Set(subAssessments.map((r) => String(r.registryHost).toLowerCase()))) {
    const rows = subAssessments.filter((r) => String(r.registryHost).toLowerCase() === host);
    const source = new DefenderSource({ query: async function* () { yield* rows; } });
    out.set(host, await source.registryVulnerabilities(host, '', ctx.params.vulnerabilities, NOW));
  }
  return out;
}

/** Write-capable role assignments of the demo, folded by the real adapter code (the query's filter done by the fold). */
async function writersIndex(): Promise<RegistryWritersIndex> {
  const ancestry = new Map(estate.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), ((s.properties as { managementGroupAncestorsChain?: Array<{ name: string }> } | undefined)?.managementGroupAncestorsChain ?? []).map((g) => g.name.toLowerCase())] as [string, string[]]));
  return collectRegistryWriters((async function* () { yield* estate.authorizationresources as JsonObject[]; })(), { relevant: () => true, approved: (p) => isApprovedWriter(ctx.params, p), ancestry });
}

/** Pushes per login server: successful pushes of the look-back window in every workspace, grouped as imagePushesQuery groups them. */
function pushesByServer(): Map<string, RegistryPushes> {
  const out = new Map<string, Map<string, Map<string, ImagePushRecord>>>();
  for (const tables of Object.values(estate.logs)) {
    for (const r of tables.ContainerRegistryRepositoryEvents ?? []) {
      if (r.OperationName !== 'Push' || !['200', '201'].includes(String(r.ResultType)) || NOW.getTime() - Date.parse(String(r.TimeGenerated)) > LOOKBACK * DAY_MS) continue;
      const server = String(r.LoginServer).toLowerCase();
      const byImage = out.get(server) ?? new Map<string, Map<string, ImagePushRecord>>();
      const key = `${r.Repository}@${r.Digest}`;
      const byIdentity = byImage.get(key) ?? new Map<string, ImagePushRecord>();
      const known = byIdentity.get(String(r.Identity));
      byIdentity.set(String(r.Identity), { identity: String(r.Identity), pushes: (known?.pushes ?? 0) + 1, lastPush: String(r.TimeGenerated), tags: [String(r.Tag)] });
      byImage.set(key, byIdentity);
      out.set(server, byImage);
    }
  }
  return new Map([...out].map(([server, m]) => [server, { status: 'read' as const, lookbackDays: LOOKBACK, byImage: new Map([...m].map(([k, v]) => [k, [...v.values()]])) }]));
}

function registryFacts(): RegistryFacts[] {
  const customerIdOf = new Map(
    estate.resources.filter((r) => r.type === 'microsoft.operationalinsights/workspaces').map((w) => [(w.id as string).toLowerCase(), (w.properties as JsonObject).customerId as string]),
  );
  return estate.resources
    .filter((r) => r.type === RESOURCE_TYPES.registry)
    .map((row) => {
      const registry = toRegistrySnapshot(row);
      const settings = (estate.diagnosticSettings[registry.id] ?? []).map(toDiagnosticSetting);
      const loginWs = settings.find((s) => s.destinations.workspaceId && s.enabledCategories.some((c) => ['ContainerRegistryLoginEvents', 'allLogs', 'audit'].includes(c)))?.destinations.workspaceId;
      let adminLogins: RegistryFacts['adminLogins'];
      if (registry.adminUserEnabled) {
        const customerId = loginWs ? customerIdOf.get(loginWs.toLowerCase()) : undefined;
        if (!customerId) adminLogins = null;
        else {
          const rows = (estate.logs[customerId]?.ContainerRegistryLoginEvents ?? []).filter(
            (x) => String(x.LoginServer).toLowerCase() === registry.loginServer && String(x.Identity).toLowerCase() === registry.name.toLowerCase() && x.ResultType === '200' && NOW.getTime() - Date.parse(String(x.TimeGenerated)) < LOOKBACK * DAY_MS,
          );
          adminLogins = { source: 'logs', workspaceId: customerId, lookbackDays: LOOKBACK, count: rows.length, callerIpAddresses: [], userAgents: [] };
        }
      }
      const defenderPlan = plans.get(registry.subscriptionId.toLowerCase());
      // Issue 13: the ARM lists of tokens and cache rules (the emulator answers [] without an entry, and the home
      // replica for a Premium registry), and the soft delete policy of the preview read (the row carries it here).
      const children = estate.registryChildren?.[registry.id] ?? {};
      const tokens = (children.tokens ?? []).map((x) => toTokenSnapshot(x, registry.id));
      const cacheRules = (children.cacheRules ?? []).map((x) => toCacheRuleSnapshot(x, registry.id));
      const replicationLocations = registry.sku === 'Premium' ? (children.replications ?? [{ location: registry.location }]).map((x) => replicationLocationOf(x, registry.id)) : undefined;
      const softDelete = { policy: registry.policies?.softDelete ?? null, ...(replicationLocations ? { replicationLocations } : {}) };
      return { registry, diagnosticSettings: settings, ...(adminLogins !== undefined ? { adminLogins } : {}), ...(defenderPlan ? { defenderPlan } : {}), tokens, cacheRules, softDelete };
    });
}

/**
 * Issue 15: dangling manifests tallied over each repository's listing (as the nightly shard feeds it: one subject per
 * repository listed in full), the tag listing's
 * attributes of a manifest's release tags (and its repository's, when a tag is writable), and the referrers of a running
 * digest where signatures are required, all answered from the estate document as the emulator answers them.
 */
function repositoriesOf(registry: RegistryFacts['registry']): RepositoryFacts[] {
  const tally = new UntaggedTally(NOW.getTime() - ctx.params.untaggedMaxDays * DAY_MS, ctx.params.untaggedMaxDays);
  return Object.entries(estate.registryContent[registry.loginServer]?.repositories ?? {}).map(([repository, repo]) => {
    for (const m of repo.manifests) tally.add(repository, { ...m, deleteEnabled: m.changeableAttributes.deleteEnabled });
    return { registry, repository, untagged: tally.finish(repository) };
  });
}

function releaseTagsOf(repo: RepositoryContent, m: RepositoryContent['manifests'][number]): { releaseTags?: ReleaseTagFacts } {
  const wanted = releaseTagNames(ctx.params, m.tags);
  if (!wanted.length) return {};
  const tags = wanted.map((name) => ({ name, digest: m.digest, writeEnabled: m.tagAttributes?.[name]?.writeEnabled ?? true, deleteEnabled: m.tagAttributes?.[name]?.deleteEnabled ?? true }));
  const attrs = (repo as { changeableAttributes?: { writeEnabled?: boolean; deleteEnabled?: boolean } }).changeableAttributes;
  const repository = { writeEnabled: attrs?.writeEnabled ?? true, deleteEnabled: attrs?.deleteEnabled ?? true };
  return { releaseTags: tags.some(tagWritable) ? { tags, repository } : { tags } };
}

function runningReferrers(reference: ImageReference, resolved: ResolvedImage): { referrers?: ReferrerFacts[] } {
  if (resolved.status !== 'found' || signatureRequiredBy(ctx.params, reference.repository) === undefined) return {};
  const m = estate.registryContent[reference.registry]?.repositories[reference.repository]?.manifests.find((x) => x.digest === resolved.digest);
  return { referrers: (m?.referrers ?? []).map((r) => ({ digest: r.digest, mediaType: r.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', ...(r.artifactType ? { artifactType: r.artifactType } : {}), annotations: r.annotations ?? {} })) };
}

function provenanceOf(repo: RepositoryContent, digest: string, platform?: string): ProvenanceFacts | undefined {
  const m = repo.manifests.find((x) => x.digest === digest);
  if (!m?.content) return undefined;
  const c = m.content as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const annotations = (c.annotations ?? {}) as Record<string, string>;
  if (Array.isArray(c.manifests)) {
    return {
      kind: 'index', digest, annotations, labels: {},
      children: c.manifests.map((d: { digest: string; platform: { os: string; architecture: string } }) => provenanceOf(repo, d.digest, `${d.platform.os}/${d.platform.architecture}`)!),
    };
  }
  const blob = repo.blobs?.[c.config.digest] as { config?: { Labels?: Record<string, string> } } | undefined;
  return { kind: 'manifest', digest, ...(platform ? { platform } : {}), annotations, labels: blob?.config?.Labels ?? {}, children: [] };
}

function imageFacts(registries: RegistryFacts[], vulns: Map<string, Map<string, ImageVulnerabilities>>): ImageFacts[] {
  return registries.flatMap(({ registry, defenderPlan }) =>
    Object.entries(estate.registryContent[registry.loginServer]!.repositories).flatMap(([repository, repo]) =>
      repo.manifests.map((m) => {
        const provenance = provenanceOf(repo, m.digest);
        const vulnerabilities = imageVulnerabilityFacts(registry, defenderPlan, vulns.get(registry.loginServer) ?? new Map(), m.digest, m.lastUpdateTime);
        const manifest = { repository, digest: m.digest, tags: m.tags, createdTime: m.createdTime, lastUpdateTime: m.lastUpdateTime };
        // The referrers API's descriptors, read where the auditor reads them (signing required, tagged).
        const referrers = referrersNeeded(RULES.map((r) => r.id), ctx.params, manifest)
          ? (m.referrers ?? []).map((r) => ({ digest: r.digest, mediaType: r.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', ...(r.artifactType ? { artifactType: r.artifactType } : {}), annotations: r.annotations ?? {} }))
          : undefined;
        const pushedBy = pushedByOf(pushesByServer().get(registry.loginServer), repository, m.digest);
        return {
          registry,
          manifest,
          ...(pushedBy ? { pushedBy } : {}),
          ...(referrers ? { referrers } : {}),
          ...releaseTagsOf(repo, m),
          ...(provenance ? { provenance } : {}),
          ...(vulnerabilities ? { vulnerabilities } : {}),
        };
      }),
    ),
  );
}

function workloadImageFacts(registries: RegistryFacts[], vulns: Map<string, Map<string, ImageVulnerabilities>>): WorkloadImageFacts[] {
  return estate.resources
    .filter((r) => isWorkloadType(r.type))
    .map(toWorkloadSnapshot)
    .flatMap((workload) =>
      workload.containers.map((container) => {
        const { reference, error } = tryParseImageReference(container.image);
        if (!reference) return { workload, container, referenceError: error! };
        const content = estate.registryContent[reference.registry];
        let resolved: ResolvedImage;
        if (!content) resolved = { status: 'not_audited', detail: `${reference.registry} is not in the audited estate` };
        else {
          const m = content.repositories[reference.repository]?.manifests.find((x) => (reference.digest ? x.digest === reference.digest : x.tags.includes(reference.tag ?? 'latest')));
          resolved = m ? { status: 'found', digest: m.digest, lastUpdateTime: m.lastUpdateTime, tags: m.tags } : { status: 'not_found', detail: `${reference.repository} has no such tag or digest` };
        }
        const registry = registries.find((r) => r.registry.loginServer === reference.registry)?.registry;
        const vulnerabilities =
          resolved.status === 'found' && registry
            ? { scanning: scanningOf(registry, plans.get(registry.subscriptionId.toLowerCase())), vulnerabilities: vulns.get(registry.loginServer)?.get(resolved.digest) ?? null, lastUpdateTime: resolved.lastUpdateTime }
            : undefined;
        return { workload, container, reference, resolved, ...(vulnerabilities ? { vulnerabilities } : {}), ...runningReferrers(reference, resolved) };
      }),
    );
}

/**
 * Workload-level subjects (issue 14): the real `completeWorkloads` step over the estate document, its reads
 * (Container Apps environments, App Service sitecontainers and config/web, diagnostic settings) answered from
 * the document as the emulator answers them.
 */
async function workloadFacts(): Promise<WorkloadFacts[]> {
  const snapshots = estate.resources.filter((r) => isWorkloadType(r.type)).map(toWorkloadSnapshot);
  const byId = (id: string) => estate.resources.find((r) => (r.id as string).toLowerCase() === id.toLowerCase());
  const armOnly = (estate as { armOnly?: Record<string, JsonObject> }).armOnly ?? {};
  const deps = {
    config: { concurrency: 4 },
    azure: {
      graph: {
        listManagedEnvironments: async (sub: string) => {
          const out = new Map<string, ManagedEnvironmentFacts>();
          for (const r of estate.resources.filter((x) => x.type === 'microsoft.app/managedenvironments' && x.subscriptionId === sub)) {
            const p = r.properties as { vnetConfiguration?: { internal?: boolean; infrastructureSubnetId?: string } | null; appLogsConfiguration?: { destination?: string | null } | null };
            out.set((r.id as string).toLowerCase(), { id: r.id as string, internal: p.vnetConfiguration?.internal === true, subnet: !!p.vnetConfiguration?.infrastructureSubnetId, logsDestination: p.appLogsConfiguration?.destination ?? null });
          }
          return out;
        },
      },
      arm: {
        listChildContainers: async (id: string) => ((armOnly[`${id}/sitecontainers`]?.value as unknown[] | undefined) ?? []).map((c, i) => siteContainerOf(c, i)),
        getSiteConfig: async (id: string) => ((armOnly[`${id}/config/web`]?.properties ?? (byId(id)!.properties as JsonObject).siteConfig) as Record<string, never>),
        listDiagnosticSettings: async (id: string) => (estate.diagnosticSettings[id] ?? []).map(toDiagnosticSetting),
      },
    },
  } as unknown as AuditDeps;
  const out: WorkloadFacts[] = [];
  for (const s of estate.subscriptions) {
    const completed = await completeWorkloads(deps, s.subscriptionId, snapshots.filter((w) => w.subscriptionId === s.subscriptionId.toLowerCase()));
    expect(completed.gaps).toEqual([]);
    out.push(...completed.workloads.map((workload) => ({ workload })));
  }
  return out;
}

describe('the rule catalog over the demo estate', async () => {
  const index = await writersIndex();
  const registries = registryFacts().map((f) => ({ ...f, writers: writersOf(index, f.registry.id) }));
  const vulns = await vulnerabilitiesByHost();
  const results: RuleResult[] = [
    ...evaluateRules(RULES, 'registry', registries, ctx),
    ...evaluateRules(RULES, 'registryToken', registries.flatMap((f) => (f.tokens ?? []).map((token) => ({ registry: f.registry, token }))), ctx),
    ...evaluateRules(RULES, 'cacheRule', registries.flatMap((f) => (f.cacheRules ?? []).map((cacheRule) => ({ registry: f.registry, cacheRule }))), ctx),
    ...evaluateRules(RULES, 'repository', registries.flatMap((f) => repositoriesOf(f.registry)), ctx),
    ...evaluateRules(RULES, 'image', imageFacts(registries, vulns), ctx),
    ...evaluateRules(RULES, 'workloadImage', workloadImageFacts(registries, vulns), ctx),
    ...evaluateRules(RULES, 'workload', await workloadFacts(), ctx),
    ...evaluateRules(RULES, 'subscription', [...plans.values()].map((defenderPlan) => ({ subscriptionId: defenderPlan.subscriptionId, defenderPlan })), ctx),
  ];

  it('maps every raw row without a mapping error and raises no rule error', () => {
    expect(results.filter((r) => r.status === 'error')).toEqual([]);
  });

  for (const [ruleId, e] of Object.entries(DEMO_EXPECTATIONS)) {
    it(`${ruleId} answers as DEMO_EXPECTATIONS says`, () => {
      const statusOf = (resourceId: string, subject: string) =>
        results.filter((r) => r.ruleId === ruleId && r.resourceId === resourceId && r.subject === subject).map((r) => r.status);
      for (const s of e.fail) expect(statusOf(s.resourceId, s.subject), `fail ${s.subject}`).toEqual(['fail']);
      for (const s of e.pass) expect(statusOf(s.resourceId, s.subject), `pass ${s.subject}`).toEqual(['pass']);
      for (const s of e.notApplicable ?? []) expect(statusOf(s.resourceId, s.subject), `n/a ${s.subject}`).toEqual(['not_applicable']);
    });
  }
});
