/** The audited registry's login server is on the allow-list of approved registries. */
import { defineRule, fail, pass } from './kit.js';
import { isApprovedRegistry } from './params.js';

export const registryApproved = defineRule({
  id: 'registry.approved',
  title: 'Registry is on the approved registry list',
  target: 'registry',
  severity: 'high',
  rationale:
    'A registry outside the approved list is not governed by the platform team: its network, identity and retention settings ' +
    'are unknown, and images pushed to it bypass the controls the approved registries enforce. Workloads may pull from it ' +
    'without anyone reviewing what it holds.',
  remediation: {
    description:
      'Move the repositories into an approved registry and delete this one, or, if the registry is legitimate, add its login ' +
      'server (or a pattern such as contoso*.azurecr.io) to the approved registries setting.',
    cli:
      'az acr import --name <approved-registry> --source <this-registry>.azurecr.io/<repository>:<tag> --image <repository>:<tag>\n' +
      'az acr delete --name <this-registry> --resource-group <resource-group>',
    bicep:
      "// Deploy registries only from the platform module, whose name follows the approved pattern.\n" +
      "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n" +
      "  name: 'contosoprod${uniqueString(resourceGroup().id)}'\n" +
      '  location: location\n' +
      "  sku: { name: 'Premium' }\n" +
      '  properties: { adminUserEnabled: false }\n' +
      '}',
  },
  guidance: 'private-approved-registries',
  mcsb: ['AM-2'],
  references: [
    'https://learn.microsoft.com/security/benchmark/azure/mcsb-asset-management',
    'https://learn.microsoft.com/azure/container-registry/container-registry-best-practices',
  ],
  modes: ['push', 'nightly'],
  evaluate({ registry }, { params }) {
    const evidence = {
      loginServer: registry.loginServer,
      approvedPatterns: params.approvedRegistries.map((m) => m.pattern),
    };
    if (params.approvedRegistries.length === 0) {
      return fail(`${registry.loginServer} is not approved: no approved registry patterns are configured`, evidence);
    }
    return isApprovedRegistry(params, registry.loginServer)
      ? pass(`${registry.loginServer} matches an approved registry pattern`, evidence)
      : fail(`${registry.loginServer} matches no approved registry pattern`, evidence);
  },
});
