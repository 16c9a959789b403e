/**
 * Defender for Containers facts (PURE): the plan of a subscription, whether a registry is actually
 * scanned, and the compact per-digest summary of an image's vulnerability sub-assessments.
 *
 * Sources (Microsoft's published material; see docs/estate.md "Defender for Containers"):
 * - Pricings: azure-rest-api-specs `specification/security/resource-manager/Microsoft.Security/stable/
 *   2024-01-01/examples/Pricings/ListPricings_example.json`: `name: "Containers"`, `properties.pricingTier`
 *   (`Standard` | `Free`), `properties.extensions[{ name: "ContainerRegistriesVulnerabilityAssessments",
 *   isEnabled: "True" }]` (a STRING "True"/"False" in the example), `properties.enablementTime`.
 * - Sub-assessments: "Container vulnerability assessments REST API" (learn.microsoft.com/azure/
 *   defender-for-cloud/subassessment-rest-api; MicrosoftDocs/azure-docs articles/defender-for-cloud/
 *   subassessment-rest-api.md): assessment key `c0b7cfc6-3172-465a-b378-53c7ff2cc0d5`, rows of type
 *   `microsoft.security/assessments/subassessments` under `<registry id>/providers/Microsoft.Security/
 *   assessments/<key>/subassessments/<id>`, `properties.additionalData.assessedResourceType ==
 *   "AzureContainerRegistryVulnerability"`, `artifactDetails{registryHost, repositoryName, digest, tags,
 *   lastPushedToRegistryUTC}`, `vulnerabilityDetails{cveId, severity, publishedDate,
 *   exploitabilityAssessment{exploitStepsPublished, exploitStepsVerified, isInExploitKit}}`,
 *   `softwareDetails{packageName, version, fixedVersion, fixStatus (Unknown | FixAvailable |
 *   NoFixAvailable | Scheduled | WontFix)}`, `cvssV30Score`, `status{code (Healthy | Unhealthy |
 *   NotApplicable), cause ("Exempt" for exemptions), description, severity}`.
 * That article shows the GROUPED shape (one parent recommendation, one sub-assessment per CVE and
 * digest). Microsoft's "Transition from grouped to individual recommendations" announces individual
 * per-finding recommendations, but publishes no Resource Graph row shape for container images that we
 * found: the auditor reads the grouped shape only (see docs/estate.md).
 */
import { atLeast, isSeverity, severityRank, type Severity } from './severity.js';

/** The Defender for Containers recommendation whose sub-assessments are registry image CVEs. */
export const REGISTRY_VULNERABILITY_ASSESSMENT_KEY = 'c0b7cfc6-3172-465a-b378-53c7ff2cc0d5';
export const REGISTRY_VA_EXTENSION = 'ContainerRegistriesVulnerabilityAssessments';

/** The Defender for Containers plan of one subscription (`microsoft.security/pricings/Containers`). */
export interface DefenderPlanFacts {
  subscriptionId: string;
  /** `Standard` (on), `Free` (off), or absent: no pricing row was visible (treated as off, said so). */
  pricingTier?: string;
  /** State of the ContainerRegistriesVulnerabilityAssessments extension; absent when the row lists no such extension. */
  registryScanningExtension?: boolean;
  enablementTime?: string;
}

/** Whether the plan scans registry images: Standard and the extension not switched off. */
export function planScansRegistries(p: DefenderPlanFacts | undefined): { on: boolean; why: string } {
  if (!p || p.pricingTier === undefined) return { on: false, why: 'no Defender for Containers pricing is visible for the subscription (plan off, or the auditor cannot read Microsoft.Security/pricings)' };
  if (p.pricingTier !== 'Standard') return { on: false, why: `Defender for Containers plan is ${p.pricingTier}` };
  // Assumed: a Standard plan whose row lists no extension scans registries (the extension is on by
  // default when the plan is enabled); an explicit "False" turns scanning off.
  if (p.registryScanningExtension === false) return { on: false, why: `the ${REGISTRY_VA_EXTENSION} extension is disabled` };
  return { on: true, why: 'Defender for Containers plan Standard with registry vulnerability assessment' };
}

/** Defender's scanner reaches a registry behind a firewall only as a trusted Azure service. */
export function scannerCanReach(r: { publicNetworkAccess: string; networkRuleSet?: { defaultAction: string }; networkRuleBypassOptions?: string }): { reachable: boolean; why: string } {
  const restricted = r.publicNetworkAccess !== 'Enabled' || (r.networkRuleSet !== undefined && r.networkRuleSet.defaultAction !== 'Allow');
  if (!restricted) return { reachable: true, why: 'public endpoint open to the scanner' };
  if (r.networkRuleBypassOptions === 'AzureServices') return { reachable: true, why: 'firewall restricted, trusted Azure services allowed (networkRuleBypassOptions AzureServices)' };
  return {
    reachable: false,
    why: `firewall restricted (publicNetworkAccess ${r.publicNetworkAccess}${r.networkRuleSet ? `, defaultAction ${r.networkRuleSet.defaultAction}` : ''}) and trusted Azure services may not bypass it (networkRuleBypassOptions ${r.networkRuleBypassOptions ?? 'not reported'})`,
  };
}

/** One CVE on one image, as much as the audit keeps (evidence). */
export interface CveFacts {
  cve: string;
  severity: Severity;
  packageName?: string;
  installedVersion?: string;
  fixedVersion?: string;
  /** True when Defender says FixAvailable (or names a fixed version). */
  fixAvailable: boolean;
  cvss?: number;
  /** Exploit kit or verified exploit steps. */
  exploitable?: boolean;
  publishedDate?: string;
  /** Set when the sub-assessment is exempted (status cause `Exempt`). */
  exemption?: string;
}

/** The compact summary of one digest's sub-assessments at or above the threshold (bounded). */
export interface ImageVulnerabilities {
  registryHost: string;
  repository: string;
  digest: string;
  /** Open (Unhealthy) CVEs by severity, exempted ones not counted. */
  counts: Partial<Record<Severity, number>>;
  /** The worst open CVEs, worst first, at most WORST_CVES_KEPT (exempted included, marked). */
  worst: CveFacts[];
  /** When Defender last generated a sub-assessment for the digest. */
  lastAssessed?: string;
}

export const WORST_CVES_KEPT = 10;

/** Defender's severities are Low, Medium, High, Critical (case-insensitive here). */
export function defenderSeverity(raw: unknown): Severity | undefined {
  const s = typeof raw === 'string' ? raw.toLowerCase() : '';
  return isSeverity(s) ? s : undefined;
}

/** Order: exempted last, then severity, fix available, CVSS. */
function worse(a: CveFacts, b: CveFacts): number {
  if (!!a.exemption !== !!b.exemption) return a.exemption ? 1 : -1;
  const s = severityRank(b.severity) - severityRank(a.severity);
  if (s) return s;
  if (a.fixAvailable !== b.fixAvailable) return a.fixAvailable ? -1 : 1;
  return (b.cvss ?? 0) - (a.cvss ?? 0) || a.cve.localeCompare(b.cve);
}

/** Adds one CVE to a digest's summary, keeping it bounded (CVEs that qualify for a finding are kept first). */
export function addCve(into: ImageVulnerabilities, cve: CveFacts, keep: (c: CveFacts) => boolean = () => true): void {
  if (!cve.exemption) into.counts[cve.severity] = (into.counts[cve.severity] ?? 0) + 1;
  if (into.worst.some((c) => c.cve === cve.cve && c.packageName === cve.packageName)) return;
  into.worst.push(cve);
  into.worst.sort((a, b) => Number(keep(b)) - Number(keep(a)) || worse(a, b));
  if (into.worst.length > WORST_CVES_KEPT) into.worst.length = WORST_CVES_KEPT;
}

export interface VulnerabilityPolicy {
  minSeverity: Severity;
  /** Days after a CVE's publication before it counts, per severity (absent: 0). */
  graceDays: Partial<Record<Severity, number>>;
  /** Count CVEs without a fix too. */
  includeUnfixed: boolean;
}

const DAY_MS = 86_400_000;

/** Whether a CVE makes an image non-compliant now under the policy. */
export function qualifies(c: CveFacts, policy: VulnerabilityPolicy, now: Date): boolean {
  if (!atLeast(c.severity, policy.minSeverity)) return false;
  if (!c.fixAvailable && !policy.includeUnfixed) return false;
  const grace = policy.graceDays[c.severity] ?? 0;
  if (grace <= 0 || !c.publishedDate) return true;
  const published = Date.parse(c.publishedDate);
  return Number.isNaN(published) || now.getTime() - published > grace * DAY_MS;
}

/** The verdict on one digest's summary: what fails now, and whether every such CVE is exempted. */
export function judgeImage(v: ImageVulnerabilities, policy: VulnerabilityPolicy, now: Date): { failing: CveFacts[]; exempted: CveFacts[]; inGrace: CveFacts[] } {
  const failing: CveFacts[] = [];
  const exempted: CveFacts[] = [];
  const inGrace: CveFacts[] = [];
  for (const c of v.worst) {
    if (qualifies(c, policy, now)) (c.exemption ? exempted : failing).push(c);
    else if (!c.exemption && atLeast(c.severity, policy.minSeverity) && (c.fixAvailable || policy.includeUnfixed)) inGrace.push(c);
  }
  return { failing, exempted, inGrace };
}

/** Severity of an image finding: the worst failing CVE's. */
export function worstSeverity(cves: readonly CveFacts[]): Severity | undefined {
  return cves.reduce<Severity | undefined>((w, c) => (!w || severityRank(c.severity) > severityRank(w) ? c.severity : w), undefined);
}

/** Evidence form of a CVE (short keys, no nulls). */
export function cveEvidence(c: CveFacts): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

/**
 * Defender scans images pushed in the last 90 days or pulled in the last 30 days, and a new push within
 * hours; an image with no sub-assessment may simply not have been scanned. Documented in "Vulnerability
 * assessments for Azure with Microsoft Defender Vulnerability Management" (registry scan triggers).
 * Assumed: 24 h for a new push to be scanned.
 */
export const SCAN_WINDOW_PUSHED_DAYS = 90;
export const SCAN_NEW_PUSH_HOURS = 24;
