/**
 * The workload accepts HTTPS only: Container Apps ingress `allowInsecure` false (Microsoft.App 2025-07-01
 * Ingress), App Service `httpsOnly` true (site property, in the Resource Graph row). ACI has no TLS
 * termination and jobs have no ingress: not applicable.
 */
import { defineRule, fail, pass } from './kit.js';
import { settingOf, unavailable } from './workloadSettings.js';

export const workloadHttpsOnly = defineRule({
  id: 'workload.https-only',
  title: 'Workload accepts HTTPS only',
  target: 'workload',
  severity: 'medium',
  rationale: 'Plain HTTP exposes requests, cookies and tokens to anyone on the path and allows downgrade attacks.',
  remediation: {
    description: 'Container Apps: set ingress allowInsecure to false. App Service: set httpsOnly to true.',
    cli: 'az webapp update --name <app> --resource-group <rg> --https-only true',
    bicep:
      "resource site 'Microsoft.Web/sites@2025-03-01' = {\n" +
      '  name: siteName\n' +
      '  location: location\n' +
      '  properties: { serverFarmId: plan.id, httpsOnly: true }\n' +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['DP-3'],
  references: ['https://learn.microsoft.com/azure/container-apps/ingress-overview', 'https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https'],
  modes: ['nightly'],
  evaluate({ workload: w }) {
    const s = settingOf(w, 'httpsOnly');
    const na = unavailable(s);
    if (na || s.state !== 'read') return na!;
    return s.value ? pass('HTTP requests are redirected to HTTPS', { httpsOnly: true }) : fail('the workload accepts plain HTTP', { httpsOnly: false });
  },
});
