/**
 * Every container and init container of a workload (ACI group, Container App or job, App Service /
 * Functions site) runs an image whose digest has no unresolved vulnerability at or above the threshold
 * past its grace period. The running reference is resolved to a digest as workload.image-fresh does;
 * the evidence names the container, the image, the digest and the worst CVEs, and links the image
 * finding's subject. The severity is the worst failing CVE's, raised one level (critical stays critical)
 * when the workload is reachable from the internet (shared/domain/exposure.ts, the decision
 * workload.network-isolated makes); the evidence says `internetReachable` (true, false or 'unknown') and why.
 */
import { internetExposure, raisedOneLevel } from '../domain/exposure.js';
import { imageSubject } from './subjects.js';
import { vulnerabilityVerdict } from './vulnerabilities.js';
import { defineRule, notApplicable } from './kit.js';

export const workloadImageVulnerabilitiesResolved = defineRule({
  id: 'workload.image-vulnerabilities-resolved',
  title: 'Workload runs an image without unresolved vulnerabilities',
  target: 'workloadImage',
  severity: 'high',
  rationale:
    'A running container with a known, fixable vulnerability is exposed to real traffic now. Defender maps registry CVEs to ' +
    'Kubernetes workloads only; for Container Instances, Container Apps and App Service nobody else tells which running ' +
    'containers carry them.',
  remediation: {
    description: 'Roll the workload to a rebuilt image whose digest has no such vulnerability (see the image finding for the packages to update).',
    cli: 'az containerapp update --name <app> --resource-group <rg> --image <registry>.azurecr.io/<repository>:<fixed-tag>',
    bicep:
      "resource app 'Microsoft.App/containerApps@2024-03-01' = {\n" +
      '  name: appName\n  location: location\n' +
      "  properties: { environmentId: environment.id, template: { containers: [ { name: 'api', image: '${acr.properties.loginServer}/team/api:${fixedTag}' } ] } }\n" +
      '}',
  },
  guidance: 'vulnerability-scanning',
  mcsb: ['PV-5', 'PV-6', 'DS-6'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/agentless-vulnerability-assessment-azure',
    'https://learn.microsoft.com/security/benchmark/azure/mcsb-posture-vulnerability-management',
  ],
  modes: ['nightly'],
  evaluate({ workload, container, reference, resolved, vulnerabilities }, { now, params }) {
    const base = { container: container.name, role: container.role, image: container.image };
    if (!reference) return notApplicable('image reference does not parse: see workload.image-from-approved-registry', { conclusive: false, evidence: base });
    if (!resolved) return notApplicable('the running image was not resolved in this audit', { conclusive: false, evidence: base });
    if (resolved.status === 'not_audited') return notApplicable(`image is outside the audited registries: ${resolved.detail}`, { conclusive: true, evidence: base });
    if (resolved.status !== 'found') return notApplicable(`the running image could not be resolved to a digest: ${resolved.detail}`, { conclusive: false, evidence: base });
    const withDigest = { ...base, digest: resolved.digest, imageFinding: imageSubject(reference.registry, reference.repository, resolved.digest) };
    const verdict = vulnerabilityVerdict(vulnerabilities, params.vulnerabilities, now, withDigest);
    if (verdict.status !== 'fail') return verdict;
    // Exposure is evidence on a finding only (a pass or an inconclusive answer does not depend on it).
    const x = internetExposure(workload);
    const exposure = x.state === 'reachable' ? { internetReachable: true, exposure: x.why } : x.state === 'isolated' ? { internetReachable: false, exposure: x.why } : { internetReachable: 'unknown', exposure: x.why };
    const severity = verdict.severity ?? 'high'; // the verdict always sets it on a failure; 'high' is the rule's default
    if (x.state !== 'reachable') return { ...verdict, evidence: { ...verdict.evidence, ...exposure } };
    return {
      ...verdict,
      severity: raisedOneLevel(severity),
      message: `${verdict.message}; reachable from the internet (${x.why})`,
      evidence: { ...verdict.evidence, ...exposure, cveSeverity: severity },
    };
  },
});
