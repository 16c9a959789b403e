/** Strict: the registry is reached through at least one approved private endpoint. */
import { defineRule, fail, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { REGISTRY_BICEP_HEAD } from './registryFeatures.js';

export const registryPrivateLinkUsed = defineRule({
  id: 'registry.private-link-used',
  title: 'Registry has an approved private endpoint connection',
  target: 'registry',
  severity: 'medium',
  profile: 'strict',
  rationale:
    'Without an approved private endpoint connection, every pull and push crosses the public endpoint, so the registry ' +
    'cannot be closed to the internet without breaking its clients. Profile strict: a registry without private clients ' +
    '(e.g. one that serves public CI) may reasonably go without. Private endpoints need the Premium SKU; other SKUs fail ' +
    'with the SKU in the evidence.',
  remediation: {
    description: 'Create a private endpoint (group id "registry") in each client virtual network with a private DNS zone privatelink.azurecr.io, and approve its connection.',
    cli:
      'az network private-endpoint create --name <pe> --resource-group <rg> --vnet-name <vnet> --subnet <subnet> \\\n' +
      '  --private-connection-resource-id $(az acr show --name <registry> --query id -o tsv) --group-ids registry --connection-name <registry>-pe',
    bicep:
      "resource pe 'Microsoft.Network/privateEndpoints@2024-05-01' = {\n  name: '${registryName}-pe'\n  location: location\n  properties: {\n" +
      "    subnet: { id: subnetId }\n    privateLinkServiceConnections: [ { name: 'registry', properties: { privateLinkServiceId: acr.id, groupIds: [ 'registry' ] } } ]\n  }\n}\n" +
      REGISTRY_BICEP_HEAD + "  sku: { name: 'Premium' }\n}",
  },
  guidance: 'private-approved-registries',
  mcsb: ['NS-2'],
  references: ['https://learn.microsoft.com/azure/container-registry/container-registry-private-link'],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const connections = registry.privateEndpointConnections ?? [];
    const approved = connections.filter((c) => c.status.toLowerCase() === 'approved');
    const evidence = { sku: registry.sku, privateEndpointCount: registry.privateEndpointCount, approved: approved.length, states: [...new Set(connections.map((c) => c.status))].sort() };
    if (approved.length) return pass(`${approved.length} approved private endpoint connection(s)`, evidence);
    const premium = registry.sku.toLowerCase() === 'premium';
    return fail(`no approved private endpoint connection${premium ? '' : ` (${registry.sku} SKU: private endpoints need Premium)`}`, withChangeEvidence(evidence, { settingChanges }, { 'properties.privateEndpointConnections': undefined }));
  },
});
