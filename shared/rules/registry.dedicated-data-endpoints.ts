/** Strict, Premium: layers are served from registry-specific data endpoints (dataEndpointEnabled). */
import { defineRule, fail, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { premiumOnly, REGISTRY_BICEP_HEAD } from './registryFeatures.js';

export const registryDedicatedDataEndpoints = defineRule({
  id: 'registry.dedicated-data-endpoints',
  title: 'Registry serves content from dedicated data endpoints',
  target: 'registry',
  severity: 'low',
  profile: 'strict',
  rationale:
    'Without dedicated data endpoints, clients download layers from the shared *.blob.core.windows.net storage of the ' +
    'region, so a firewall that lets them pull must allow every storage account there: a path to exfiltrate data to any ' +
    'account. Dedicated endpoints (<registry>.<region>.data.azurecr.io) let firewall rules name this registry only. Low, ' +
    'profile strict: it matters where egress is filtered. Premium SKU only (not applicable elsewhere).',
  remediation: {
    description: 'Enable dedicated data endpoints and update client firewall rules to the registry\'s data endpoint names.',
    cli: 'az acr update --name <registry> --data-endpoint-enabled true',
    bicep: REGISTRY_BICEP_HEAD + "  sku: { name: 'Premium' }\n  properties: {\n    dataEndpointEnabled: true\n  }\n}",
  },
  guidance: 'private-approved-registries',
  mcsb: ['NS-2'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-dedicated-data-endpoints',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/stable/2025-04-01/examples/RegistryGet.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const sku = premiumOnly(registry, 'dedicated data endpoints');
    if (sku) return sku;
    const evidence = { dataEndpointEnabled: registry.dataEndpointEnabled ?? null, sku: registry.sku };
    if (registry.dataEndpointEnabled === true) return pass('content is served from dedicated data endpoints', evidence);
    return fail('content is served from shared regional storage endpoints (dataEndpointEnabled is off)', withChangeEvidence(evidence, { settingChanges }, { 'properties.dataEndpointEnabled': registry.dataEndpointEnabled }));
  },
});
