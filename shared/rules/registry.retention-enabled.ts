/** Strict, Premium: untagged manifests are purged within AUDITOR_RETENTION_MAX_DAYS (retentionPolicy). */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { premiumOnly, REGISTRY_BICEP_HEAD, statusOf } from './registryFeatures.js';

export const registryRetentionEnabled = defineRule({
  id: 'registry.retention-enabled',
  title: 'Registry purges untagged manifests within the retention limit',
  target: 'registry',
  severity: 'low',
  profile: 'strict',
  rationale:
    'Untagged manifests are images nobody refers to by name any more, typically superseded builds with known ' +
    'vulnerabilities; they can still be pulled by digest and they stay in scope for scanners and incident response ' +
    'forever. A retention policy deletes them after a number of days (at most AUDITOR_RETENTION_MAX_DAYS). Low, profile ' +
    'strict: hygiene that narrows what can be pulled, not an exposure by itself. Premium SKU only (not applicable elsewhere).',
  remediation: {
    description: 'Enable the retention policy for untagged manifests with a number of days no higher than the limit (images locked with write-enabled false are kept).',
    cli: 'az acr config retention update --registry <registry> --status enabled --days 7 --type UntaggedManifests',
    bicep: REGISTRY_BICEP_HEAD + "  sku: { name: 'Premium' }\n  properties: {\n    policies: {\n      retentionPolicy: { status: 'enabled', days: 7 }\n    }\n  }\n}",
  },
  guidance: 'images-up-to-date',
  mcsb: ['AM-1'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-retention-policy',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/stable/2025-04-01/examples/RegistryGet.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }, { params }) {
    const sku = premiumOnly(registry, 'the retention policy');
    if (sku) return sku;
    const policy = registry.policies?.retention;
    const status = statusOf(policy?.status);
    const evidence = { retentionPolicy: policy?.status ?? null, days: policy?.days ?? null, maxDays: params.retentionMaxDays, sku: registry.sku };
    if (status === 'other') return notApplicable(`retentionPolicy.status ${policy?.status} is not known to this rule`, { conclusive: false, evidence });
    const who = () => withChangeEvidence(evidence, { settingChanges }, { 'properties.policies.retentionPolicy.status': policy?.status ?? null, 'properties.policies.retentionPolicy.days': policy?.days });
    if (status !== 'enabled') return fail('untagged manifests are kept forever (retention policy disabled)', who());
    // ARM's default is 7 days when the policy carries none.
    const days = policy?.days ?? 7;
    if (days > params.retentionMaxDays) return fail(`untagged manifests are kept ${days} days, more than ${params.retentionMaxDays}`, who());
    return pass(`untagged manifests are purged after ${days} days`, evidence);
  },
});
