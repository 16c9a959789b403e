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
import { imageProvenanceLabeled } from './image.provenance-labeled.js';
import { imageBaseApproved } from './image.base-approved.js';
import { imageFresh } from './image.fresh.js';
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
  imageProvenanceLabeled,
  imageBaseApproved,
  imageFresh,
  workloadImageFromApprovedRegistry,
  workloadImageFresh,
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
