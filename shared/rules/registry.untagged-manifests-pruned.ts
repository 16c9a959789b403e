/**
 * A repository holds no dangling manifest (untagged, last updated more than AUDITOR_UNTAGGED_MAX_DAYS ago), unless its
 * registry's retention policy purges untagged manifests within that many days.
 *
 * One result per repository (subject `<loginServer>/<repository>`), with the count and the oldest, never one per
 * manifest. Computed from the manifest listing the nightly audit reads anyway: no extra call. A repository is evaluated
 * only when its listing completed (shared/usecases/supplyChainFacts.ts `UntaggedTally`): one that could not be listed
 * gets no result, so its finding stays as it is; a repository that left the catalog resolves only on the data plane's
 * 404 (shared/usecases/auditRegistry.ts). Without a listing there is nothing to evaluate, retention policy or not.
 * What the listing can and cannot tell apart is in shared/rules/supplyChain.ts (`untaggedKindOf`).
 */
import { defineRule, fail, pass } from './kit.js';
import { statusOf } from './registryFeatures.js';
import { UNTAGGED_RULE_ID } from './supplyChain.js';

export const registryUntaggedManifestsPruned = defineRule({
  id: UNTAGGED_RULE_ID,
  title: 'Repository holds no dangling untagged manifests',
  target: 'repository',
  severity: 'low',
  rationale:
    'An untagged manifest is an image no tag points at any more, typically a build superseded by a push over the same tag. It ' +
    'can still be pulled by digest, it carries the vulnerabilities of its day, and it costs storage; nobody owns it. One finding ' +
    'per repository, with the count and the oldest (never one per manifest). Counted: untagged manifests last updated more than ' +
    'AUDITOR_UNTAGGED_MAX_DAYS ago (the listing has no "untagged since": the last update is the closest it says; acr purge --ago ' +
    'uses the same). Not counted: OCI artifacts (signatures, SBOMs, attestations: no platform or a non-image config), manifests ' +
    'locked against deletion, and untagged platform manifests in a repository holding a tagged multi-arch index (the listing ' +
    'does not say which index owns which platform; an untagged index is counted). Checked only in repositories the nightly audit ' +
    'listed in full: a repository that could not be listed keeps its finding as it is. A repository of a registry whose retention ' +
    'policy purges untagged manifests within that many days passes: note that ACR applies the policy only to manifests untagged ' +
    'after it was enabled, so the older ones need one purge.',
  remediation: {
    description:
      'Delete the dangling manifests once (acr purge --untagged as an ACR task, or az acr manifest delete), then keep them ' +
      'away: a retention policy (Premium) or a scheduled acr purge task. Lock a manifest (delete-enabled false) that must be kept.',
    cli:
      '# list untagged manifests of a repository:\n' +
      'az acr manifest list-metadata --registry <registry> --name <repository> --query "[?tags==null].{digest:digest,lastUpdateTime:lastUpdateTime,mediaType:mediaType}"\n' +
      '# purge them (keeps the platforms of tagged indexes and, by default, OCI image manifests that may be referrers):\n' +
      'az acr run --registry <registry> --cmd "acr purge --filter \'<repository>:.*\' --untagged --ago 30d" /dev/null\n' +
      '# or, Premium: retention policy for untagged manifests\n' +
      'az acr config retention update --registry <registry> --status enabled --days 7 --type UntaggedManifests',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2025-04-01' = {\n  name: registryName\n  location: location\n" +
      "  sku: { name: 'Premium' }\n  properties: {\n    policies: {\n      retentionPolicy: { status: 'enabled', days: 7 }\n    }\n  }\n}",
  },
  guidance: 'images-up-to-date',
  mcsb: ['AM-1'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-retention-policy',
    'https://learn.microsoft.com/azure/container-registry/container-registry-auto-purge',
    'https://learn.microsoft.com/azure/container-registry/container-registry-delete',
  ],
  modes: ['nightly'],
  evaluate({ registry, untagged: u }, { params }) {
    const maxDays = params.untaggedMaxDays;
    const retention = registry.policies?.retention;
    // ARM's default is 7 days when the policy carries none (RetentionPolicy.days).
    const retentionDays = statusOf(retention?.status) === 'enabled' ? (retention?.days ?? 7) : undefined;
    const evidence = {
      olderThanDays: u.olderThanDays,
      count: u.count,
      ...(u.oldest ? { oldest: u.oldest.digest, oldestUpdate: u.oldest.lastUpdateTime } : {}),
      notCounted: u.notCounted,
      retentionDays: retentionDays ?? null,
    };
    if (retentionDays !== undefined && retentionDays <= maxDays) {
      const left = u.count > 0 ? ` (${u.count} older untagged manifest(s) remain: retention skips those untagged before it was enabled)` : '';
      return pass(`the retention policy purges untagged manifests after ${retentionDays} days${left}`, evidence);
    }
    if (u.count > 0) {
      const oldest = u.oldest ? `; oldest ${u.oldest.digest.slice(0, 19)}..., last updated ${u.oldest.lastUpdateTime.slice(0, 10)}` : '';
      return fail(`${u.count} untagged manifest(s) last updated more than ${u.olderThanDays} days ago${oldest}`, evidence);
    }
    return pass(`no untagged manifest last updated more than ${u.olderThanDays} days ago`, evidence);
  },
});
