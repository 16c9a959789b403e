/**
 * Only approved principals can change the registry's content: every role assignment at the registry or a scope above
 * it (resource group, subscription, management groups, root) whose role can push, delete, import or administer
 * registry content is held by a principal on AUDITOR_REGISTRY_WRITERS.
 */
import type { RegistrySnapshot, WriteAssignmentFacts, WriteCapability } from '../domain/snapshots.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { isApprovedWriter } from './params.js';

/** Evidence lists at most this many principals (the count is always complete). */
const MAX_LISTED = 20;

/**
 * The capabilities an assignment has on this registry: ACR's legacy push/delete actions are not honoured on a
 * registry in ABAC mode ("Legacy ACR roles such as AcrPull, AcrPush, and AcrDelete are not honored in ABAC-enabled
 * registries", container-registry-rbac-abac-repository-permissions), and the admin passwords are a way in only while
 * the admin user is enabled.
 */
export function effectiveCapabilities(a: Pick<WriteAssignmentFacts, 'capabilities'>, registry: RegistrySnapshot): WriteCapability[] {
  const abac = registry.roleAssignmentMode?.toLowerCase() === 'abacrepositorypermissions';
  return a.capabilities.filter((c) => !(abac && (c === 'push' || c === 'delete')) && !(c === 'admin-credentials' && !registry.adminUserEnabled));
}

function listed(a: WriteAssignmentFacts, capabilities: WriteCapability[]) {
  return {
    principalId: a.principalId,
    ...(a.principalType ? { principalType: a.principalType } : {}),
    role: a.roleName,
    scope: a.scope,
    capabilities,
    ...(a.conditional ? { conditional: true } : {}),
  };
}

export const registryPushAccessRestricted = defineRule({
  id: 'registry.push-access-restricted',
  title: 'Only approved principals can push to or delete from the registry',
  target: 'registry',
  severity: 'high',
  rationale:
    'Whoever can push can replace a production image, and whoever can delete can remove one; roles inherited from the ' +
    'resource group, subscription or a management group (Owner, Contributor) grant this as well as AcrPush, AcrDelete, the ' +
    'Container Registry Repository Writer / Contributor roles or a custom role with those (data) actions. So do roles that ' +
    'reach the content another way: import, tasks, tokens and scope maps, the admin passwords while the admin user is on, ' +
    'and roleAssignments/write (it can grant any of these). The rule lists every principal with such an assignment that is ' +
    'not on AUDITOR_REGISTRY_WRITERS. Resource Graph carries object ids, not names: approve principals by object id. An ' +
    'assignment with an ABAC condition still counts (it may be limited to some repositories: the evidence says so).',
  remediation: {
    description:
      'Remove the role assignments of the principals in the evidence (or narrow them to pull-only roles), give pushes to one ' +
      'release identity with AcrPush / Container Registry Repository Writer on the registry only, and add that identity\'s ' +
      'object id to AUDITOR_REGISTRY_WRITERS.',
    cli:
      'az role assignment list --scope <registry id> --include-inherited --query "[].{principal:principalId, role:roleDefinitionName, scope:scope}" -o table\n' +
      'az role assignment delete --assignee <principal object id> --role <role name> --scope <scope>',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {\n" +
      '  name: registryName\n' +
      '}\n' +
      '// the only principal that may push: the release pipeline identity (its object id on AUDITOR_REGISTRY_WRITERS)\n' +
      "resource push 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n" +
      "  name: guid(acr.id, releasePrincipalId, 'AcrPush')\n" +
      '  scope: acr\n' +
      "  properties: { principalId: releasePrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8311e382-0749-4cb8-b61a-304f252e45ec') }\n" +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['PA-1', 'PA-7'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-directory-reference',
    'https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers',
    'https://learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions',
    'https://learn.microsoft.com/azure/governance/resource-graph/samples/samples-by-category#azure-rbac',
  ],
  modes: ['nightly'],
  evaluate({ registry, writers }, { params }) {
    if (params.registryWriters.length === 0) return notApplicable('no approved writers are configured (AUDITOR_REGISTRY_WRITERS)', { conclusive: true });
    if (!writers) return notApplicable('the role assignments were not read in this audit', { conclusive: false });
    const effective = (list: readonly WriteAssignmentFacts[]) =>
      list.flatMap((a) => {
        const capabilities = effectiveCapabilities(a, registry);
        return capabilities.length && !isApprovedWriter(params, a.principalId) ? [{ a, capabilities }] : [];
      });
    const approved = writers.approvedLeftOut + writers.assignments.filter((a) => effectiveCapabilities(a, registry).length && isApprovedWriter(params, a.principalId)).length;
    const unapproved = effective(writers.assignments);
    const definite = unapproved.filter((u) => !u.capabilities.includes('unresolved-role'));
    const unresolved = unapproved.filter((u) => u.capabilities.includes('unresolved-role'));
    const uncertain = effective(writers.uncertain);
    const count = definite.length + writers.truncated;
    const base = { roleAssignmentMode: registry.roleAssignmentMode ?? null, adminUserEnabled: registry.adminUserEnabled, approvedAssignments: approved };
    if (count > 0) {
      const principals = [...new Set([...definite.map((d) => d.a.principalId)])];
      return fail(`${count} role assignment(s) let ${principals.length}${writers.truncated ? '+' : ''} principal(s) not on AUDITOR_REGISTRY_WRITERS change the registry's content`, {
        ...base,
        count,
        unapproved: definite.slice(0, MAX_LISTED).map((d) => listed(d.a, d.capabilities)),
        ...(count > MAX_LISTED ? { listed: Math.min(MAX_LISTED, definite.length), omitted: count - Math.min(MAX_LISTED, definite.length) } : {}),
        ...(unresolved.length ? { unresolvedRoles: unresolved.length } : {}),
      });
    }
    if (unresolved.length) {
      return notApplicable(`${unresolved.length} assignment(s) of principals not on AUDITOR_REGISTRY_WRITERS have a role whose definition could not be read`, {
        conclusive: false,
        evidence: { ...base, unresolved: unresolved.slice(0, MAX_LISTED).map((u) => listed(u.a, u.capabilities)) },
      });
    }
    if (uncertain.length || writers.uncertainTruncated) {
      return notApplicable('write-capable assignments at management groups may apply to this registry: the subscription\'s management-group ancestry was not read', {
        conclusive: false,
        evidence: { ...base, uncertain: uncertain.length + writers.uncertainTruncated, principals: uncertain.slice(0, MAX_LISTED).map((u) => listed(u.a, u.capabilities)) },
      });
    }
    return pass(`every principal that can change the registry's content is approved (${approved} assignment(s))`, base);
  },
});
