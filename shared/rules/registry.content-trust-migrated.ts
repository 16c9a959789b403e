/** A registry does not rely on Docker Content Trust, which Azure Container Registry retires, but on Notary Project signatures. */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';

/** When ACR removes Docker Content Trust (issue 15; Microsoft Learn, content trust deprecation). */
export const CONTENT_TRUST_RETIREMENT_DATE = '2028-03-31';
const DEPRECATION_DOCS = 'https://learn.microsoft.com/azure/container-registry/container-registry-content-trust-deprecation';

export const registryContentTrustMigrated = defineRule({
  id: 'registry.content-trust-migrated',
  title: 'Registry does not rely on the retiring Docker Content Trust',
  target: 'registry',
  severity: 'low',
  rationale:
    `Azure Container Registry retires Docker Content Trust (the registry's trustPolicy) and removes it on ${CONTENT_TRUST_RETIREMENT_DATE}, ` +
    'in favour of Notary Project (Notation) signatures stored as OCI referrers. A registry with content trust enabled ' +
    'signs and verifies with a mechanism that will stop working: its images will then carry no signature a deployment can check. ' +
    'Severity is low until the date approaches; image.signed checks the Notation signatures themselves.',
  remediation: {
    description:
      'Sign images with Notation (signatures as OCI referrers), move verification to Notation / Ratify, then disable content trust.',
    cli:
      'notation sign <registry>.azurecr.io/<repository>@<digest>\n' +
      'az acr config content-trust update --registry <registry> --status disabled',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n" +
      '  name: registryName\n' +
      '  location: location\n' +
      "  sku: { name: 'Premium' }\n" +
      '  properties: {\n' +
      "    policies: { trustPolicy: { type: 'Notary', status: 'disabled' } }\n" +
      '  }\n' +
      '}',
  },
  guidance: 'approved-images',
  mcsb: ['DS-6'],
  references: [DEPRECATION_DOCS, 'https://learn.microsoft.com/azure/container-registry/container-registry-tutorial-sign-build-push'],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    if (registry.policies === undefined) return notApplicable('the registry policies were not read', { conclusive: false });
    const status = registry.policies.trust;
    if (status !== undefined && status.toLowerCase() === 'enabled') {
      return fail(
        `Docker Content Trust is enabled: ACR removes it on ${CONTENT_TRUST_RETIREMENT_DATE}; move to Notation signatures`,
        withChangeEvidence({ trustPolicy: status, retirementDate: CONTENT_TRUST_RETIREMENT_DATE, docs: DEPRECATION_DOCS }, { settingChanges }, { 'properties.policies.trustPolicy.status': status }),
      );
    }
    return pass('Docker Content Trust is not enabled', { trustPolicy: status ?? 'absent' });
  },
});
