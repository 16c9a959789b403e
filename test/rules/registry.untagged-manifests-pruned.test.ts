import { describe, expect, it } from 'vitest';
import { registryUntaggedManifestsPruned as rule } from '../../shared/rules/registry.untagged-manifests-pruned.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { ctx, repositoryFacts } from './builders.js';

const OLDEST = { digest: `sha256:${'d'.repeat(64)}`, lastUpdateTime: '2024-11-02T10:00:00.000Z' };
const dangling = { count: 5, oldest: OLDEST };

describe('registry.untagged-manifests-pruned', () => {
  it('runs on repositories, nightly', () => {
    expect(rule).toMatchObject({ target: 'repository', modes: ['nightly'], severity: 'low' });
  });

  it('fails with the count and the oldest, in one result for the repository', () => {
    const e = rule.evaluate(repositoryFacts({ untagged: dangling }), ctx());
    expect(e).toMatchObject({ status: 'fail', evidence: { olderThanDays: 30, count: 5, oldest: OLDEST.digest, oldestUpdate: OLDEST.lastUpdateTime, retentionDays: null } });
    expect(e.message).toMatch(/^5 untagged manifest\(s\) last updated more than 30 days ago; oldest sha256:d+\.\.\., last updated 2024-11-02$/);
  });

  it('one result per repository, keyed by `<loginServer>/<repository>` under the registry', () => {
    const results = evaluateRules([rule], 'repository', [repositoryFacts({ repository: 'team/api', untagged: dangling }), repositoryFacts({ repository: 'team/web' })], ctx());
    expect(results.map((r) => [r.subject, r.status])).toEqual([
      ['contosoprod.azurecr.io/team/api', 'fail'],
      ['contosoprod.azurecr.io/team/web', 'pass'],
    ]);
    expect(new Set(results.map((r) => r.resourceId))).toEqual(new Set([repositoryFacts().registry.id]));
    expect(results[0]).toMatchObject({ registry: 'contosoprod.azurecr.io', scopeId: repositoryFacts().registry.id.toLowerCase() });
  });

  it('passes when none is older than the limit; the ones not counted are in the evidence', () => {
    const e = rule.evaluate(repositoryFacts({ untagged: { notCounted: { possibleIndexChildren: 4, artifacts: 3, locked: 1 } } }), ctx());
    expect(e).toMatchObject({ status: 'pass', evidence: { count: 0, notCounted: { possibleIndexChildren: 4, artifacts: 3, locked: 1 } } });
    expect(e.evidence).not.toHaveProperty('oldest');
  });

  it.each([
    { name: 'retention within the limit', retention: { status: 'enabled', days: 7 }, status: 'pass' },
    { name: 'retention at the limit', retention: { status: 'Enabled', days: 30 }, status: 'pass' },
    { name: 'retention enabled without days (ARM default 7)', retention: { status: 'enabled' }, status: 'pass' },
    { name: 'retention longer than the limit', retention: { status: 'enabled', days: 90 }, status: 'fail' },
    { name: 'retention disabled', retention: { status: 'disabled', days: 7 }, status: 'fail' },
  ])('$name -> $status', ({ retention, status }) => {
    const e = rule.evaluate(repositoryFacts({ registry: { policies: { retention } }, untagged: dangling }), ctx());
    expect(e.status).toBe(status);
    // ACR's retention only applies to manifests untagged after it was enabled: the older ones are named.
    if (status === 'pass') expect(e.message).toContain('5 older untagged manifest(s) remain');
  });

  it('a retention policy within the limit over a clean repository says only that', () => {
    const e = rule.evaluate(repositoryFacts({ registry: { policies: { retention: { status: 'enabled', days: 7 } } } }), ctx());
    expect(e).toMatchObject({ status: 'pass', message: 'the retention policy purges untagged manifests after 7 days', evidence: { retentionDays: 7 } });
  });

  it('uses AUDITOR_UNTAGGED_MAX_DAYS against the retention days', () => {
    expect(rule.evaluate(repositoryFacts({ registry: { policies: { retention: { status: 'enabled', days: 14 } } }, untagged: dangling }), ctx({ untaggedMaxDays: 7 })).status).toBe('fail');
    expect(rule.evaluate(repositoryFacts({ registry: { policies: { retention: { status: 'enabled', days: 14 } } }, untagged: dangling }), ctx({ untaggedMaxDays: 14 })).status).toBe('pass');
  });

  // Not applicable and inconclusive have no subject here: a repository is a subject only once its listing completed
  // (a failed listing gives no result and the finding stays; test/usecases/untaggedRepositories.test.ts), and a registry
  // without a listing, retention policy or not, has no repository to answer for.
  it('never answers not applicable: every subject is a repository listed in full', () => {
    for (const untagged of [{}, dangling]) expect(rule.evaluate(repositoryFacts({ untagged }), ctx()).status).not.toBe('not_applicable');
  });
});
