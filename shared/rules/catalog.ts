/**
 * The rule catalog: an explicit list (never a filesystem glob). Order is the display order:
 * registry settings, registry usage, images, workloads, coverage.
 */
import type { Rule } from './kit.js';
import { registryApproved } from './registry.approved.js';
import { registryAdminUserDisabled } from './registry.admin-user-disabled.js';
import { registryAnonymousPullDisabled } from './registry.anonymous-pull-disabled.js';
import { registryPublicNetworkRestricted } from './registry.public-network-restricted.js';
import { registryAuditLogsEnabled } from './registry.audit-logs-enabled.js';
import { registryAdminUserUnused } from './registry.admin-user-unused.js';
import { registryPushAccessRestricted } from './registry.push-access-restricted.js';
import { imagePushedByApprovedIdentity } from './image.pushed-by-approved-identity.js';
import { registryArmAudienceTokensDisabled } from './registry.arm-audience-tokens-disabled.js';
import { registryAbacPermissionsEnabled } from './registry.abac-permissions-enabled.js';
import { registryPublicNetworkDisabled } from './registry.public-network-disabled.js';
import { registryPrivateLinkUsed } from './registry.private-link-used.js';
import { registryPrivateEndpointsTrusted } from './registry.private-endpoints-trusted.js';
import { registryExportsDisabled } from './registry.exports-disabled.js';
import { registryQuarantineEnabled } from './registry.quarantine-enabled.js';
import { registryRetentionEnabled } from './registry.retention-enabled.js';
import { registryCmkEncrypted } from './registry.cmk-encrypted.js';
import { registryDedicatedDataEndpoints } from './registry.dedicated-data-endpoints.js';
import { registrySoftDeleteEnabled } from './registry.soft-delete-enabled.js';
import { registryScopedTokensDisabled } from './registry.scoped-tokens-disabled.js';
import { registryTokenPasswordsExpire } from './registry.token-passwords-expire.js';
import { registryCacheRulesApproved } from './registry.cache-rules-approved.js';
import { imageProvenanceLabeled } from './image.provenance-labeled.js';
import { imageBaseApproved } from './image.base-approved.js';
import { imageFresh } from './image.fresh.js';
import { imageSigned } from './image.signed.js';
import { imageAttested } from './image.attested.js';
import { registryContentTrustMigrated } from './registry.content-trust-migrated.js';
import { imageSignedByApprovedSigner } from './image.signed-by-approved-signer.js';
import { imageReleaseTagsLocked } from './image.release-tags-locked.js';
import { registryUntaggedManifestsPruned } from './registry.untagged-manifests-pruned.js';
import { workloadImageSigned } from './workload.image-signed.js';
import { workloadImageFromApprovedRegistry } from './workload.image-from-approved-registry.js';
import { workloadImageFresh } from './workload.image-fresh.js';
import { workloadImagePinned } from './workload.image-pinned.js';
import { workloadRegistryPullManagedIdentity } from './workload.registry-pull-managed-identity.js';
import { workloadNoPlaintextSecrets } from './workload.no-plaintext-secrets.js';
import { workloadNotPrivileged } from './workload.not-privileged.js';
import { workloadNetworkIsolated } from './workload.network-isolated.js';
import { workloadHttpsOnly } from './workload.https-only.js';
import { workloadLogsCollected } from './workload.logs-collected.js';
import { workloadManagedIdentity } from './workload.managed-identity.js';
import { auditScopeReadable } from './audit.scope-readable.js';
import { subscriptionDefenderContainersEnabled } from './subscription.defender-containers-enabled.js';
import { registryVulnerabilityScanningEffective } from './registry.vulnerability-scanning-effective.js';
import { imageVulnerabilitiesResolved } from './image.vulnerabilities-resolved.js';
import { workloadImageVulnerabilitiesResolved } from './workload.image-vulnerabilities-resolved.js';

export const RULES: readonly Rule[] = Object.freeze([
  registryApproved,
  registryAdminUserDisabled,
  registryAnonymousPullDisabled,
  registryPublicNetworkRestricted,
  registryAuditLogsEnabled,
  registryAdminUserUnused,
  registryPushAccessRestricted,
  registryArmAudienceTokensDisabled,
  registryAbacPermissionsEnabled,
  registryPublicNetworkDisabled,
  registryPrivateLinkUsed,
  registryPrivateEndpointsTrusted,
  registryExportsDisabled,
  registryQuarantineEnabled,
  registryRetentionEnabled,
  registryCmkEncrypted,
  registryDedicatedDataEndpoints,
  registrySoftDeleteEnabled,
  registryScopedTokensDisabled,
  registryTokenPasswordsExpire,
  registryCacheRulesApproved,
  imageProvenanceLabeled,
  imageBaseApproved,
  imageFresh,
  registryContentTrustMigrated,
  imageSigned,
  imageSignedByApprovedSigner,
  imagePushedByApprovedIdentity,
  imageAttested,
  imageReleaseTagsLocked,
  registryUntaggedManifestsPruned,
  workloadImageFromApprovedRegistry,
  workloadImageFresh,
  workloadImageSigned,
  workloadImagePinned,
  workloadRegistryPullManagedIdentity,
  workloadNoPlaintextSecrets,
  workloadNotPrivileged,
  workloadNetworkIsolated,
  workloadHttpsOnly,
  workloadLogsCollected,
  workloadManagedIdentity,
  subscriptionDefenderContainersEnabled,
  registryVulnerabilityScanningEffective,
  imageVulnerabilitiesResolved,
  workloadImageVulnerabilitiesResolved,
  auditScopeReadable,
]);

export const RULE_IDS: readonly string[] = Object.freeze(RULES.map((r) => r.id));

const byId = new Map(RULES.map((r) => [r.id, r] as const));

export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}
