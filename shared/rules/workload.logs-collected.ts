/**
 * Container logs go to a Log Analytics workspace. ACI: `diagnostics.logAnalytics` (2025-09-01
 * ContainerGroupDiagnostics) or a diagnostic setting with a workspace. Container Apps and jobs: the
 * environment's `appLogsConfiguration.destination` `log-analytics`, or `azure-monitor` with a diagnostic
 * setting of the environment sending to a workspace. App Service: a diagnostic setting sending
 * `AppServiceConsoleLogs` and `AppServiceAppLogs` (or the `allLogs` group) to a workspace.
 */
import type { DiagnosticSettingFacts } from '../domain/snapshots.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { settingOf, unavailable } from './workloadSettings.js';

const toWorkspace = (ds: readonly DiagnosticSettingFacts[], categories: string[]): DiagnosticSettingFacts | undefined =>
  ds.find((d) => d.destinations.workspaceId && (d.enabledCategories.some((c) => c.toLowerCase() === 'alllogs') || categories.every((c) => d.enabledCategories.some((e) => e.toLowerCase() === c.toLowerCase()))));

const APP_SERVICE_CATEGORIES = ['AppServiceConsoleLogs', 'AppServiceAppLogs'];
const ACI_CATEGORIES: string[] = [];
const ENVIRONMENT_CATEGORIES = ['ContainerAppConsoleLogs'];

export const workloadLogsCollected = defineRule({
  id: 'workload.logs-collected',
  title: 'Workload container logs go to a Log Analytics workspace',
  target: 'workload',
  severity: 'medium',
  rationale: 'Without container logs in a workspace there is no record to investigate an incident or to alert on suspicious container activity.',
  remediation: {
    description:
      'ACI: set diagnostics.logAnalytics. Container Apps: set the environment appLogsConfiguration destination to log-analytics (or azure-monitor with a ' +
      'diagnostic setting). App Service: add a diagnostic setting with AppServiceConsoleLogs and AppServiceAppLogs to a workspace.',
    cli: 'az monitor diagnostic-settings create --name to-law --resource <site id> --workspace <workspace id> --logs \'[{"category":"AppServiceConsoleLogs","enabled":true},{"category":"AppServiceAppLogs","enabled":true}]\'',
    bicep:
      "resource env 'Microsoft.App/managedEnvironments@2025-07-01' = {\n" +
      '  name: envName\n' +
      '  location: location\n' +
      "  properties: { appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: law.properties.customerId, sharedKey: law.listKeys().primarySharedKey } } }\n" +
      '}',
  },
  guidance: 'audit-coverage',
  mcsb: ['LT-3'],
  references: ['https://learn.microsoft.com/azure/container-instances/container-instances-log-analytics', 'https://learn.microsoft.com/azure/container-apps/log-options', 'https://learn.microsoft.com/azure/app-service/troubleshoot-diagnostic-logs#send-logs-to-azure-monitor'],
  modes: ['nightly'],
  evaluate({ workload: w }) {
    if (w.containers.length === 0 && !w.childContainers) return notApplicable('the workload runs no container', { conclusive: true });
    const s = settingOf(w, 'logs');
    const na = unavailable(s);
    if (na || s.state !== 'read') return na!;
    const l = s.value;
    const viaSettings = (categories: string[]) => {
      if (l.diagnosticSettings === undefined || l.diagnosticSettings === 'unread') return undefined;
      return toWorkspace(l.diagnosticSettings, categories) ?? null;
    };
    if (w.kind === 'containerGroup') {
      if (l.logAnalytics) return pass('container logs go to Log Analytics (diagnostics.logAnalytics)', { via: 'diagnostics.logAnalytics' });
      const d = viaSettings(ACI_CATEGORIES);
      if (d) return pass(`container logs go to a workspace (diagnostic setting ${d.name})`, { via: 'diagnosticSettings', setting: d.name });
      if (d === undefined) return notApplicable('no diagnostics.logAnalytics and the diagnostic settings were not read', { conclusive: false });
      return fail('container logs go to no workspace', { logAnalytics: false, diagnosticSettings: 0 });
    }
    if (w.kind === 'containerApp' || w.kind === 'containerAppJob') {
      const dest = l.environmentDestination;
      if (dest === undefined || dest === 'unread') return notApplicable('the Container Apps environment could not be read', { conclusive: false, evidence: { ...(l.environmentId ? { environmentId: l.environmentId } : {}) } });
      if (dest === 'log-analytics') return pass('the environment sends app logs to Log Analytics', { destination: dest });
      if (dest === 'azure-monitor') {
        const d = viaSettings(ENVIRONMENT_CATEGORIES);
        if (d) return pass(`the environment sends app logs to Azure Monitor, and diagnostic setting ${d.name} to a workspace`, { destination: dest, setting: d.name });
        if (d === undefined) return notApplicable('azure-monitor destination; the environment diagnostic settings were not read', { conclusive: false });
        return fail('the environment sends app logs to Azure Monitor, but no diagnostic setting sends them to a workspace', { destination: dest });
      }
      return fail('the environment keeps no app logs (appLogsConfiguration destination none)', { destination: dest ?? 'none' });
    }
    const d = viaSettings(APP_SERVICE_CATEGORIES);
    if (d) return pass(`console and app logs go to a workspace (diagnostic setting ${d.name})`, { setting: d.name });
    if (d === undefined) return notApplicable('the diagnostic settings were not read', { conclusive: false });
    return fail('no diagnostic setting sends AppServiceConsoleLogs and AppServiceAppLogs to a workspace', { categories: APP_SERVICE_CATEGORIES });
  },
});
