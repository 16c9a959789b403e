/**
 * A tagged image in a registry has no unresolved vulnerability at or above the threshold that has a fix
 * and is past its grace period (Defender for Containers sub-assessments). One finding per image, CVEs as
 * evidence; severity from the worst open CVE. Not assessed (plan off, scanner blocked, not scanned) is
 * inconclusive, never a pass.
 */
import { vulnerabilityVerdict } from './vulnerabilities.js';
import { defineRule, notApplicable } from './kit.js';

export const imageVulnerabilitiesResolved = defineRule({
  id: 'image.vulnerabilities-resolved',
  title: 'Image has no unresolved vulnerability past its grace period',
  target: 'image',
  severity: 'high',
  rationale:
    'An image with a known, fixable vulnerability at or above the threshold is a ready-made entry point for anyone who deploys ' +
    'it, and images with vulnerabilities should not run in production. The fix exists: only a rebuild is missing.',
  remediation: {
    description:
      'Rebuild the image on a patched base image (or update the package named in the evidence to its fixed version), push it, ' +
      'and delete or untag the vulnerable digest. Automate the rebuild with an ACR Task base image trigger.',
    cli: 'az acr build --registry <registry> --image <repository>:<new-tag> .\naz acr repository untag --name <registry> --image <repository>:<old-tag>',
    bicep:
      "resource rebuild 'Microsoft.ContainerRegistry/registries/tasks@2019-06-01-preview' = {\n" +
      "  parent: acr\n  name: 'rebuild-on-base-update'\n  location: location\n" +
      "  properties: { platform: { os: 'Linux' }, step: { type: 'Docker', dockerFilePath: 'Dockerfile', imageNames: [ '<repository>:{{.Run.ID}}' ] },\n" +
      "    trigger: { baseImageTrigger: { name: 'base', baseImageTriggerType: 'Runtime' } } }\n" +
      '}',
  },
  guidance: 'vulnerability-scanning',
  mcsb: ['PV-5', 'PV-6', 'DS-6'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/agentless-vulnerability-assessment-azure',
    'https://learn.microsoft.com/azure/defender-for-cloud/subassessment-rest-api',
    'https://learn.microsoft.com/azure/container-registry/container-registry-tasks-base-images',
  ],
  // Not at push: a freshly pushed image has no assessment yet; the nightly run decides.
  modes: ['nightly'],
  evaluate({ manifest, vulnerabilities }, { now, params }) {
    const base = { digest: manifest.digest, tags: manifest.tags.slice(0, 10) };
    if (manifest.tags.length === 0) return notApplicable('untagged manifest', { evidence: base });
    return vulnerabilityVerdict(vulnerabilities, params.vulnerabilities, now, base);
  },
});
