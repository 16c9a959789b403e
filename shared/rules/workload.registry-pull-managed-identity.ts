/**
 * Every private-registry pull of a workload authenticates with a managed identity, not a user name and
 * password. ACI `imageRegistryCredentials[]` (identity / identityUrl, no password), Container Apps
 * `configuration.registries[]` (identity, no passwordSecretRef), App Service site config
 * `acrUseManagedIdentityCreds` (read from ARM `config/web`) and each sitecontainer's `authType`.
 * A pull whose user name is the registry's name uses the registry's admin credentials: it is named in the
 * evidence (`adminCredentialPulls`), because it blocks turning the admin user off.
 */
import type { RegistryPullFacts } from '../domain/snapshots.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { bounded, settingOf, unavailable } from './workloadSettings.js';

/** Whether a pull uses the registry's admin account: ACR's admin user name is the registry name. */
export function isAdminCredentialPull(p: RegistryPullFacts): boolean {
  if (p.method !== 'password' || !p.username || !p.server) return false;
  const server = p.server.toLowerCase();
  return server.endsWith('.azurecr.io') || server.includes('.azurecr.') ? server.split('.')[0] === p.username.toLowerCase() : false;
}

export const workloadRegistryPullManagedIdentity = defineRule({
  id: 'workload.registry-pull-managed-identity',
  title: 'Workload pulls images from private registries with a managed identity',
  target: 'workload',
  severity: 'high',
  rationale:
    'A registry user name and password stored on a workload is a long-lived secret that can be copied and replayed from anywhere; ' +
    "when it is the registry's admin account it grants push and delete on every repository and blocks disabling the admin user. " +
    'A managed identity with AcrPull has no secret to leak and is scoped to pull.',
  remediation: {
    description:
      'Give the workload a managed identity with the AcrPull role on the registry and configure the registry with that identity ' +
      '(ACI imageRegistryCredentials[].identity, Container Apps configuration.registries[].identity, App Service acrUseManagedIdentityCreds ' +
      'or sitecontainer authType SystemIdentity/UserAssigned); remove the user name and password.',
    cli: 'az containerapp registry set --name <app> --resource-group <rg> --server <registry>.azurecr.io --identity system',
    bicep:
      "resource app 'Microsoft.App/containerApps@2025-07-01' = {\n" +
      '  name: appName\n' +
      '  location: location\n' +
      "  identity: { type: 'SystemAssigned' }\n" +
      '  properties: {\n' +
      '    environmentId: environment.id\n' +
      "    configuration: { registries: [ { server: acr.properties.loginServer, identity: 'system' } ] }\n" +
      '    template: template\n' +
      '  }\n' +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['IM-3', 'PA-1'],
  references: [
    'https://learn.microsoft.com/azure/container-instances/using-azure-container-registry-mi',
    'https://learn.microsoft.com/azure/container-apps/managed-identity-image-pull',
    'https://learn.microsoft.com/azure/app-service/configure-custom-container#use-managed-identity-to-pull-image-from-azure-container-registry',
  ],
  modes: ['nightly'],
  evaluate({ workload: w }) {
    if (w.containers.length === 0 && !w.childContainers) return notApplicable('the workload runs no container', { conclusive: true });
    const s = settingOf(w, 'registryPulls');
    const na = unavailable(s);
    if (na) return na;
    const pulls = [
      ...(s.state === 'read' ? s.value.map((p) => ({ ...p })) : []),
      ...w.containers.flatMap((c) => (c.pull ? [{ ...c.pull, container: c.name }] : [])),
    ];
    const withPassword = pulls.filter((p) => p.method === 'password');
    const admin = withPassword.filter(isAdminCredentialPull).map((p) => ({ server: p.server, username: p.username }));
    const view = (p: RegistryPullFacts & { container?: string }) => ({
      ...(p.server ? { server: p.server } : {}),
      ...(p.username ? { username: p.username } : {}),
      ...('container' in p && p.container ? { container: p.container } : {}),
    });
    if (withPassword.length) {
      const b = bounded(withPassword.map(view));
      return fail(
        `${withPassword.length} registry pull(s) use a user name and password${admin.length ? `, ${admin.length} with the registry's admin account` : ''}`,
        { passwordPulls: b.items, ...(b.truncated ? { passwordPullsTruncated: b.truncated } : {}), ...(admin.length ? { adminCredentialPulls: admin.slice(0, 20) } : {}) },
      );
    }
    const identities = pulls.filter((p) => p.method === 'managed-identity');
    return pass(identities.length ? `${identities.length} registry pull(s) use a managed identity` : 'no registry credentials configured (public images only)', {
      managedIdentityPulls: bounded(identities.map(view)).items,
    });
  },
});
