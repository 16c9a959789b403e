/**
 * The workload is not exposed to the internet without restriction. ACI: no public IP address
 * (`ipAddress.type` not `Public`; a group in a subnet has a private one). Container Apps: no ingress,
 * internal ingress (`external` false), external ingress restricted by IP allow rules
 * (`ipSecurityRestrictions` with action Allow), or an internal environment injected into a subnet
 * (`vnetConfiguration.internal` and `infrastructureSubnetId`, Microsoft.App 2025-07-01 ManagedEnvironment,
 * read from Resource Graph). Jobs have no ingress; App Service is outside this rule. Workloads meant to be
 * public are waived, e.g. AUDITOR_WAIVERS=[{"id":"public-storefront","ruleId":"workload.network-isolated",
 * "resource":"/subscriptions/<s>/resourceGroups/rg-web/providers/Microsoft.App/containerApps/ca-storefront",
 * "reason":"public storefront behind Front Door WAF"}]. (Profile strict for Container Apps with external
 * ingress in the issue; the kit has no profiles yet.) The per-kind decision lives in shared/domain/exposure.ts,
 * shared with workload.image-vulnerabilities-resolved (severity raised when reachable).
 */
import { exposureOfNetwork } from '../domain/exposure.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { settingOf, unavailable } from './workloadSettings.js';

export const workloadNetworkIsolated = defineRule({
  id: 'workload.network-isolated',
  title: 'Workload is not openly reachable from the internet',
  target: 'workload',
  severity: 'medium',
  rationale: 'A workload with an unrestricted public endpoint is reachable by every scanner on the internet; segmenting the network limits the blast radius of a vulnerable image.',
  remediation: {
    description:
      'ACI: deploy the group into a virtual network subnet (ipAddress.type Private). Container Apps: make ingress internal, restrict external ingress with ' +
      'ipSecurityRestrictions, or run the app in an internal environment. Waive workloads that are meant to be public (AUDITOR_WAIVERS).',
    cli: 'az containerapp ingress update --name <app> --resource-group <rg> --type internal',
    bicep:
      "resource env 'Microsoft.App/managedEnvironments@2025-07-01' = {\n" +
      '  name: envName\n' +
      '  location: location\n' +
      '  properties: { vnetConfiguration: { internal: true, infrastructureSubnetId: subnet.id } }\n' +
      '}',
  },
  guidance: 'private-approved-registries',
  mcsb: ['NS-1', 'NS-2'],
  references: ['https://learn.microsoft.com/azure/container-instances/container-instances-vnet', 'https://learn.microsoft.com/azure/container-apps/ip-restrictions', 'https://learn.microsoft.com/azure/container-apps/networking'],
  modes: ['nightly'],
  evaluate({ workload: w }) {
    const s = settingOf(w, 'network');
    const na = unavailable(s);
    if (na || s.state !== 'read') return na!;
    const x = exposureOfNetwork(w.kind, s.value);
    if (x.state === 'reachable') return fail(x.why, x.evidence);
    if (x.state === 'isolated') return pass(x.why, x.evidence);
    return notApplicable(x.why, { conclusive: x.conclusive, evidence: x.evidence });
  },
});
