import { describe, expect, it } from 'vitest';
import type { CacheRuleSnapshot } from '../../shared/domain/snapshots.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { registryCacheRulesApproved as rule, upstreamOf } from '../../shared/rules/registry.cache-rules-approved.js';
import { aRegistry, ctx } from './builders.js';

const registry = aRegistry();
const APPROVED = { approvedRegistries: ['contoso*.azurecr.io', 'mcr.microsoft.com'] };
const aRule = (o: Partial<CacheRuleSnapshot> = {}): CacheRuleSnapshot => ({ name: 'dockerhub-ubuntu', sourceRepository: 'docker.io/library/ubuntu', targetRepository: 'mirror/ubuntu', credentialSet: 'dockerhub-creds', ...o });
const run = (cacheRule: CacheRuleSnapshot, params: object = APPROVED) => rule.evaluate({ registry, cacheRule }, ctx(params));

describe('registry.cache-rules-approved', () => {
  it('runs nightly on every cache rule of a registry, high, baseline', () => {
    expect(rule).toMatchObject({ target: 'cacheRule', modes: ['nightly'], severity: 'high' });
    expect(rule.profile).toBeUndefined();
  });

  it('reads the upstream registry from the source repository (wildcards, Docker Hub aliases, ports)', () => {
    expect(upstreamOf('docker.io/library/ubuntu')).toBe('docker.io');
    expect(upstreamOf('index.docker.io/library/*')).toBe('docker.io');
    expect(upstreamOf('MCR.Microsoft.com/*')).toBe('mcr.microsoft.com');
    expect(upstreamOf('contosoprod.azurecr.io/team/api')).toBe('contosoprod.azurecr.io');
    expect(upstreamOf('registry.local:5000/x')).toBe('registry.local:5000');
    expect(upstreamOf('library/ubuntu')).toBeUndefined();
    expect(upstreamOf('')).toBeUndefined();
  });

  it('fails a rule whose upstream is not approved, with the rule, source, target and credential set in the evidence', () => {
    const e = run(aRule());
    expect(e).toMatchObject({ status: 'fail', message: 'cache rule dockerhub-ubuntu pulls from docker.io into mirror/ubuntu, which is not an approved registry' });
    expect(e.evidence).toEqual({
      cacheRule: 'dockerhub-ubuntu', sourceRepository: 'docker.io/library/ubuntu', targetRepository: 'mirror/ubuntu', credentialSet: 'dockerhub-creds',
      approvedPatterns: ['contoso*.azurecr.io', 'mcr.microsoft.com'], upstream: 'docker.io',
    });
  });

  it('passes a rule pulling from an approved registry (another approved ACR included)', () => {
    expect(run(aRule({ name: 'azurelinux', sourceRepository: 'mcr.microsoft.com/azurelinux/base/core' })).status).toBe('pass');
    expect(run(aRule({ name: 'from-prod', sourceRepository: 'contosoprod.azurecr.io/team/*' })).status).toBe('pass');
  });

  it('fails when no approved registry is configured, as registry.approved does', () => {
    expect(run(aRule({ sourceRepository: 'mcr.microsoft.com/x' }), { approvedRegistries: [] })).toMatchObject({ status: 'fail', message: expect.stringMatching(/no approved registry patterns/) });
  });

  it('is inconclusive, never a pass, without a readable source', () => {
    const noSource = aRule();
    delete noSource.sourceRepository;
    expect(run(noSource)).toMatchObject({ status: 'not_applicable', conclusive: false });
    expect(run(aRule({ sourceRepository: 'library/ubuntu' }))).toMatchObject({ status: 'not_applicable', conclusive: false });
  });

  it('gives one result per cache rule, its subject the rule under the registry', () => {
    const results = evaluateRules([rule], 'cacheRule', [{ registry, cacheRule: aRule() }, { registry, cacheRule: aRule({ name: 'MCR', sourceRepository: 'mcr.microsoft.com/*' }) }], ctx(APPROVED));
    expect(results.map((r) => [r.subject, r.status])).toEqual([
      [`${registry.id.toLowerCase()}/cacherules/dockerhub-ubuntu`, 'fail'],
      [`${registry.id.toLowerCase()}/cacherules/mcr`, 'pass'],
    ]);
  });
});
