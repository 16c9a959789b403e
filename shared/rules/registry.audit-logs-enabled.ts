/**
 * The registry's audit logs (logins and repository events) are routed somewhere by a diagnostic setting.
 * Coverage may be split across settings (logins to one, repository events to another): what matters
 * is that each category reaches at least one destination.
 */
import type { DiagnosticSettingFacts } from '../domain/snapshots.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';

export const AUDIT_LOG_CATEGORIES = ['ContainerRegistryLoginEvents', 'ContainerRegistryRepositoryEvents'] as const;
/** Category groups that include both ACR audit categories. */
const COVERING_GROUPS = ['allLogs', 'audit'];

function hasDestination(s: DiagnosticSettingFacts): boolean {
  const d = s.destinations;
  return Boolean(d.workspaceId || d.storageAccountId || d.eventHubAuthorizationRuleId);
}

/** The audit categories one setting routes (none when it has no destination). */
function routedCategories(s: DiagnosticSettingFacts): string[] {
  if (!hasDestination(s)) return [];
  const enabled = new Set(s.enabledCategories.map((c) => c.toLowerCase()));
  if (COVERING_GROUPS.some((g) => enabled.has(g.toLowerCase()))) return [...AUDIT_LOG_CATEGORIES];
  return AUDIT_LOG_CATEGORIES.filter((c) => enabled.has(c.toLowerCase()));
}

export const registryAuditLogsEnabled = defineRule({
  id: 'registry.audit-logs-enabled',
  title: 'Registry login and repository audit logs are collected',
  target: 'registry',
  severity: 'medium',
  rationale:
    'Without ContainerRegistryLoginEvents and ContainerRegistryRepositoryEvents nobody can tell who logged in, from where, or ' +
    'who pushed, pulled or deleted an image: an incident cannot be investigated and use of the admin account goes unseen ' +
    '(registry.admin-user-unused depends on these logs).',
  remediation: {
    description:
      'Add a diagnostic setting on the registry that sends the audit category group (or both ContainerRegistryLoginEvents and ' +
      'ContainerRegistryRepositoryEvents) to the central Log Analytics workspace.',
    cli:
      'az monitor diagnostic-settings create --name audit-to-law \\\n' +
      '  --resource $(az acr show --name <registry> --query id --output tsv) \\\n' +
      '  --workspace <log-analytics-workspace-id> \\\n' +
      "  --logs '[{\"categoryGroup\":\"audit\",\"enabled\":true}]'",
    bicep:
      "resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n" +
      "  name: 'audit-to-law'\n" +
      '  scope: acr\n' +
      '  properties: {\n' +
      '    workspaceId: workspace.id\n' +
      "    logs: [ { categoryGroup: 'audit', enabled: true } ]\n" +
      '  }\n' +
      '}',
  },
  guidance: 'audited-admin-access',
  mcsb: ['LT-3', 'LT-4'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/monitor-container-registry',
    'https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-containerregistry-registries-logs',
    'https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings',
  ],
  modes: ['nightly'],
  evaluate({ diagnosticSettings }) {
    if (diagnosticSettings === undefined) {
      return notApplicable('diagnostic settings were not collected in this audit', { conclusive: false });
    }
    const routed = new Set(diagnosticSettings.flatMap(routedCategories));
    const missingCategories = AUDIT_LOG_CATEGORIES.filter((c) => !routed.has(c));
    const evidence = {
      settings: diagnosticSettings.map((s) => ({ name: s.name, hasDestination: hasDestination(s), routes: routedCategories(s) })),
      missingCategories,
    };
    if (diagnosticSettings.length === 0) return fail('no diagnostic setting: audit logs are not collected', evidence);
    return missingCategories.length === 0
      ? pass('login and repository events are routed by a diagnostic setting', evidence)
      : fail(`audit logs not routed to any destination: ${missingCategories.join(', ')}`, evidence);
  },
});
