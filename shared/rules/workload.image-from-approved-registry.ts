/** A container runs an image from an approved registry (implicit Docker Hub names count as docker.io). */
import { defineRule, fail, pass } from './kit.js';
import { isApprovedRegistry } from './params.js';

export const workloadImageFromApprovedRegistry = defineRule({
  id: 'workload.image-from-approved-registry',
  title: 'Workload image comes from an approved registry',
  target: 'workloadImage',
  severity: 'high',
  rationale:
    'An image pulled from an unapproved registry (Docker Hub, a personal registry) skipped every control the approved ' +
    'registries apply: no audit of who pushed it, no base image policy, no vulnerability scanning, and its content can change ' +
    'under the same tag. An image reference that does not parse cannot be shown to come from an approved registry.',
  remediation: {
    description:
      'Import the image into an approved registry (or pull it through an ACR cache rule) and point the workload at it, pulling ' +
      'with a managed identity that has AcrPull.',
    cli:
      'az acr import --name <registry> --source docker.io/library/nginx:1.27 --image mirror/nginx:1.27\n' +
      'az containerapp update --name <app> --resource-group <rg> --image <registry>.azurecr.io/mirror/nginx:1.27',
    bicep:
      "resource app 'Microsoft.App/containerApps@2024-03-01' = {\n" +
      '  name: appName\n' +
      '  location: location\n' +
      "  identity: { type: 'UserAssigned', userAssignedIdentities: { '${pullIdentity.id}': {} } }\n" +
      '  properties: {\n' +
      '    environmentId: environment.id\n' +
      '    configuration: { registries: [ { server: acr.properties.loginServer, identity: pullIdentity.id } ] }\n' +
      "    template: { containers: [ { name: 'api', image: '${acr.properties.loginServer}/mirror/nginx:1.27' } ] }\n" +
      '  }\n' +
      '}',
  },
  guidance: 'private-approved-registries',
  mcsb: ['AM-2', 'DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-import-images',
    'https://learn.microsoft.com/azure/container-registry/buffer-gate-public-content',
    'https://learn.microsoft.com/azure/container-apps/managed-identity-image-pull',
  ],
  modes: ['nightly'],
  evaluate({ workload, container, reference, referenceError }, { params }) {
    const base = { image: container.image, container: container.name, workloadKind: workload.kind, role: container.role };
    if (!reference) {
      const reason = referenceError ?? 'the image reference was not parsed';
      return fail(`image ${JSON.stringify(container.image)} cannot be shown to come from an approved registry: ${reason}`, {
        ...base,
        referenceError: reason,
      });
    }
    const evidence = { ...base, registry: reference.registry };
    return isApprovedRegistry(params, reference.registry)
      ? pass(`image comes from approved registry ${reference.registry}`, evidence)
      : fail(`image comes from ${reference.registry}, which is not an approved registry`, evidence);
  },
});
