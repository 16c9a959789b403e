/**
 * Synthetic estates for benchmarks: the same wire shapes as the demo, generated from a seed.
 * Deterministic (same options -> same JSON), and compact enough for 100 registries / 200,000
 * manifests / 10,000 workloads in a few seconds: manifests carry no `content`, share one frozen
 * `changeableAttributes` object and reuse one time string for createdTime/lastUpdateTime.
 */
import {
  DAY_MS,
  DEFAULT_ATTRIBUTES,
  MEDIA_TYPES,
  containerAppJobRow,
  containerAppRow,
  containerGroupRow,
  diagnosticSetting,
  guidOf,
  loginEventRow,
  prng,
  containersPricingRow,
  registryRow,
  subAssessmentRow,
  webSiteRow,
  workspaceId,
  workspaceRow,
  type DiagnosticSetting,
  type EmulatorSettings,
  type EstateDocument,
  type JsonObject,
  type ManifestItem,
  type RegistryContent,
  type RegistrySku,
} from './build.js';

export interface SyntheticOptions {
  seed: number;
  subscriptions: number;
  registries: number;
  repositoriesPerRegistry: number;
  manifestsPerRepository: number;
  workloads: number;
  now: Date;
  /** Fraction of repositories whose every manifest is older than 120 days (default 0.2). */
  staleFraction?: number;
  /** Fraction of registries with the admin user enabled (default 0.3). */
  adminEnabledFraction?: number;
  /**
   * Defender for Containers (issue 12): registry image vulnerability sub-assessments per manifest (default 0:
   * no `securityresources` rows at all). With any, every subscription also gets a Containers pricing row
   * (Standard with registry scanning, one in ten Free), and CVEs are drawn from a fixed table of 40 (30%
   * Low, 30% Medium, 30% High, 10% Critical; 80% with a fix; 1% exempted).
   */
  subAssessmentsPerManifest?: number;
  /**
   * Supply chain (issue 15): the percentage of repositories (0-100, default 0) whose signatures are required and whose tagged
   * manifests carry a Notary Project signature referrer by SYNTHETIC_SIGNER (nine in ten; the tenth is left unsigned).
   * Chosen by repository index (syntheticSigningRepository), so the rest of the estate is unchanged; the bench sets
   * AUDITOR_SIGNATURE_REQUIRED to the same repositories (syntheticSigningSettings).
   */
  signingPercent?: number;
  latencyMs?: { arm?: number; resourceGraph?: number; registry?: number; logs?: number };
  quotas?: {
    resourceGraph?: { requests: number; perSeconds: number };
    registryReadsPerMinute?: { Basic?: number; Standard?: number; Premium?: number };
  };
}

/** The name of a synthetic estate's j-th repository (the same in every registry). */
export function syntheticRepositoryName(j: number): string {
  return `${TEAMS[j % TEAMS.length]}/${COMPONENTS[Math.floor(j / TEAMS.length) % COMPONENTS.length]}${j >= TEAMS.length * COMPONENTS.length ? `-${j}` : ''}`;
}

/** The approved signer of synthetic signatures (a SHA-256 thumbprint). */
export const SYNTHETIC_SIGNER = '3F7A1C9E5B2D4A6F8E0C1B3D5F7A9C2E4B6D8F0A1C3E5B7D9F2A4C6E8B0D1F3A';

/** Whether the j-th repository signs, for `percent` of repositories signing: every (100 / percent)-th index, all at 100. */
export function syntheticSigningRepository(j: number, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return j % Math.max(1, Math.round(100 / percent)) === 0;
}

/**
 * The settings that make the auditor require signatures where the synthetic estate signs: the signing repositories' names
 * (of the first `maxRepositoriesPerRegistry` indexes; `*` at 100%) and SYNTHETIC_SIGNER. Empty at 0%.
 */
export function syntheticSigningSettings(percent: number, maxRepositoriesPerRegistry = 200): Record<string, string> {
  if (percent <= 0) return {};
  const required = percent >= 100 ? ['*'] : Array.from({ length: maxRepositoriesPerRegistry }, (_, j) => j).filter((j) => syntheticSigningRepository(j, percent)).map(syntheticRepositoryName);
  return { AUDITOR_SIGNATURE_REQUIRED: required.join(','), AUDITOR_APPROVED_SIGNERS: SYNTHETIC_SIGNER };
}

/** A Notary Project signature referrer by SYNTHETIC_SIGNER (certificate chain thumbprints, leaf first). */
function syntheticSignature(n: number): NonNullable<ManifestItem['referrers']>[number] {
  return {
    digest: `sha256:${n.toString(16).padStart(64, '5')}`,
    artifactType: 'application/vnd.cncf.notary.signature',
    size: 728,
    annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': SIGNATURE_CHAIN },
  };
}
const SIGNATURE_CHAIN = JSON.stringify([SYNTHETIC_SIGNER, '932EB6F5598435D4EF23F97B0B5ACB515FAE2B8D8FAC046AB813DDC419DD5E89']);

/** Allow-list for synthetic estates: `partnerNNN` registries (about 5%) are off it. */
export const SYNTHETIC_APPROVED_REGISTRIES = ['contoso*.azurecr.io', 'mcr.microsoft.com'];

export const SYNTHETIC_SIZES = {
  small: { seed: 1, subscriptions: 3, registries: 5, repositoriesPerRegistry: 4, manifestsPerRepository: 6, workloads: 40, subAssessmentsPerManifest: 5 },
  medium: { seed: 2, subscriptions: 10, registries: 25, repositoriesPerRegistry: 20, manifestsPerRepository: 20, workloads: 1_000, subAssessmentsPerManifest: 5 },
  // 200,000 manifests x 5 = 1,000,000 sub-assessments (issue 12's benchmark size).
  large: { seed: 3, subscriptions: 20, registries: 100, repositoriesPerRegistry: 40, manifestsPerRepository: 50, workloads: 10_000, subAssessmentsPerManifest: 5 },
} as const satisfies Record<string, Omit<SyntheticOptions, 'now'>>;

const TEAMS = ['orders', 'payments', 'web', 'search', 'identity', 'data', 'ml', 'platform', 'mobile', 'ops', 'billing', 'catalog'];
const COMPONENTS = ['api', 'web', 'worker', 'scheduler', 'gateway', 'indexer', 'sync', 'migrator', 'exporter', 'ui'];
const LOCATIONS = ['westeurope', 'northeurope', 'eastus', 'eastus2', 'westus3', 'uksouth', 'swedencentral'];
const MCR_IMAGES = ['mcr.microsoft.com/azure-cli:2.67.0', 'mcr.microsoft.com/dotnet/aspnet:8.0', 'mcr.microsoft.com/azurelinux/base/core:3.0', 'mcr.microsoft.com/oss/otel/opentelemetry-collector-contrib:0.111.0'];
const HUB_IMAGES = ['nginx:1.27', 'redis:7.4', 'busybox:1.36', 'library/postgres:16', 'grafana/grafana:11.3.0'];

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

function hex8(r: () => number): string {
  const x = Math.floor(r() * 0x100000000);
  return HEX[x >>> 24]! + HEX[(x >>> 16) & 255]! + HEX[(x >>> 8) & 255]! + HEX[x & 255]!;
}

/** `sha256:` + 64 hex from the PRNG (cheap; the synthetic estate has no content to hash). */
function fakeDigest(r: () => number): string {
  return 'sha256:' + hex8(r) + hex8(r) + hex8(r) + hex8(r) + hex8(r) + hex8(r) + hex8(r) + hex8(r);
}

/**
 * `Date#toISOString` for whole milliseconds, about 20x faster (it matters for 400,000 time
 * strings): the date part is cached per day, the time part is built from lookup tables.
 */
function isoFormatter(): (t: number) => string {
  const days = new Map<number, string>();
  return (t) => {
    const d = Math.floor(t / DAY_MS);
    let prefix = days.get(d);
    if (prefix === undefined) {
      prefix = new Date(d * DAY_MS).toISOString().slice(0, 11);
      days.set(d, prefix);
    }
    let ms = t - d * DAY_MS;
    const h = Math.floor(ms / 3_600_000);
    ms -= h * 3_600_000;
    const m = Math.floor(ms / 60_000);
    ms -= m * 60_000;
    const sec = Math.floor(ms / 1000);
    return prefix + PAD2[h]! + ':' + PAD2[m]! + ':' + PAD2[sec]! + '.' + PAD3[ms - sec * 1000]! + 'Z';
  };
}

interface SynRegistry {
  id: string;
  name: string;
  loginServer: string;
  subscriptionId: string;
  location: string;
  sku: RegistrySku;
  adminUserEnabled: boolean;
  /** Repositories with their newest tag, for workloads to reference. */
  repos: Array<{ name: string; newestTag: string; olderTag?: string }>;
}

export function syntheticEstate(o: SyntheticOptions): EstateDocument {
  if (o.subscriptions < 1 || o.registries < 1) throw new RangeError('a synthetic estate needs at least one subscription and one registry');
  const r = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nowMs = o.now.getTime();
  const formatIso = isoFormatter();
  const iso = (ageDays: number) => formatIso(nowMs - Math.round(ageDays * DAY_MS));
  const staleFraction = o.staleFraction ?? 0.2;
  const adminFraction = o.adminEnabledFraction ?? 0.3;
  const tenantId = guidOf(`synthetic|${o.seed}|tenant`);

  const subscriptions = Array.from({ length: o.subscriptions }, (_, i) => ({
    subscriptionId: guidOf(`synthetic|${o.seed}|sub|${i}`),
    displayName: `contoso-${i === 0 ? 'prod' : i === 1 ? 'dev' : `bu${String(i).padStart(2, '0')}`}`,
    state: 'Enabled' as const,
  }));

  // One Log Analytics workspace per subscription.
  const workspaces = subscriptions.map((s, i) => ({
    sub: s.subscriptionId,
    id: workspaceId(s.subscriptionId, 'rg-monitoring', `law-syn-${i}`),
    customerId: guidOf(`synthetic|${o.seed}|law|${i}`),
    row: workspaceRow({ tenantId, subscriptionId: s.subscriptionId, resourceGroup: 'rg-monitoring', name: `law-syn-${i}`, location: 'westeurope', customerId: guidOf(`synthetic|${o.seed}|law|${i}`), createdDate: iso(900) }),
  }));

  const resources: JsonObject[] = workspaces.map((w) => w.row);
  const diagnosticSettings: Record<string, DiagnosticSetting[]> = {};
  const registryContent: Record<string, RegistryContent> = {};
  const logs: EstateDocument['logs'] = {};
  const registries: SynRegistry[] = [];
  const perManifest = Math.min(o.subAssessmentsPerManifest ?? 0, CVE_TEMPLATES);
  const securityresources: JsonObject[] = perManifest > 0
    ? subscriptions.map((s, i) => containersPricingRow({ tenantId, subscriptionId: s.subscriptionId, tier: i % 10 === 9 ? 'Free' : 'Standard', enablementTime: iso(400) }))
    : [];
  // A separate PRNG: adding sub-assessments leaves the rest of the estate as it was.
  const defender = perManifest > 0 ? subAssessmentFactory(o.seed, tenantId, iso(0.5), iso(120)) : undefined;

  for (let i = 0; i < o.registries; i++) {
    const sub = subscriptions[i % subscriptions.length]!;
    const partner = i > 0 && r() < 0.05;
    const name = `${partner ? 'partner' : 'contosoreg'}${String(i).padStart(3, '0')}`;
    const skuRoll = r();
    const sku: RegistrySku = skuRoll < 0.25 ? 'Basic' : skuRoll < 0.6 ? 'Standard' : 'Premium';
    const adminUserEnabled = r() < adminFraction;
    const privateOnly = sku === 'Premium' && r() < 0.5;
    const location = pick(LOCATIONS);
    const row = registryRow({
      tenantId, subscriptionId: sub.subscriptionId, resourceGroup: `rg-acr-${i % 7}`, name, location, sku,
      creationDate: iso(200 + Math.floor(r() * 1200)), policyTime: iso(100), adminUserEnabled,
      anonymousPullEnabled: sku !== 'Basic' && r() < 0.05,
      publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled',
      ...(sku === 'Premium' ? { networkRuleSet: { defaultAction: privateOnly || r() < 0.5 ? 'Deny' as const : 'Allow' as const, ipRules: ['203.0.113.0/24'] } } : {}),
      ...(privateOnly ? { privateEndpoints: [{ name: `pe-${name}`, subnetResourceGroup: 'rg-network', vnet: 'vnet-hub' }] } : {}),
      tags: { env: sub.displayName.replace('contoso-', '') },
    });
    resources.push(row);
    const id = row.id as string;
    const loginServer = `${name}.azurecr.io`;

    // Diagnostic settings: 60% route both categories to the subscription's workspace, 10% only metrics, the rest none.
    const ws = workspaces[i % workspaces.length]!;
    const diagRoll = r();
    if (diagRoll < 0.6) {
      diagnosticSettings[id] = [diagnosticSetting(id, 'to-law', { workspaceId: ws.id }, r() < 0.5 ? [{ categoryGroup: 'allLogs', enabled: true }] : [
        { category: 'ContainerRegistryLoginEvents', enabled: true },
        { category: 'ContainerRegistryRepositoryEvents', enabled: true },
      ])];
      if (adminUserEnabled) {
        const table = ((logs[ws.customerId] ??= { ContainerRegistryLoginEvents: [], ContainerRegistryRepositoryEvents: [] }).ContainerRegistryLoginEvents ??= []);
        const adminUsed = r() < 0.5;
        for (let n = 0; n < 4; n++) {
          table.push(loginEventRow({
            time: iso(r() * 28), tenantId: ws.customerId, registryId: id, loginServer,
            identity: adminUsed && n % 2 === 0 ? name : guidOf(`synthetic|${o.seed}|principal|${n % 3}`),
            resultType: '200', callerIpAddress: `20.61.${i % 250}.${n + 10}`, userAgent: 'docker/27.3.1 go/go1.22.7', location, seed: `${o.seed}|${i}|${n}`,
          }));
        }
      }
    } else if (diagRoll < 0.7) {
      diagnosticSettings[id] = [diagnosticSetting(id, 'metrics-only', { workspaceId: ws.id }, [], [{ category: 'AllMetrics', enabled: true }])];
    } else {
      diagnosticSettings[id] = [];
    }

    // Content.
    const repositories: RegistryContent['repositories'] = {};
    const repos: SynRegistry['repos'] = [];
    for (let j = 0; j < o.repositoriesPerRegistry; j++) {
      const repoName = syntheticRepositoryName(j);
      const signing = syntheticSigningRepository(j, o.signingPercent ?? 0);
      const stale = r() < staleFraction;
      const manifests: ManifestItem[] = new Array(o.manifestsPerRepository);
      // Newest first (as `orderby=timedesc` lists them).
      let age = stale ? 120 + r() * 120 : 1 + r() * 30;
      const major = 1 + Math.floor(r() * 5);
      for (let k = 0; k < o.manifestsPerRepository; k++) {
        const time = iso(age);
        // The oldest fifth is untagged (left behind by re-tagging): never a finding on its own.
        const tagged = k < Math.ceil(o.manifestsPerRepository * 0.8);
        const version = o.manifestsPerRepository - k;
        manifests[k] = {
          digest: fakeDigest(r),
          imageSize: 20_000_000 + Math.floor(r() * 400_000_000),
          createdTime: time,
          lastUpdateTime: time,
          architecture: 'amd64',
          os: 'linux',
          mediaType: MEDIA_TYPES.ociManifest,
          tags: tagged ? [`${major}.${version}.0`] : [],
          changeableAttributes: DEFAULT_ATTRIBUTES,
          ...(signing && tagged && k % 10 !== 9 ? { referrers: [syntheticSignature(manifests.length * j + k)] } : {}),
        };
        if (defender) defender.rows(securityresources, perManifest, { id: row.id as string, subscriptionId: sub.subscriptionId, resourceGroup: `rg-acr-${i % 7}`, loginServer }, repoName, manifests[k]!.digest, manifests[k]!.tags, time);
        age += 1 + r() * 9;
      }
      repositories[repoName] = { manifests };
      repos.push({ name: repoName, newestTag: `${major}.${o.manifestsPerRepository}.0`, ...(o.manifestsPerRepository > 1 ? { olderTag: `${major}.${o.manifestsPerRepository - 1}.0` } : {}) });
    }
    registryContent[loginServer] = { repositories };
    registries.push({ id, name, loginServer, subscriptionId: sub.subscriptionId, location, sku, adminUserEnabled, repos });
  }

  // Workloads: 85% images from generated registries (mostly newest tags), the rest MCR, Docker Hub, typos.
  const ownImage = (): string => {
    const reg = pick(registries);
    const repoEntry = reg.repos.length ? pick(reg.repos) : undefined;
    if (!repoEntry) return `${reg.loginServer}/empty:latest`;
    const roll = r();
    const tag = roll < 0.8 || !repoEntry.olderTag ? repoEntry.newestTag : roll < 0.97 ? repoEntry.olderTag : 'deleted-tag';
    return `${reg.loginServer}/${repoEntry.name}:${tag}`;
  };
  const anyImage = (): string => {
    const roll = r();
    if (roll < 0.85) return ownImage();
    if (roll < 0.93) return pick(MCR_IMAGES);
    if (roll < 0.99) return pick(HUB_IMAGES);
    return 'contosoreg000.azurecr.io/Orders/API:1.0'; // malformed: upper case
  };
  for (let w = 0; w < o.workloads; w++) {
    const sub = subscriptions[w % subscriptions.length]!;
    const base = {
      tenantId, subscriptionId: sub.subscriptionId, resourceGroup: `rg-app-${w % 13}`, name: `wl-${String(w).padStart(5, '0')}`,
      location: pick(LOCATIONS), tags: { team: pick(TEAMS) },
    };
    const kindRoll = r();
    if (kindRoll < 0.3) {
      const containers = [{ name: 'main', image: anyImage() }];
      if (r() < 0.3) containers.push({ name: 'sidecar', image: anyImage() });
      resources.push(containerGroupRow({ ...base, name: `aci-${base.name}`, containers, ...(r() < 0.2 ? { initContainers: [{ name: 'init', image: anyImage() }] } : {}) }));
    } else if (kindRoll < 0.65) {
      const containers = [{ name: 'app', image: anyImage() }];
      if (r() < 0.25) containers.push({ name: 'sidecar', image: anyImage() });
      resources.push(containerAppRow({ ...base, name: `ca-${base.name}`, environment: `cae-${w % 5}`, revision: hex8(r).slice(0, 7), containers, ...(r() < 0.15 ? { initContainers: [{ name: 'init', image: anyImage() }] } : {}) }));
    } else if (kindRoll < 0.8) {
      resources.push(containerAppJobRow({ ...base, name: `caj-${base.name}`, environment: `cae-${w % 5}`, containers: [{ name: 'job', image: anyImage() }], ...(r() < 0.5 ? { cron: '0 3 * * *' } : {}) }));
    } else if (kindRoll < 0.95) {
      const fn = r() < 0.3;
      resources.push(webSiteRow({ ...base, name: `${fn ? 'func' : 'app'}-${base.name}`, kind: fn ? 'functionapp,linux,container' : 'app,linux,container', serverFarm: `asp-${w % 9}`, linuxFxVersion: `DOCKER|${anyImage()}` }));
    } else {
      // Code-only sites: no container image.
      resources.push(webSiteRow({ ...base, name: `app-${base.name}`, kind: r() < 0.5 ? 'app' : 'app,linux', serverFarm: `asp-${w % 9}`, ...(r() < 0.5 ? { linuxFxVersion: 'DOTNETCORE|8.0' } : {}) }));
    }
  }

  const emulator: EmulatorSettings = {};
  if (o.latencyMs) emulator.latencyMs = o.latencyMs;
  if (o.quotas) emulator.quotas = o.quotas;

  return {
    tenantId,
    subscriptions,
    resources,
    securityresources,
    resourcechanges: [],
    authorizationresources: [],
    diagnosticSettings,
    registryContent,
    logs,
    ...(Object.keys(emulator).length ? { emulator } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Defender for Containers (issue 12): pricings and registry image sub-assessments, for the benchmark.
// ---------------------------------------------------------------------------------------------

const SUBASSESSMENT_PACKAGES = ['openssl', 'zlib', 'glibc', 'curl', 'libxml2', 'expat', 'sqlite3', 'krb5', 'ncurses', 'pcre2'];
const SUBASSESSMENT_SEVERITIES = ['Low', 'Low', 'Low', 'Medium', 'Medium', 'Medium', 'High', 'High', 'High', 'Critical'] as const;
/** Distinct CVEs the synthetic sub-assessments draw from (a manifest's CVEs are distinct among them). */
const CVE_TEMPLATES = 40;

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFreeze(v);
  }
  return x;
}

interface CveTemplate {
  /** `properties` of `subAssessmentRow` minus what is per image (additionalData.artifactDetails, resourceDetails, timeGenerated). */
  id: string;
  displayName: string;
  description: string;
  remediation: string;
  status: JsonObject;
  exemptStatus: JsonObject;
  vulnerabilityDetails: JsonObject;
  softwareDetails: JsonObject;
  cvssV30Score: number;
}

/**
 * Sub-assessment rows for the synthetic estate, with memory kept bounded for 1,000,000 rows: everything a
 * CVE decides is built once per CVE template (through `subAssessmentRow`, so the wire shape is the demo's)
 * and frozen; everything a manifest decides (artifactDetails, resourceDetails) once per manifest and shared
 * by its rows; a row owns only its id, name and three small wrappers.
 */
function subAssessmentFactory(seed: number, tenantId: string, timeGenerated: string, publishedDate: string) {
  const rv = prng(seed * 7_919 + 12);
  const templates: CveTemplate[] = Array.from({ length: CVE_TEMPLATES }, (_, t) => {
    const severity = SUBASSESSMENT_SEVERITIES[t % SUBASSESSMENT_SEVERITIES.length]!;
    const fixed = t % 5 !== 4; // 80% have a fix
    const pkg = SUBASSESSMENT_PACKAGES[t % SUBASSESSMENT_PACKAGES.length]!;
    const input = {
      tenantId, registryId: '/x', subscriptionId: 'x', resourceGroup: 'x', loginServer: 'x', repository: 'x', digest: 'x', pushedAt: publishedDate,
      cve: `CVE-2025-${String(10_000 + t * 37).padStart(5, '0')}`, severity, packageName: pkg, version: `1.${t}.0`,
      ...(fixed ? { fixedVersion: `1.${t}.1` } : {}), publishedDate, timeGenerated, cvss: severity === 'Critical' ? 9.8 : severity === 'High' ? 7.5 : severity === 'Medium' ? 5.3 : 3.1,
    };
    const p = subAssessmentRow(input).properties as JsonObject;
    const ad = p.additionalData as JsonObject;
    const exempt = (subAssessmentRow({ ...input, exempt: true }).properties as JsonObject).status as JsonObject;
    return deepFreeze({
      id: p.id as string, displayName: p.displayName as string, description: p.description as string, remediation: p.remediation as string,
      status: p.status as JsonObject, exemptStatus: exempt,
      vulnerabilityDetails: ad.vulnerabilityDetails as JsonObject, softwareDetails: ad.softwareDetails as JsonObject, cvssV30Score: ad.cvssV30Score as number,
    });
  });
  const PREFIX = `/providers/Microsoft.Security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subassessments/`;
  return {
    /** `n` rows for one manifest (n <= CVE_TEMPLATES), appended to `out`. */
    rows(out: JsonObject[], n: number, reg: { id: string; subscriptionId: string; resourceGroup: string; loginServer: string }, repository: string, digest: string, tags: string[], pushedAt: string): void {
      const artifactDetails = Object.freeze({
        lastPushedToRegistryUTC: pushedAt, repositoryName: repository, registryHost: reg.loginServer, artifactType: 'ContainerImage',
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest, tags: Object.freeze([...tags]),
      }) as unknown as JsonObject;
      const resourceDetails = Object.freeze({ id: `/repositories/${repository}/images/${digest}`, source: 'Azure' });
      const start = Math.floor(rv() * CVE_TEMPLATES);
      const hex = digest.slice(7, 39);
      for (let j = 0; j < n; j++) {
        const t = templates[(start + j * 7) % CVE_TEMPLATES]!;
        const name = `${hex}-${j}`;
        out.push({
          id: `${reg.id}${PREFIX}${name}`,
          name, type: 'microsoft.security/assessments/subassessments', tenantId, kind: '', location: 'global',
          resourceGroup: reg.resourceGroup, subscriptionId: reg.subscriptionId, managedBy: '', sku: null, plan: null,
          properties: {
            id: t.id,
            additionalData: { assessedResourceType: 'AzureContainerRegistryVulnerability', vulnerabilityDetails: t.vulnerabilityDetails, artifactDetails, softwareDetails: t.softwareDetails, cvssV30Score: t.cvssV30Score },
            description: t.description, displayName: t.displayName, resourceDetails, timeGenerated, remediation: t.remediation,
            // 1% exempted in Defender.
            status: rv() < 0.01 ? t.exemptStatus : t.status,
          },
          tags: null, identity: null, zones: null, extendedLocation: null,
        });
      }
    },
  };
}
