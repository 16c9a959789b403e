/**
 * The coverage rule: every scope of the estate could be read. The use case records a readable scope as
 * a pass directly; this rule sees only the gaps, so it always fails.
 */
import { defineRule, fail } from './kit.js';

/** The coverage rule's id, exported once for the use cases. */
export const COVERAGE_RULE_ID = 'audit.scope-readable';
/**
 * Subjects of coverage findings about one event (a push that could not be audited): they resolve only
 * when that event is audited again, never because a later audit read the registry.
 */
export const EVENT_SUBJECT_PREFIX = 'event ';

export const auditScopeReadable = defineRule({
  id: COVERAGE_RULE_ID,
  title: 'Audit scope is readable by the auditor',
  target: 'scope',
  severity: 'medium',
  rationale:
    'A registry or subscription the auditor cannot read is not audited at all: its findings are neither opened nor resolved, ' +
    'and without this finding "no finding" would look like "compliant".',
  remediation: {
    description:
      "Grant the auditor's managed identity Reader on the subscription (or registry), and the data-plane roles it needs " +
      '(Container Registry Repository Reader or AcrPull, Log Analytics Reader on the workspace); check for deny assignments, ' +
      'firewalls and throttling named in the reason.',
    cli: 'az role assignment create --assignee <auditor-principal-id> --role Reader --scope <scope>',
    bicep:
      "resource readerForAuditor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n" +
      "  name: guid(subscription().id, auditorPrincipalId, 'Reader')\n" +
      '  properties: {\n' +
      '    principalId: auditorPrincipalId\n' +
      "    principalType: 'ServicePrincipal'\n" +
      "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')\n" +
      '  }\n' +
      '}',
  },
  guidance: 'audit-coverage',
  mcsb: ['AM-1'],
  references: [
    'https://learn.microsoft.com/azure/role-based-access-control/built-in-roles',
    'https://learn.microsoft.com/security/benchmark/azure/mcsb-asset-management',
  ],
  modes: ['push', 'nightly'],
  evaluate(gap) {
    const status = gap.status ?? null;
    return fail(`scope could not be read${status !== null ? ` (HTTP ${status})` : ''}: ${gap.reason}`, { scope: gap.scope, reason: gap.reason, status });
  },
});
