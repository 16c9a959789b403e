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
 * ingress in the issue; the kit has no profiles yet.)
 */
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
    const n = s.value;
    if (w.kind === 'containerGroup') {
      if (n.ipAddressType?.toLowerCase() === 'public') return fail('the container group has a public IP address', { ipAddressType: n.ipAddressType, subnets: n.subnetCount ?? 0 });
      return pass(n.subnetCount ? 'the container group runs in a virtual network subnet without a public IP address' : 'the container group has no public IP address', { ipAddressType: n.ipAddressType ?? 'none', subnets: n.subnetCount ?? 0 });
    }
    if (!n.ingress) return pass('the app has no ingress', { ingress: 'none' });
    if (!n.ingress.external) return pass('ingress is internal to the environment', { ingress: 'internal' });
    if (n.ingress.allowRules > 0) return pass(`external ingress is restricted by ${n.ingress.allowRules} IP allow rule(s)`, { ingress: 'external', allowRules: n.ingress.allowRules });
    if (n.environment === 'unread' || (n.environmentId && !n.environment)) {
      return notApplicable('external ingress without IP allow rules; the environment could not be read to see whether it is internal', { conclusive: false, evidence: { ingress: 'external', ...(n.environmentId ? { environmentId: n.environmentId } : {}) } });
    }
    if (n.environment?.internal && n.environment.subnet) return pass('external ingress of an internal environment injected into a subnet', { ingress: 'external', environmentInternal: true });
    return fail('external ingress open to the internet (no IP allow rules, environment not internal)', { ingress: 'external', allowRules: 0, denyRules: n.ingress.denyRules, environmentInternal: false });
  },
});
