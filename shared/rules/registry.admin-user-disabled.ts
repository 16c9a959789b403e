/** The registry's built-in admin user (a shared, non-personal credential) is turned off. */
import { defineRule, fail, pass } from './kit.js';
import { changeEvidence } from './settingChanges.js';

export const registryAdminUserDisabled = defineRule({
  id: 'registry.admin-user-disabled',
  title: 'Registry admin user is disabled',
  target: 'registry',
  severity: 'high',
  rationale:
    'The admin user is a single shared account with push and pull rights on every repository. Its two passwords are long-lived ' +
    'secrets that end up in pipelines and app settings; anyone holding one acts anonymously (logs show the registry name, not a ' +
    'person) and Entra ID controls such as Conditional Access, PIM and RBAC scoping do not apply.',
  remediation: {
    description:
      'Move every client to Microsoft Entra ID identities (managed identities for workloads, service principals or workload ' +
      'identity federation for pipelines) with AcrPull / AcrPush roles, then disable the admin user.',
    cli: 'az acr update --name <registry> --admin-enabled false',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n" +
      '  name: registryName\n' +
      '  location: location\n' +
      "  sku: { name: 'Premium' }\n" +
      '  properties: {\n' +
      '    adminUserEnabled: false\n' +
      '  }\n' +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['IM-1', 'PA-1', 'PA-7'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account',
    'https://learn.microsoft.com/azure/container-registry/security-baseline',
  ],
  modes: ['push', 'nightly'],
  evaluate({ registry, adminUserChange, adminCredentialWorkloads, settingChanges }) {
    if (registry.adminUserEnabled === false) {
      return pass('admin user is disabled', { adminUserEnabled: false });
    }
    const evidence: Record<string, unknown> = { adminUserEnabled: registry.adminUserEnabled };
    if (adminUserChange) {
      if (adminUserChange.changedBy !== undefined) evidence.enabledBy = adminUserChange.changedBy;
      evidence.enabledAt = adminUserChange.timestamp;
      if (adminUserChange.clientType !== undefined) evidence.clientType = adminUserChange.clientType;
    } else {
      // Who turned it on is not known: the registry's creation in the window names its creator, when nothing changed it since.
      const lastChange = changeEvidence({ settingChanges }, { 'properties.adminUserEnabled': true });
      if (lastChange) evidence.lastChange = lastChange;
    }
    // Workloads pulling with the admin account (workload.registry-pull-managed-identity names them too): they block turning it off.
    if (adminCredentialWorkloads?.count) evidence.workloadsPullingWithAdmin = { count: adminCredentialWorkloads.count, workloads: adminCredentialWorkloads.workloads.slice(0, 20) };
    const who = adminUserChange?.changedBy ? ` (enabled by ${adminUserChange.changedBy} at ${adminUserChange.timestamp})` : '';
    const blocking = adminCredentialWorkloads?.count ? `; ${adminCredentialWorkloads.count} workload(s) pull with it` : '';
    return fail(`admin user is enabled${who}${blocking}`, evidence);
  },
});
