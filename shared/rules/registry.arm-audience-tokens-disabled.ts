/** ACR accepts only Entra tokens issued for ACR itself, not ARM-audience tokens (azureADAuthenticationAsArmPolicy disabled). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { REGISTRY_BICEP_HEAD, statusOf } from './registryFeatures.js';

export const registryArmAudienceTokensDisabled = defineRule({
  id: 'registry.arm-audience-tokens-disabled',
  title: 'Registry accepts only ACR-audience Entra tokens',
  target: 'registry',
  severity: 'medium',
  rationale:
    'While azureADAuthenticationAsArmPolicy is enabled (the default), the registry accepts Entra tokens issued for Azure ' +
    'Resource Manager. Such tokens are what every Azure tool and portal session holds, so a token stolen from any ARM client ' +
    'also opens the registry; ACR-audience tokens are requested for the registry only and can be governed by Conditional ' +
    'Access for it. A missing property counts as enabled, as Azure Policy ("Configure container registries to disable ARM ' +
    'audience token authentication") treats it. Medium: a valid identity with a registry role is still required.',
  remediation: {
    description:
      'Make clients request tokens for the ACR audience (az acr login and current SDKs do; `az account get-access-token ' +
      '--resource https://containerregistry.azure.net` for scripts), then disable ARM-audience token authentication.',
    cli: 'az acr config authentication-as-arm update --registry <registry> --status disabled',
    bicep: REGISTRY_BICEP_HEAD + "  sku: { name: 'Standard' }\n  properties: {\n    policies: {\n      azureADAuthenticationAsArmPolicy: { status: 'disabled' }\n    }\n  }\n}",
  },
  guidance: 'protected-credentials',
  mcsb: ['IM-1'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-disable-authentication-as-arm',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/stable/2025-04-01/containerregistry.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const raw = registry.policies?.armAudienceTokens;
    const status = statusOf(raw);
    const evidence = { azureADAuthenticationAsArmPolicy: raw ?? null };
    if (status === 'disabled') return pass('only ACR-audience Entra tokens are accepted', evidence);
    if (status === 'other') return notApplicable(`azureADAuthenticationAsArmPolicy.status ${raw} is not known to this rule`, { conclusive: false, evidence });
    return fail(
      status === 'enabled' ? 'ARM-audience Entra tokens are accepted' : 'ARM-audience Entra tokens are accepted (azureADAuthenticationAsArmPolicy not set: enabled by default)',
      withChangeEvidence(evidence, { settingChanges }, { 'properties.policies.azureADAuthenticationAsArmPolicy.status': raw ?? null }),
    );
  },
});
