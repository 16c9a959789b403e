/** Strict, Premium: registry content is encrypted with a customer-managed key (encryption.status enabled). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { premiumOnly, REGISTRY_BICEP_HEAD, statusOf } from './registryFeatures.js';

export const registryCmkEncrypted = defineRule({
  id: 'registry.cmk-encrypted',
  title: 'Registry content is encrypted with a customer-managed key',
  target: 'registry',
  severity: 'low',
  profile: 'strict',
  rationale:
    'Registry content is always encrypted at rest with Microsoft-managed keys. A customer-managed key in Key Vault adds ' +
    'control over the key\'s life (rotation, revocation makes the content unreadable) that some regulations require. Low, ' +
    'profile strict: a compliance requirement more than a risk reduction, and it can only be set when the registry is ' +
    'created. Premium SKU only (not applicable elsewhere).',
  remediation: {
    description: 'Create a new Premium registry with a user-assigned identity that can use a Key Vault key, enable key rotation, and move the images (az acr import); encryption cannot be turned on for an existing registry.',
    cli: 'az acr create --name <registry> --resource-group <rg> --sku Premium --identity <identity-id> --key-encryption-key <key-uri>',
    bicep:
      REGISTRY_BICEP_HEAD +
      "  sku: { name: 'Premium' }\n  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }\n  properties: {\n" +
      "    encryption: {\n      status: 'enabled'\n      keyVaultProperties: { identity: identityClientId, keyIdentifier: keyUri }\n    }\n  }\n}",
  },
  guidance: 'private-approved-registries',
  mcsb: ['DP-5'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/stable/2025-04-01/examples/RegistryGet.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    const sku = premiumOnly(registry, 'customer-managed key encryption');
    if (sku) return sku;
    const e = registry.encryption;
    const status = statusOf(e?.status);
    const evidence = { encryption: e?.status ?? null, keyVaultKey: e?.keyVaultKey ?? false, ...(e?.keyRotationEnabled !== undefined ? { keyRotationEnabled: e.keyRotationEnabled } : {}), sku: registry.sku };
    if (status === 'other') return notApplicable(`encryption.status ${e?.status} is not known to this rule`, { conclusive: false, evidence });
    if (status === 'enabled' && e?.keyVaultKey) return pass('content is encrypted with a customer-managed key', evidence);
    return fail('content is encrypted with Microsoft-managed keys only', withChangeEvidence(evidence, { settingChanges }, { 'properties.encryption.status': e?.status ?? null, 'properties.encryption.keyVaultProperties.keyIdentifier': undefined }));
  },
});
