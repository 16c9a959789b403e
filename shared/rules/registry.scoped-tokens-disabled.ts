/**
 * No enabled repository-scoped token (issue 13): one finding per enabled token of a registry
 * (`Microsoft.ContainerRegistry/registries/tokens`, read with an ARM list call per registry).
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { statusOf } from './registryFeatures.js';
import { tokenEvidence, usablePasswords } from './registryTokens.js';

export const registryScopedTokensDisabled = defineRule({
  id: 'registry.scoped-tokens-disabled',
  title: 'Registry has no enabled repository-scoped token',
  target: 'registryToken',
  severity: 'medium',
  rationale:
    'A repository-scoped token is a user name and password outside Microsoft Entra ID: it is not subject to Conditional ' +
    'Access or MFA, it is shared by whoever holds the password, and sign-ins with it name the token, not a person or a ' +
    'workload identity. Microsoft recommends Entra identities (managed identities, service principals) with Azure RBAC or ' +
    'ABAC repository permissions instead. Medium: a token is scoped by its scope map, and the finding names it, its scope ' +
    'map and when its passwords expire so the owner can replace it. A token without a usable password is reported as low ' +
    '(nobody can sign in with it until a password is generated).',
  remediation: {
    description:
      'Give the client a Microsoft Entra identity (a managed identity, or a service principal) with AcrPull / AcrPush or a ' +
      'Container Registry Repository role, then disable the token (or delete it with its scope map when nothing needs it).',
    cli:
      'az acr token list --registry <registry> --query "[?status==\'enabled\'].{name:name, scopeMap:scopeMapId}" -o table\n' +
      'az acr token update --name <token> --registry <registry> --status disabled\n' +
      'az acr token delete --name <token> --registry <registry> --yes',
    bicep:
      "resource token 'Microsoft.ContainerRegistry/registries/tokens@2025-04-01' = {\n" +
      "  name: 'partner-pull'\n" +
      '  parent: acr\n' +
      '  properties: {\n' +
      '    scopeMapId: scopeMap.id\n' +
      "    status: 'disabled'\n" +
      '  }\n' +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['IM-1', 'IM-8'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-token-based-repository-permissions',
    'https://learn.microsoft.com/azure/container-registry/container-registry-authentication',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/Registry/stable/2025-11-01/examples/TokenList.json',
  ],
  modes: ['nightly'],
  evaluate({ token }, { now }) {
    const evidence = tokenEvidence(token);
    const status = statusOf(token.status);
    if (status === 'disabled') return pass(`token ${token.name} is disabled`, evidence);
    if (status === undefined) return notApplicable(`token ${token.name} reports no status`, { conclusive: false, evidence });
    if (status === 'other') return notApplicable(`token status ${token.status} is not known to this rule`, { conclusive: false, evidence });
    const scope = token.scopeMap ? ` (scope map ${token.scopeMap})` : '';
    const usable = usablePasswords(token, now);
    if (usable === 0) {
      return { ...fail(`token ${token.name} is enabled${scope}, without a usable password: nobody can sign in with it until one is generated`, evidence), severity: 'low' };
    }
    return fail(`token ${token.name} is enabled${scope}: a shared user name and password outside Microsoft Entra ID`, evidence);
  },
});
