/** Strict: the registry has no public endpoint at all (publicNetworkAccess Disabled). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { REGISTRY_BICEP_HEAD } from './registryFeatures.js';

export const registryPublicNetworkDisabled = defineRule({
  id: 'registry.public-network-disabled',
  title: 'Registry public network access is disabled',
  target: 'registry',
  severity: 'medium',
  profile: 'strict',
  rationale:
    'registry.public-network-restricted accepts a public endpoint behind a deny-by-default firewall; this stricter rule ' +
    'accepts only no public endpoint at all, so the registry is reachable through private endpoints only and a leaked ' +
    'credential is useless outside the private network. Profile strict: IP allow-lists are a legitimate choice for many ' +
    'teams. Disabling public access needs the Premium SKU (private endpoints); on other SKUs the rule fails with the SKU in ' +
    'the evidence, since the registry is public.',
  remediation: {
    description: 'Create private endpoints for every client network (Premium), then disable public network access.',
    cli: 'az acr update --name <registry> --public-network-enabled false',
    bicep: REGISTRY_BICEP_HEAD + "  sku: { name: 'Premium' }\n  properties: {\n    publicNetworkAccess: 'Disabled'\n  }\n}",
  },
  guidance: 'private-approved-registries',
  mcsb: ['NS-2'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-private-link',
    'https://learn.microsoft.com/azure/container-registry/container-registry-skus',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const evidence = { publicNetworkAccess: registry.publicNetworkAccess, sku: registry.sku, privateEndpointCount: registry.privateEndpointCount };
    if (registry.publicNetworkAccess === 'Disabled') return pass('public network access is disabled', evidence);
    if (registry.publicNetworkAccess !== 'Enabled') return notApplicable(`publicNetworkAccess ${registry.publicNetworkAccess} is not known to this rule`, { conclusive: false, evidence });
    const premium = registry.sku.toLowerCase() === 'premium';
    return fail(`public network access is enabled${premium ? '' : ` (${registry.sku} SKU: disabling it needs Premium)`}`, withChangeEvidence(evidence, { settingChanges }, { 'properties.publicNetworkAccess': registry.publicNetworkAccess }));
  },
});
