/** The registry is not reachable from every network: public access is off, or the firewall denies by default. */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';

export const registryPublicNetworkRestricted = defineRule({
  id: 'registry.public-network-restricted',
  title: 'Registry public network access is disabled or restricted by firewall rules',
  target: 'registry',
  severity: 'medium',
  rationale:
    'A registry open to all networks accepts authentication attempts and pulls from anywhere on the internet, so a leaked ' +
    'token or admin password is usable from any address. Private endpoints or an IP allow-list limit the blast radius of a ' +
    'stolen credential. Severity is medium because identity is still required; it is the second line of defence.',
  remediation: {
    description:
      'Prefer private endpoints and disable public network access; otherwise set the default firewall action to Deny and allow ' +
      'only the required IP ranges. Firewall rules and private endpoints need the Premium SKU.',
    cli:
      'az acr update --name <registry> --public-network-enabled false\n' +
      '# or keep public access but deny by default:\n' +
      'az acr update --name <registry> --default-action Deny\n' +
      'az acr network-rule add --name <registry> --ip-address <cidr>',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n" +
      '  name: registryName\n' +
      '  location: location\n' +
      "  sku: { name: 'Premium' }\n" +
      '  properties: {\n' +
      "    publicNetworkAccess: 'Disabled'\n" +
      "    networkRuleBypassOptions: 'AzureServices'\n" +
      "    networkRuleSet: { defaultAction: 'Deny', ipRules: [] }\n" +
      '  }\n' +
      '}',
  },
  guidance: 'private-approved-registries',
  mcsb: ['NS-2'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-private-link',
    'https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks',
    'https://learn.microsoft.com/security/benchmark/azure/mcsb-network-security',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const evidence = {
      publicNetworkAccess: registry.publicNetworkAccess,
      defaultAction: registry.networkRuleSet?.defaultAction ?? null,
      ipRuleCount: registry.networkRuleSet?.ipRuleCount ?? 0,
      privateEndpointCount: registry.privateEndpointCount,
    };
    if (registry.publicNetworkAccess === 'Disabled') {
      return pass(`public network access is disabled (${registry.privateEndpointCount} private endpoint(s))`, evidence);
    }
    if (registry.networkRuleSet?.defaultAction === 'Deny') {
      return pass(`public network access is restricted to ${evidence.ipRuleCount} IP rule(s)`, evidence);
    }
    // A value of a newer API version (e.g. SecuredByPerimeter: a network security perimeter decides)
    // is not known to this rule: it says so and neither passes nor fails.
    const unknown = [
      registry.publicNetworkAccess !== 'Enabled' ? `publicNetworkAccess ${registry.publicNetworkAccess}` : undefined,
      registry.networkRuleSet && registry.networkRuleSet.defaultAction !== 'Allow' ? `networkRuleSet.defaultAction ${registry.networkRuleSet.defaultAction}` : undefined,
    ].filter((x): x is string => x !== undefined);
    if (unknown.length) return notApplicable(`value not known to this rule: ${unknown.join(', ')}; check the registry's network access by hand`, { conclusive: false, evidence });
    return fail('registry accepts connections from all networks', withChangeEvidence(evidence, { settingChanges }, {
      'properties.publicNetworkAccess': registry.publicNetworkAccess,
      'properties.networkRuleSet.defaultAction': registry.networkRuleSet?.defaultAction,
    }));
  },
});
