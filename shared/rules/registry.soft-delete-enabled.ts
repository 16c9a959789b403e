/**
 * Strict: deleted artifacts stay recoverable for a retention period (softDeletePolicy, issue 13). Soft delete is
 * in preview, offered in every SKU, and not supported on a geo-replicated registry nor together with the
 * retention policy (Microsoft Learn, "Recover deleted artifacts with soft delete policy in Azure Container
 * Registry (Preview)", preview limitations): not applicable there, with the SKU in the evidence.
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { REGISTRY_BICEP_HEAD, statusOf } from './registryFeatures.js';
import { withChangeEvidence } from './settingChanges.js';

/** The rule's id, for the audit that decides whether to read the soft delete policy at all. */
export const SOFT_DELETE_RULE_ID = 'registry.soft-delete-enabled';

/** ARM's default retention when the policy carries none (the Learn page: 7 days by default, 1 to 90). */
const DEFAULT_RETENTION_DAYS = 7;

const location = (l: string) => l.toLowerCase().replace(/\s+/g, '');

export const registrySoftDeleteEnabled = defineRule({
  id: SOFT_DELETE_RULE_ID,
  title: 'Registry keeps deleted artifacts recoverable (soft delete)',
  target: 'registry',
  severity: 'low',
  profile: 'strict',
  rationale:
    'Without soft delete, a deleted manifest or tag is gone at once: a wrong cleanup script, a compromised pipeline ' +
    'identity with delete rights or a mistaken az acr repository delete takes production images with it, and the ' +
    'only recovery is a rebuild. With the soft delete policy on, deleted artifacts can be listed and restored for 1 to ' +
    '90 days. Low, profile strict: recovery, not exposure, and the feature is in preview. Not applicable where ACR does ' +
    'not support it: on a geo-replicated registry, and with the retention policy enabled (the two cannot be on together; ' +
    'registry.retention-enabled, also strict, asks for the retention policy instead).',
  remediation: {
    description: 'Enable the soft delete policy with a retention period (1-90 days) long enough to notice a wrong deletion.',
    cli: 'az acr config soft-delete update --registry <registry> --status enabled --days 30',
    bicep:
      REGISTRY_BICEP_HEAD.replace('@2025-04-01', '@2025-05-01-preview') +
      "  sku: { name: 'Standard' }\n  properties: {\n    policies: {\n      softDeletePolicy: { status: 'enabled', retentionDays: 30 }\n    }\n  }\n}",
  },
  guidance: 'approved-images',
  mcsb: ['PV-4'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-soft-delete-policy',
    'https://learn.microsoft.com/cli/azure/acr/config/soft-delete',
    'https://learn.microsoft.com/azure/templates/microsoft.containerregistry/registries',
  ],
  modes: ['nightly'],
  evaluate({ registry, softDelete, settingChanges }) {
    const sku = registry.sku;
    if (!softDelete) return notApplicable('the soft delete policy was not read in this audit (a preview API version)', { conclusive: false, evidence: { sku } });
    const policy = softDelete.policy;
    const status = statusOf(policy?.status);
    const evidence: Record<string, unknown> = { softDeletePolicy: policy?.status ?? null, retentionDays: policy?.retentionDays ?? null, sku };
    if (status === 'enabled') {
      const days = policy?.retentionDays ?? DEFAULT_RETENTION_DAYS;
      return pass(`deleted artifacts are recoverable for ${days} days`, evidence);
    }
    if (status === 'other') return notApplicable(`softDeletePolicy.status ${policy?.status} is not known to this rule`, { conclusive: false, evidence });

    // Not on: say so only where it could be switched on.
    const retention = registry.policies?.retention?.status;
    if (statusOf(retention) === 'enabled') {
      return notApplicable('soft delete cannot be enabled together with the retention policy, which is enabled', { evidence: { ...evidence, retentionPolicy: retention } });
    }
    if (sku.toLowerCase() === 'premium') {
      if (softDelete.replicationLocations === undefined) return notApplicable('the registry\'s replications were not read: cannot tell whether soft delete is supported', { conclusive: false, evidence });
      const home = location(registry.location);
      const elsewhere = softDelete.replicationLocations.filter((l) => location(l) !== home);
      if (elsewhere.length) {
        return notApplicable(`soft delete does not support a geo-replicated registry (replicas in ${elsewhere.slice(0, 5).join(', ')})`, {
          evidence: { ...evidence, replicationLocations: softDelete.replicationLocations.slice(0, 20) },
        });
      }
    }
    return fail(
      policy ? 'deleted artifacts cannot be recovered (soft delete policy disabled)' : 'deleted artifacts cannot be recovered (no soft delete policy: disabled by default)',
      withChangeEvidence(evidence, { settingChanges }, { 'properties.policies.softDeletePolicy.status': policy?.status ?? null }),
    );
  },
});
