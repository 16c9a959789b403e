/** The registry uses ABAC repository permissions (roleAssignmentMode AbacRepositoryPermissions). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { REGISTRY_BICEP_HEAD } from './registryFeatures.js';

export const registryAbacPermissionsEnabled = defineRule({
  id: 'registry.abac-permissions-enabled',
  title: 'Registry role assignments can be scoped to repositories (ABAC)',
  target: 'registry',
  severity: 'low',
  rationale:
    'In the legacy mode (LegacyRegistryPermissions, the default when roleAssignmentMode is absent) every role assignment ' +
    'covers the whole registry: a pipeline that pushes one repository can overwrite all of them. With ' +
    'AbacRepositoryPermissions, Microsoft\'s recommended mode, role assignments carry conditions that scope them to ' +
    'repositories. Low: the mode makes least privilege possible, it does not enforce it; existing AcrPull/AcrPush ' +
    'assignments must be replaced by the Container Registry Repository roles when migrating.',
  remediation: {
    description:
      'Switch the registry to "RBAC Registry + ABAC Repository Permissions", then grant the Container Registry Repository ' +
      'Reader/Writer/Contributor roles with repository conditions (AcrPull/AcrPush are not honoured in this mode).',
    cli: 'az acr update --name <registry> --role-assignment-mode rbac-abac',
    bicep: REGISTRY_BICEP_HEAD + "  sku: { name: 'Standard' }\n  properties: {\n    roleAssignmentMode: 'AbacRepositoryPermissions'\n  }\n}",
  },
  guidance: 'protected-credentials',
  mcsb: ['PA-7'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/preview/2025-03-01-preview/examples/RegistryCreateAbac.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const mode = registry.roleAssignmentMode;
    const evidence = { roleAssignmentMode: mode ?? null };
    if (mode === 'AbacRepositoryPermissions') return pass('role assignments can be scoped to repositories (ABAC)', evidence);
    if (mode === undefined || mode === 'LegacyRegistryPermissions') {
      return fail('role assignments apply to the whole registry (legacy registry permissions)', withChangeEvidence(evidence, { settingChanges }, { 'properties.roleAssignmentMode': mode ?? null }));
    }
    return notApplicable(`roleAssignmentMode ${mode} is not known to this rule`, { conclusive: false, evidence });
  },
});
