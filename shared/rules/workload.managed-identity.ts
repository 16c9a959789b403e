/**
 * The workload has a managed identity (`identity.type` other than None), which it needs for keyless
 * registry pulls and Key Vault secrets. Profile `strict` in the issue; the kit has no profiles yet (issue 13),
 * so the rule runs with low severity.
 */
import { defineRule, fail, pass } from './kit.js';
import { settingOf, unavailable } from './workloadSettings.js';

export const workloadManagedIdentity = defineRule({
  id: 'workload.managed-identity',
  title: 'Workload has a managed identity',
  target: 'workload',
  severity: 'low',
  rationale: 'Without a managed identity a workload can reach registries and Key Vault only with stored secrets. (Profile strict in issue 14.)',
  remediation: {
    description: 'Assign a system-assigned or user-assigned managed identity to the workload.',
    cli: 'az containerapp identity assign --name <app> --resource-group <rg> --system-assigned',
    bicep: "resource app 'Microsoft.App/containerApps@2025-07-01' = {\n  name: appName\n  location: location\n  identity: { type: 'SystemAssigned' }\n  properties: properties\n}",
  },
  guidance: 'protected-credentials',
  mcsb: ['IM-3'],
  references: ['https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview'],
  modes: ['nightly'],
  evaluate({ workload: w }) {
    const s = settingOf(w, 'identity');
    const na = unavailable(s);
    if (na || s.state !== 'read') return na!;
    return s.value.type.toLowerCase() === 'none' ? fail('the workload has no managed identity', { identityType: 'None' }) : pass(`identity ${s.value.type}`, { identityType: s.value.type });
  },
});
