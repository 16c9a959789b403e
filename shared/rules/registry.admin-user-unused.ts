/**
 * Nobody uses the admin account: no push by it (Event Grid) and no login with it in the lookback window
 * (ContainerRegistryLoginEvents). A disabled admin account cannot be used.
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';

export const registryAdminUserUnused = defineRule({
  id: 'registry.admin-user-unused',
  title: 'Registry admin account is not used',
  target: 'registry',
  severity: 'high',
  rationale:
    'Each use of the admin account is an anonymous, shared-secret access with full push rights: the person behind it cannot be ' +
    'identified, and the same password may be used by a pipeline, a laptop and an attacker alike. Use shows which clients must ' +
    'move to Entra ID identities before the admin user can be disabled.',
  remediation: {
    description:
      'Find the clients in the evidence (IP addresses, user agents, repositories), move them to managed identities or service ' +
      'principals with AcrPull / AcrPush, regenerate both admin passwords, then disable the admin user.',
    cli:
      'az acr credential renew --name <registry> --password-name password\n' +
      'az acr credential renew --name <registry> --password-name password2\n' +
      'az acr update --name <registry> --admin-enabled false',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n" +
      '  name: registryName\n' +
      '  location: location\n' +
      "  sku: { name: 'Premium' }\n" +
      '  properties: { adminUserEnabled: false }\n' +
      '}\n' +
      '// give each client its own identity instead of the admin password\n' +
      "resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n" +
      "  name: guid(acr.id, principalId, 'AcrPull')\n" +
      '  scope: acr\n' +
      "  properties: { principalId: principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d') }\n" +
      '}',
  },
  guidance: 'audited-admin-access',
  mcsb: ['IM-1', 'PA-1', 'LT-3'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account',
    'https://learn.microsoft.com/azure/container-registry/monitor-container-registry',
    'https://learn.microsoft.com/azure/container-registry/container-registry-roles',
  ],
  modes: ['push', 'nightly'],
  // A push by someone else does not show that nobody uses the admin account.
  pushResults: 'fail-only',
  evaluate({ registry, adminPush, adminLogins }) {
    if (adminPush) {
      const { actor, time, sourceAddress, userAgent, repository, tag, digest } = adminPush;
      return fail(`admin account ${actor} pushed ${repository}${tag ? `:${tag}` : `@${digest}`} at ${time}`, {
        actor,
        time,
        ...(sourceAddress !== undefined ? { sourceAddress } : {}),
        ...(userAgent !== undefined ? { userAgent } : {}),
        repository,
        ...(tag !== undefined ? { tag } : {}),
        digest,
      });
    }
    if (adminLogins && adminLogins.count > 0) {
      const { count, firstSeen, lastSeen, callerIpAddresses, userAgents, lookbackDays, workspaceId } = adminLogins;
      return fail(`admin account logged in ${count} time(s) in the last ${lookbackDays} days${lastSeen ? `, last at ${lastSeen}` : ''}`, {
        count,
        ...(firstSeen !== undefined ? { firstSeen } : {}),
        ...(lastSeen !== undefined ? { lastSeen } : {}),
        callerIpAddresses,
        userAgents,
        lookbackDays,
        workspaceId,
      });
    }
    if (adminLogins) {
      return pass(`no admin login in the last ${adminLogins.lookbackDays} days`, {
        count: 0,
        lookbackDays: adminLogins.lookbackDays,
        workspaceId: adminLogins.workspaceId,
      });
    }
    if (registry.adminUserEnabled === false) {
      return pass('admin user is disabled, so the admin account cannot be used', { adminUserEnabled: false });
    }
    if (adminLogins === null) {
      return notApplicable('login events are not routed to a queryable workspace: see registry.audit-logs-enabled', {
        conclusive: false,
        evidence: { adminUserEnabled: true },
      });
    }
    return notApplicable('admin logins were not collected in this audit', { conclusive: false, evidence: { adminUserEnabled: true } });
  },
});
