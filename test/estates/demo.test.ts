/* eslint-disable @typescript-eslint/no-explicit-any -- the tests walk raw Azure-shaped JSON, as the emulator serves it */
import { describe, expect, it } from 'vitest';
import { DEMO_APPROVED_REGISTRIES, DEMO_EXPECTATIONS, DEMO_REGISTRIES, DEMO_WORKSPACES, demoEstate, demoImageFacts, demoWorkloadImages } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { DAY_MS, digestOf, type JsonObject } from '../../estates/build.js';
import { parseImageReference, tryParseImageReference } from '../../shared/domain/imageReference.js';
import { compileRegistryPattern } from '../../shared/domain/patterns.js';
import { RESOURCE_TYPES } from '../../shared/inventory/queries.js';
import { toWorkloadSnapshot } from '../../shared/inventory/mappers.js';
import { WORKLOAD_KINDS, isWorkloadType } from '../../shared/domain/workloadKinds.js';
import { RULE_IDS, RULES } from '../../shared/rules/catalog.js';
import { estateSchema } from './estateSchema.js';

const NOW = new Date('2026-03-15T09:30:00.000Z');
const estate = demoEstate(NOW);
const registries = estate.resources.filter((r) => r.type === RESOURCE_TYPES.registry);
const props = (r: JsonObject) => r.properties as Record<string, unknown>;
const approved = DEMO_APPROVED_REGISTRIES.map(compileRegistryPattern);
const isApproved = (server: string) => approved.some((m) => m.matches(server));

/** Containers' image strings of a workload row, through its kind's mapper (the workload-kind table). */
function imagesOf(row: JsonObject): string[] {
  return toWorkloadSnapshot(row).containers.map((c) => c.image);
}

describe('demo estate', () => {
  it('has exactly the top-level keys of ESTATE.md and survives a JSON round trip', () => {
    const json = JSON.parse(JSON.stringify(estate));
    expect(estateSchema.safeParse(json).error).toBeUndefined();
    expect(estateSchema.safeParse({ ...json, extra: 1 }).success).toBe(false);
  });

  it('is deterministic for one now, and moves its dates with now', () => {
    expect(JSON.stringify(demoEstate(NOW))).toBe(JSON.stringify(estate));
    const later = demoEstate(new Date(NOW.getTime() + 400 * DAY_MS));
    const ages = (e: typeof estate) => e.registryContent['contosoprod.azurecr.io']!.repositories['team/web']!.manifests.map((m) => Date.parse(m.lastUpdateTime));
    expect(ages(later).map((t, i) => t - ages(estate)[i]!)).toEqual(ages(estate).map(() => 400 * DAY_MS));
  });

  it('has three subscriptions and at least six registries in ARG shape', () => {
    expect(estate.subscriptions.map((s) => s.displayName)).toEqual(['contoso-prod', 'contoso-dev', 'contoso-shared-services']);
    expect(registries.length).toBeGreaterThanOrEqual(6);
    for (const r of registries) {
      expect(r.id).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[a-z0-9]+$/);
      expect(r).toMatchObject({ tenantId: estate.tenantId, sku: { name: expect.any(String), tier: expect.any(String) } });
      expect(props(r)).toMatchObject({ loginServer: `${r.name}.azurecr.io`, provisioningState: 'Succeeded', adminUserEnabled: expect.any(Boolean), anonymousPullEnabled: expect.any(Boolean) });
      expect(estate.subscriptions.map((s) => s.subscriptionId)).toContain(r.subscriptionId);
    }
    expect(registries.filter((r) => !isApproved(props(r).loginServer as string)).map((r) => r.name)).toEqual(['shadowbuilds']);
  });

  it('gives every registry content, or deliberately none (contosoedge)', () => {
    const servers = registries.map((r) => props(r).loginServer as string).sort();
    expect(Object.keys(estate.registryContent).sort()).toEqual(servers);
    for (const [server, c] of Object.entries(estate.registryContent)) {
      if (server === 'contosoedge.azurecr.io') expect(c.repositories).toEqual({});
      else expect(Object.keys(c.repositories).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('has real digests for content: manifests, config blobs and index children', () => {
    let withContent = 0;
    for (const c of Object.values(estate.registryContent)) {
      for (const r of Object.values(c.repositories)) {
        const digests = new Set(r.manifests.map((m) => m.digest));
        expect(digests.size).toBe(r.manifests.length);
        for (const m of r.manifests) {
          if (!m.content) continue;
          withContent++;
          expect(digestOf(JSON.stringify(m.content))).toBe(m.digest);
          const cfg = (m.content.config as { digest: string } | undefined)?.digest;
          if (cfg) {
            expect(r.blobs?.[cfg]).toBeDefined();
            expect(digestOf(JSON.stringify(r.blobs![cfg]))).toBe(cfg);
          }
          for (const child of (m.content.manifests as Array<{ digest: string }> | undefined) ?? []) expect(digests.has(child.digest)).toBe(true);
        }
      }
    }
    expect(withContent).toBeGreaterThanOrEqual(6);
  });

  it('has the provenance cases the push replays need', () => {
    const { images } = demoImageFacts(NOW);
    const labelsOf = (img: typeof images.labeled) => {
      const r = estate.registryContent[img.loginServer]!.repositories[img.repository]!;
      const m = r.manifests.find((x) => x.digest === img.digest)!;
      return (r.blobs![(m.content!.config as { digest: string }).digest] as any).config.Labels as Record<string, string>;
    };
    expect(labelsOf(images.labeled)).toMatchObject({ 'org.opencontainers.image.source': expect.any(String), 'org.opencontainers.image.revision': expect.any(String), 'org.opencontainers.image.base.name': 'mcr.microsoft.com/azurelinux/base/core:3.0' });
    expect(Object.keys(labelsOf(images.unlabeled)).filter((k) => k.startsWith('org.opencontainers.'))).toEqual([]);
    expect(labelsOf(images.unapprovedBase)['org.opencontainers.image.base.name']).toBe('docker.io/library/ubuntu:22.04');
    expect(images.multiArch.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('has stale, fresh and untagged-old manifests where it says so', () => {
    const facts = demoImageFacts(NOW);
    const byDigest = new Map<string, { tags: string[]; lastUpdateTime: string }>();
    for (const c of Object.values(estate.registryContent)) for (const r of Object.values(c.repositories)) for (const m of r.manifests) byDigest.set(m.digest, m);
    const age = (subject: string) => (NOW.getTime() - Date.parse(byDigest.get(subject.split('@')[1]!)!.lastUpdateTime)) / DAY_MS;
    expect(facts.staleSubjects.length).toBeGreaterThanOrEqual(4);
    for (const s of facts.staleSubjects) expect(age(s)).toBeGreaterThan(120);
    for (const s of facts.freshSubjects) expect(age(s)).toBeLessThan(41);
    for (const s of facts.untaggedOldSubjects) {
      expect(age(s)).toBeGreaterThan(120);
      expect(byDigest.get(s.split('@')[1]!)!.tags).toEqual([]);
    }
  });

  it('has well-formed workload images except the deliberately broken one, and lists them all', () => {
    const listed = demoWorkloadImages(NOW);
    const workloads = estate.resources.filter((r) => isWorkloadType(r.type));
    expect(workloads.length).toBeGreaterThanOrEqual(12);
    const actual = workloads.map(toWorkloadSnapshot).flatMap((w) => w.containers.map((c) => `${w.id} ${w.kind} ${c.role} ${c.name} ${c.image}`)).sort();
    expect(listed.map((i) => `${i.workloadId} ${i.kind} ${i.role} ${i.container} ${i.image}`).sort()).toEqual(actual);
    for (const i of listed) {
      const parsed = tryParseImageReference(i.image);
      if (i.expect === 'invalid-reference') expect(parsed.error).toBeDefined();
      else expect(parsed.error).toBeUndefined();
    }
    const kinds = new Set(listed.map((i) => i.expect));
    for (const k of ['fresh', 'stale', 'unapproved-registry', 'docker-hub-implicit', 'approved-not-in-estate', 'invalid-reference', 'tag-not-found']) expect(kinds).toContain(k);
    // Code-only sites exist and yield no image.
    expect(workloads.filter((w) => w.type === WORKLOAD_KINDS.webApp.type && imagesOf(w).length === 0).length).toBeGreaterThanOrEqual(2);
  });

  it('resolves workload images in the estate as the expectations say', () => {
    for (const i of demoWorkloadImages(NOW)) {
      if (i.expect === 'invalid-reference') continue;
      const ref = parseImageReference(i.image);
      const repo = estate.registryContent[ref.registry]?.repositories[ref.repository];
      const m = repo?.manifests.find((x) => (ref.digest ? x.digest === ref.digest : x.tags.includes(ref.tag ?? 'latest')));
      const age = m ? (NOW.getTime() - Date.parse(m.lastUpdateTime)) / DAY_MS : undefined;
      switch (i.expect) {
        case 'fresh': expect(age).toBeLessThan(41); expect(isApproved(ref.registry)).toBe(true); break;
        case 'stale': expect(age).toBeGreaterThan(120); break;
        case 'unapproved-registry': expect(isApproved(ref.registry)).toBe(false); break;
        case 'docker-hub-implicit': expect(ref.registry).toBe('docker.io'); expect(i.image.includes('/') ? i.image.split('/')[0] : '').not.toMatch(/[.:]/); break;
        case 'approved-not-in-estate': expect(isApproved(ref.registry)).toBe(true); expect(estate.registryContent[ref.registry]).toBeUndefined(); break;
        case 'tag-not-found': expect(repo).toBeDefined(); expect(m).toBeUndefined(); break;
      }
    }
  });

  it('routes logs, maps workspaces, and shows admin logins only where expected', () => {
    const workspaces = estate.resources.filter((r) => r.type === 'microsoft.operationalinsights/workspaces');
    const customerIdOf = new Map(workspaces.map((w) => [(w.id as string).toLowerCase(), props(w).customerId as string]));
    for (const w of Object.values(DEMO_WORKSPACES)) expect(customerIdOf.get(w.id.toLowerCase())).toBe(w.customerId);
    const adminLogins = (key: 'platform' | 'dev') => {
      const reg = DEMO_REGISTRIES[key];
      const ws = estate.diagnosticSettings[reg.id]![0]!.properties.workspaceId!;
      const rows = estate.logs[customerIdOf.get(ws.toLowerCase())!]!.ContainerRegistryLoginEvents!;
      return rows.filter((x) => x.LoginServer === reg.loginServer && x.Identity === reg.name && x.ResultType === '200' && NOW.getTime() - Date.parse(x.TimeGenerated as string) < 30 * DAY_MS);
    };
    expect(adminLogins('platform').length).toBeGreaterThan(0);
    expect(adminLogins('dev')).toEqual([]);
  });

  it('records who enabled the admin user on contosoplatform, a few days ago', () => {
    const id = DEMO_REGISTRIES.platform.id.toLowerCase();
    const rows = estate.resourcechanges.filter((c) => String((c.properties as any).targetResourceId).toLowerCase() === id && (c.properties as any).changes['properties.adminUserEnabled']);
    expect(rows).toHaveLength(1);
    const p = rows[0]!.properties as any;
    expect(p.changes['properties.adminUserEnabled']).toMatchObject({ previousValue: 'False', newValue: 'True' });
    expect(p.changeAttributes).toMatchObject({ changedBy: expect.stringContaining('@'), clientType: expect.any(String), operation: 'microsoft.containerregistry/registries/write' });
    const days = (NOW.getTime() - Date.parse(p.changeAttributes.timestamp)) / DAY_MS;
    expect(days).toBeGreaterThan(1);
    expect(days).toBeLessThan(14);
  });

  it('makes every rule with subjects fail and pass somewhere (DEMO_EXPECTATIONS names one fail and one pass)', () => {
    const withSubjects = RULES.filter((r) => r.target !== 'scope').map((r) => r.id);
    const lacking = withSubjects.filter((id) => !DEMO_EXPECTATIONS[id]?.fail.length || !DEMO_EXPECTATIONS[id]?.pass.length);
    expect(lacking, 'rules without a failing and a passing demo subject in DEMO_EXPECTATIONS (estates/demo.ts)').toEqual([]);
  });

  it('names demo subjects in every expectation it has, each once, for catalog rules only', () => {
    // Subscription rules name the subscription itself (`/subscriptions/<id>`).
    const resourceIds = new Set([...estate.resources.map((r) => r.id as string), ...estate.subscriptions.map((s) => `/subscriptions/${s.subscriptionId}`)]);
    const imageSubjects = new Set<string>();
    for (const [server, c] of Object.entries(estate.registryContent)) for (const [name, r] of Object.entries(c.repositories)) for (const m of r.manifests) imageSubjects.add(`${server}/${name}@${m.digest}`);
    const workloadSubjects = new Set(demoWorkloadImages(NOW).map((i) => `${i.workloadId}|container ${i.container} image ${i.image}`));
    const workloadIds = new Set(estate.resources.filter((r) => isWorkloadType(r.type as string)).map((r) => r.id as string));
    const ruleTarget = (id: string) => RULES.find((r) => r.id === id)?.target;
    const repositorySubjects = new Set(
      registries.flatMap((r) => {
        const server = String(props(r).loginServer);
        return Object.keys(estate.registryContent[server]?.repositories ?? {}).map((name) => `${String(r.id)}|${server}/${name}`);
      }),
    );
    for (const [rule, e] of Object.entries(DEMO_EXPECTATIONS)) {
      const all = [...e.fail, ...e.pass, ...(e.notApplicable ?? [])];
      for (const { resourceId, subject } of all) {
        expect(resourceIds.has(resourceId), `${rule} ${resourceId}`).toBe(true);
        if (rule.startsWith('registry.') && ruleTarget(rule) === 'registry') expect(subject).toBe(resourceId);
        // Repository rules (issue 15) name a repository of the registry, `<loginServer>/<repository>`.
        else if (ruleTarget(rule) === 'repository') expect(repositorySubjects.has(`${resourceId}|${subject}`), `${rule} ${subject}`).toBe(true);
        // Token and cache-rule rules (issue 13) name a child of the registry (its ARM id, lower-case).
        else if (rule.startsWith('registry.')) expect(subject.startsWith(`${resourceId.toLowerCase()}/`), `${rule} ${subject}`).toBe(true);
        if (rule.startsWith('image.')) expect(imageSubjects.has(subject), `${rule} ${subject}`).toBe(true);
        // Workload-level rules (issue 14) name the workload itself; the image rules a container's image.
        if (rule.startsWith('workload.') && ruleTarget(rule) === 'workload') expect(subject === resourceId && workloadIds.has(resourceId), `${rule} ${subject}`).toBe(true);
        else if (rule.startsWith('workload.')) expect(workloadSubjects.has(`${resourceId}|${subject}`), `${rule} ${subject}`).toBe(true);
      }
      const keys = all.map((x) => `${x.resourceId}|${x.subject}`);
      expect(new Set(keys).size, `${rule}: a subject is listed twice`).toBe(keys.length);
    }
    for (const rule of Object.keys(DEMO_EXPECTATIONS)) expect(RULE_IDS, rule).toContain(rule);
  });

  it('has digests that do not depend on now', () => {
    const digests = (e: typeof estate) => Object.values(e.registryContent).flatMap((c) => Object.values(c.repositories).flatMap((r) => r.manifests.map((m) => m.digest)));
    expect(digests(demoEstate(new Date('2031-07-01T00:00:00Z')))).toEqual(digests(estate));
  });

  it('agrees with its own expectations on the plain registry properties', () => {
    const byId = new Map(registries.map((r) => [r.id as string, props(r)]));
    const publicRestricted = (p: Record<string, any>) => p.publicNetworkAccess === 'Disabled' || p.networkRuleSet?.defaultAction === 'Deny';
    const checks: Record<string, (p: Record<string, any>) => boolean> = {
      'registry.approved': (p) => isApproved(p.loginServer),
      'registry.admin-user-disabled': (p) => !p.adminUserEnabled,
      'registry.anonymous-pull-disabled': (p) => !p.anonymousPullEnabled,
      'registry.public-network-restricted': publicRestricted,
    };
    for (const [rule, ok] of Object.entries(checks)) {
      for (const { resourceId: id } of DEMO_EXPECTATIONS[rule]!.pass) expect(ok(byId.get(id)!), `${rule} pass ${id}`).toBe(true);
      for (const { resourceId: id } of DEMO_EXPECTATIONS[rule]!.fail) expect(ok(byId.get(id)!), `${rule} fail ${id}`).toBe(false);
    }
    const routed = (id: string) =>
      (estate.diagnosticSettings[id] ?? []).some((s) => {
        const on = s.properties.logs.filter((l) => l.enabled).map((l) => l.category ?? l.categoryGroup);
        const dest = s.properties.workspaceId || s.properties.storageAccountId || s.properties.eventHubAuthorizationRuleId;
        return dest && (on.includes('allLogs') || on.includes('audit') || (on.includes('ContainerRegistryLoginEvents') && on.includes('ContainerRegistryRepositoryEvents')));
      });
    for (const { resourceId: id } of DEMO_EXPECTATIONS['registry.audit-logs-enabled']!.pass) expect(routed(id), id).toBe(true);
    for (const { resourceId: id } of DEMO_EXPECTATIONS['registry.audit-logs-enabled']!.fail) expect(routed(id), id).toBe(false);
  });
});

describe('demo push events', () => {
  const events = demoPushEvents(NOW) as Array<Record<string, any>>;

  it('are three Event Grid ImagePushed events in the EventGridEvent schema', () => {
    expect(events).toHaveLength(3);
    for (const e of events) {
      expect(e).toMatchObject({ eventType: 'Microsoft.ContainerRegistry.ImagePushed', dataVersion: '1.0', metadataVersion: '1', data: { action: 'push' } });
      expect(e.subject).toBe(`${e.data.target.repository}:${e.data.target.tag}`);
      expect(Object.keys(e.data).sort()).toEqual(['action', 'actor', 'id', 'location', 'request', 'source', 'target', 'timestamp']);
      expect(Date.parse(e.eventTime)).toBeLessThanOrEqual(NOW.getTime());
    }
  });

  it('reference registries, repositories and digests that exist in the estate', () => {
    for (const e of events) {
      const reg = registries.find((r) => r.id === e.topic)!;
      expect(reg).toBeDefined();
      expect(e.data.request.host).toBe(props(reg).loginServer);
      const repo = estate.registryContent[e.data.request.host]!.repositories[e.data.target.repository]!;
      const m = repo.manifests.find((x) => x.digest === e.data.target.digest)!;
      expect(m.tags).toContain(e.data.target.tag);
      expect(e.data.target.size).toBe(Buffer.byteLength(JSON.stringify(m.content)));
    }
  });

  it('tell the three stories: admin push (labeled), unlabeled push, push into the unapproved registry', () => {
    const [admin, unlabeled, shadow] = events;
    expect(admin!.data.actor.name).toBe(DEMO_REGISTRIES.platform.name);
    expect(props(registries.find((r) => r.id === admin!.topic)!).adminUserEnabled).toBe(true);
    expect(admin!.topic).toBe(DEMO_REGISTRIES.platform.id);
    expect(unlabeled!.topic).toBe(DEMO_REGISTRIES.dev.id);
    expect(isApproved(shadow!.data.request.host)).toBe(false);
  });
});
