/**
 * The real inventory mappers and rule catalog, run over the demo estate's raw rows, agree with
 * DEMO_EXPECTATIONS. The collection steps the adapters do over the network (workspace lookup, admin
 * login query, image resolution, manifest content) are done here directly on the estate document.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_EXPECTATIONS, demoEstate } from '../../estates/demo.js';
import { DAY_MS, type JsonObject, type RepositoryContent } from '../../estates/build.js';
import type { ImageFacts, ProvenanceFacts, RegistryFacts, ResolvedImage, WorkloadImageFacts } from '../../shared/domain/snapshots.js';
import { tryParseImageReference } from '../../shared/domain/imageReference.js';
import { toDiagnosticSetting, toRegistrySnapshot, toWorkloadSnapshot } from '../../shared/inventory/mappers.js';
import { RESOURCE_TYPES } from '../../shared/inventory/queries.js';
import { isWorkloadType } from '../../shared/domain/workloadKinds.js';
import { RULES } from '../../shared/rules/catalog.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { ruleParams } from '../../shared/rules/params.js';
import type { RuleResult } from '../../shared/domain/finding.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');
const estate = demoEstate(NOW);
const ctx = { now: NOW, params: ruleParams({ approvedRegistries: DEMO_APPROVED_REGISTRIES, approvedBaseImages: DEMO_APPROVED_BASE_IMAGES }) };
const LOOKBACK = 30;

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
      return { registry, diagnosticSettings: settings, ...(adminLogins !== undefined ? { adminLogins } : {}) };
    });
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

function imageFacts(registries: RegistryFacts[]): ImageFacts[] {
  return registries.flatMap(({ registry }) =>
    Object.entries(estate.registryContent[registry.loginServer]!.repositories).flatMap(([repository, repo]) =>
      repo.manifests.map((m) => {
        const provenance = provenanceOf(repo, m.digest);
        return { registry, manifest: { repository, digest: m.digest, tags: m.tags, createdTime: m.createdTime, lastUpdateTime: m.lastUpdateTime }, ...(provenance ? { provenance } : {}) };
      }),
    ),
  );
}

function workloadImageFacts(): WorkloadImageFacts[] {
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
        return { workload, container, reference, resolved };
      }),
    );
}

describe('the rule catalog over the demo estate', () => {
  const registries = registryFacts();
  const results: RuleResult[] = [
    ...evaluateRules(RULES, 'registry', registries, ctx),
    ...evaluateRules(RULES, 'image', imageFacts(registries), ctx),
    ...evaluateRules(RULES, 'workloadImage', workloadImageFacts(), ctx),
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
