import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { SYNTHETIC_SIZES, syntheticEstate, type SyntheticOptions } from '../../estates/synthetic.js';
import { subAssessmentRow, type EstateDocument, type JsonObject } from '../../estates/build.js';
import { tryParseImageReference } from '../../shared/domain/imageReference.js';
import { toRegistrySnapshot, toWorkloadSnapshot } from '../../shared/inventory/mappers.js';
import { RESOURCE_TYPES } from '../../shared/inventory/queries.js';
import { isWorkloadType } from '../../shared/domain/workloadKinds.js';
import { estateSchema } from './estateSchema.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');

const hash = (e: EstateDocument) => createHash('sha256').update(JSON.stringify(e)).digest('hex');

function counts(e: EstateDocument) {
  let manifests = 0;
  let repositories = 0;
  for (const c of Object.values(e.registryContent)) {
    for (const r of Object.values(c.repositories)) {
      repositories++;
      manifests += r.manifests.length;
    }
  }
  return {
    registries: e.resources.filter((r) => r.type === RESOURCE_TYPES.registry).length,
    workloads: e.resources.filter((r) => isWorkloadType(r.type)).length,
    repositories,
    manifests,
  };
}

describe('syntheticEstate', () => {
  const small = syntheticEstate({ ...SYNTHETIC_SIZES.small, now: NOW });

  it('is deterministic: same options, same JSON; another seed, another estate', () => {
    expect(hash(syntheticEstate({ ...SYNTHETIC_SIZES.small, now: NOW }))).toBe(hash(small));
    expect(hash(syntheticEstate({ ...SYNTHETIC_SIZES.small, seed: 99, now: NOW }))).not.toBe(hash(small));
  });

  it('passes the top-level estate check and maps with the real mappers', () => {
    expect(estateSchema.safeParse(JSON.parse(JSON.stringify(small))).error).toBeUndefined();
    for (const r of small.resources.filter((x) => x.type === RESOURCE_TYPES.registry)) expect(() => toRegistrySnapshot(r)).not.toThrow();
    for (const w of small.resources.filter((x) => isWorkloadType(x.type))) expect(() => toWorkloadSnapshot(w)).not.toThrow();
  });

  it('has the requested sizes', () => {
    const o = SYNTHETIC_SIZES.small;
    expect(small.subscriptions).toHaveLength(o.subscriptions);
    expect(counts(small)).toEqual({
      registries: o.registries,
      workloads: o.workloads,
      repositories: o.registries * o.repositoriesPerRegistry,
      manifests: o.registries * o.repositoriesPerRegistry * o.manifestsPerRepository,
    });
  });

  it('mixes SKUs, admin settings, diagnostic settings and workload kinds, and carries emulator options', () => {
    const opts: SyntheticOptions = { ...SYNTHETIC_SIZES.medium, now: NOW, latencyMs: { registry: 5 }, quotas: { resourceGraph: { requests: 15, perSeconds: 5 } } };
    const e = syntheticEstate(opts);
    const regs = e.resources.filter((r) => r.type === RESOURCE_TYPES.registry);
    expect(new Set(regs.map((r) => (r.sku as JsonObject).name))).toEqual(new Set(['Basic', 'Standard', 'Premium']));
    const admin = regs.filter((r) => (r.properties as JsonObject).adminUserEnabled === true).length;
    expect(admin).toBeGreaterThan(0);
    expect(admin).toBeLessThan(regs.length);
    const settings = Object.values(e.diagnosticSettings);
    expect(settings.some((s) => s.length === 0)).toBe(true);
    expect(settings.some((s) => s.length > 0)).toBe(true);
    expect(Object.values(e.logs).some((t) => (t.ContainerRegistryLoginEvents ?? []).length > 0)).toBe(true);
    // The four kinds synthetic.ts builds (a new kind need not be added there: its own test covers it).
    expect(new Set(e.resources.filter((r) => isWorkloadType(r.type)).map((r) => r.type)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(e.resources.filter((r) => isWorkloadType(r.type)).map((r) => r.subscriptionId)).size).toBe(opts.subscriptions);
    expect(e.emulator).toEqual({ latencyMs: { registry: 5 }, quotas: { resourceGraph: { requests: 15, perSeconds: 5 } } });
  });

  it('has workloads whose images mostly exist in the generated registries', () => {
    const e = syntheticEstate({ ...SYNTHETIC_SIZES.medium, now: NOW });
    const images = e.resources.filter((r) => isWorkloadType(r.type)).flatMap((r) => toWorkloadSnapshot(r).containers.map((c) => c.image));
    let found = 0;
    let invalid = 0;
    for (const image of images) {
      const { reference } = tryParseImageReference(image);
      if (!reference) {
        invalid++;
        continue;
      }
      const repo = e.registryContent[reference.registry]?.repositories[reference.repository];
      if (repo?.manifests.some((m) => m.tags.includes(reference.tag ?? 'latest'))) found++;
    }
    expect(found / images.length).toBeGreaterThan(0.7);
    expect(invalid).toBeGreaterThan(0);
    expect(invalid / images.length).toBeLessThan(0.05);
  });

  it('has stale repositories and untagged old manifests in proportion', () => {
    const e = syntheticEstate({ ...SYNTHETIC_SIZES.medium, now: NOW, staleFraction: 0.5 });
    const newest = Object.values(e.registryContent).flatMap((c) => Object.values(c.repositories).map((r) => Date.parse(r.manifests[0]!.lastUpdateTime)));
    const stale = newest.filter((t) => NOW.getTime() - t > 120 * 86_400_000).length / newest.length;
    expect(stale).toBeGreaterThan(0.35);
    expect(stale).toBeLessThan(0.65);
    const all = Object.values(e.registryContent).flatMap((c) => Object.values(c.repositories).flatMap((r) => r.manifests));
    expect(all.some((m) => m.tags.length === 0)).toBe(true);
  });

  it('generates the large preset (>= 100 registries, 200,000 manifests, 10,000 workloads) within a sane heap', () => {
    const o = SYNTHETIC_SIZES.large;
    expect(o.registries).toBeGreaterThanOrEqual(100);
    expect(o.registries * o.repositoriesPerRegistry * o.manifestsPerRepository).toBeGreaterThanOrEqual(200_000);
    expect(o.workloads).toBeGreaterThanOrEqual(10_000);
    const before = process.memoryUsage().heapUsed;
    const e = syntheticEstate({ ...o, now: NOW });
    const c = counts(e);
    expect(c.registries).toBe(o.registries);
    expect(c.manifests).toBe(o.registries * o.repositoriesPerRegistry * o.manifestsPerRepository);
    expect(c.workloads).toBe(o.workloads);
    // A sanity bound, not a benchmark: compact manifests keep the estate well under 1 GB of heap.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(1_000_000_000);
    const digests = new Set<string>();
    for (const rc of Object.values(e.registryContent)) for (const r of Object.values(rc.repositories)) for (const m of r.manifests) digests.add(m.digest);
    expect(digests.size).toBe(c.manifests);
  });
});

describe('syntheticEstate: Defender sub-assessments (issue 12)', () => {
  const o = { ...SYNTHETIC_SIZES.small, now: NOW };
  const e = syntheticEstate(o);
  const subs = e.securityresources.filter((r) => r.type === 'microsoft.security/assessments/subassessments');

  it('has subAssessmentsPerManifest rows per manifest and a Containers pricing row per subscription; none by default', () => {
    expect(subs).toHaveLength(o.registries * o.repositoriesPerRegistry * o.manifestsPerRepository * o.subAssessmentsPerManifest);
    expect(e.securityresources.filter((r) => r.type === 'microsoft.security/pricings')).toHaveLength(o.subscriptions);
    expect(new Set(subs.map((r) => r.id)).size).toBe(subs.length);
    expect(syntheticEstate({ ...o, subAssessmentsPerManifest: 0 }).securityresources).toEqual([]);
  });

  it('leaves the rest of the estate as it was (its own PRNG)', () => {
    const without = syntheticEstate({ ...o, subAssessmentsPerManifest: 0 });
    expect(hash({ ...e, securityresources: [] })).toBe(hash(without));
  });

  it('rows have the wire shape of the demo (subAssessmentRow) and mix severities, fixes and exemptions', () => {
    const row = JSON.parse(JSON.stringify(subs[0])) as JsonObject;
    const p = row.properties as JsonObject;
    const ad = p.additionalData as JsonObject;
    const art = ad.artifactDetails as JsonObject;
    const vd = ad.vulnerabilityDetails as JsonObject;
    const sd = ad.softwareDetails as JsonObject;
    const expected = subAssessmentRow({
      tenantId: row.tenantId as string, registryId: (row.id as string).split('/providers/Microsoft.Security/')[0]!, subscriptionId: row.subscriptionId as string,
      resourceGroup: row.resourceGroup as string, loginServer: art.registryHost as string, repository: art.repositoryName as string, digest: art.digest as string,
      tags: art.tags as string[], pushedAt: art.lastPushedToRegistryUTC as string, cve: p.id as string, severity: vd.severity as 'High',
      packageName: sd.packageName as string, version: sd.version as string, ...(sd.fixedVersion ? { fixedVersion: sd.fixedVersion as string } : {}),
      publishedDate: vd.publishedDate as string, timeGenerated: p.timeGenerated as string, cvss: ad.cvssV30Score as number,
    });
    expect({ ...row, id: '', name: '' }).toEqual({ ...expected, id: '', name: '' });
    const sev = (r: JsonObject) => ((r.properties as JsonObject).status as JsonObject).severity;
    expect(new Set(subs.map(sev))).toEqual(new Set(['Low', 'Medium', 'High', 'Critical']));
    expect(subs.some((r) => ((r.properties as JsonObject).status as JsonObject).cause === 'Exempt')).toBe(true);
    const fixStatus = (r: JsonObject) => (((r.properties as JsonObject).additionalData as JsonObject).softwareDetails as JsonObject).fixStatus;
    expect(new Set(subs.map(fixStatus))).toEqual(new Set(['FixAvailable', 'NoFixAvailable']));
  });

  it('shares frozen CVE and image sub-objects (bounded memory at 1,000,000 rows)', () => {
    const ad = (r: JsonObject) => (r.properties as JsonObject).additionalData as JsonObject;
    const byCve = new Map<unknown, JsonObject>();
    for (const r of subs) {
      const cve = (r.properties as JsonObject).id;
      const first = byCve.get(cve);
      if (first) expect(ad(r).vulnerabilityDetails).toBe(ad(first).vulnerabilityDetails);
      else byCve.set(cve, r);
    }
    expect(byCve.size).toBeLessThanOrEqual(40);
    expect(ad(subs[1]!).artifactDetails).toBe(ad(subs[0]!).artifactDetails);
    expect(Object.isFrozen(ad(subs[0]!).softwareDetails)).toBe(true);
  });
});
