/** Strict, Premium: pushed images stay quarantined until a scanner releases them (quarantinePolicy enabled). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { premiumOnly, REGISTRY_BICEP_HEAD, statusOf } from './registryFeatures.js';

export const registryQuarantineEnabled = defineRule({
  id: 'registry.quarantine-enabled',
  title: 'Registry quarantines pushed images until they are released',
  target: 'registry',
  severity: 'medium',
  profile: 'strict',
  rationale:
    'With the quarantine policy on, a pushed image cannot be pulled by ordinary clients until a scanner or release process ' +
    'marks it as passed, so an unscanned or malicious image cannot reach a workload between the push and the scan. Profile ' +
    'strict: it needs a release process (a quarantine reader that marks images). Premium SKU only (not applicable elsewhere).',
  remediation: {
    description: 'Set up a process that reads quarantined images, scans them and sets their quarantine state to Passed, then enable the quarantine policy.',
    cli: 'az resource update --ids $(az acr show --name <registry> --query id -o tsv) --set properties.policies.quarantinePolicy.status=enabled',
    bicep: REGISTRY_BICEP_HEAD + "  sku: { name: 'Premium' }\n  properties: {\n    policies: {\n      quarantinePolicy: { status: 'enabled' }\n    }\n  }\n}",
  },
  guidance: 'approved-images',
  mcsb: ['DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-skus',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/stable/2025-04-01/examples/RegistryGet.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const sku = premiumOnly(registry, 'the quarantine policy');
    if (sku) return sku;
    const raw = registry.policies?.quarantine;
    const status = statusOf(raw);
    const evidence = { quarantinePolicy: raw ?? null, sku: registry.sku };
    if (status === 'enabled') return pass('pushed images are quarantined until released', evidence);
    if (status === 'other') return notApplicable(`quarantinePolicy.status ${raw} is not known to this rule`, { conclusive: false, evidence });
    return fail('pushed images can be pulled before they are scanned (quarantine policy disabled)', withChangeEvidence(evidence, { settingChanges }, { 'properties.policies.quarantinePolicy.status': raw ?? null }));
  },
});
