/** Premium: artifacts cannot be exported out of the registry (exportPolicy disabled, with public access off). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { premiumOnly, REGISTRY_BICEP_HEAD, statusOf } from './registryFeatures.js';

export const registryExportsDisabled = defineRule({
  id: 'registry.exports-disabled',
  title: 'Registry artifacts cannot be exported',
  target: 'registry',
  severity: 'medium',
  rationale:
    'With exports enabled (the default), anyone allowed to run import/export pipelines or az acr import from this registry ' +
    'can copy its images to a storage account or another registry, bypassing network restrictions: a data exfiltration ' +
    'path. Azure honours exportPolicy disabled only while public network access is disabled, so the rule passes only when ' +
    'both hold and says which one is missing. Export policies exist on the Premium SKU only (not applicable elsewhere).',
  remediation: {
    description: 'Disable public network access (private endpoints) and set the export policy to disabled.',
    cli: 'az acr update --name <registry> --public-network-enabled false --allow-exports false',
    bicep: REGISTRY_BICEP_HEAD + "  sku: { name: 'Premium' }\n  properties: {\n    publicNetworkAccess: 'Disabled'\n    policies: {\n      exportPolicy: { status: 'disabled' }\n    }\n  }\n}",
  },
  guidance: 'private-approved-registries',
  mcsb: ['NS-2'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/data-loss-prevention',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/stable/2025-04-01/examples/RegistryGet.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const sku = premiumOnly(registry, 'the export policy');
    if (sku) return sku;
    const raw = registry.policies?.export;
    const status = statusOf(raw);
    const evidence = { exportPolicy: raw ?? null, publicNetworkAccess: registry.publicNetworkAccess, sku: registry.sku, note: 'Azure applies exportPolicy disabled only while public network access is disabled' };
    if (status === 'other') return notApplicable(`exportPolicy.status ${raw} is not known to this rule`, { conclusive: false, evidence });
    if (status !== 'disabled') {
      return fail(`exports are enabled${raw === undefined ? ' (exportPolicy not set: enabled by default)' : ''}`, withChangeEvidence(evidence, { settingChanges }, { 'properties.policies.exportPolicy.status': raw ?? null }));
    }
    if (registry.publicNetworkAccess !== 'Disabled') {
      return fail('exportPolicy is disabled but public network access is not, so Azure does not apply it', withChangeEvidence(evidence, { settingChanges }, { 'properties.publicNetworkAccess': registry.publicNetworkAccess }));
    }
    return pass('exports are disabled (and public network access is disabled, so the policy applies)', evidence);
  },
});
