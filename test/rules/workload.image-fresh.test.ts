import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../../shared/domain/snapshots.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { workloadImageFresh as rule } from '../../shared/rules/workload.image-fresh.js';
import { aWorkloadImage, ctx, daysAgo, DIGEST } from './builders.js';

const found = (age: number): ResolvedImage => ({ status: 'found', digest: DIGEST, lastUpdateTime: daysAgo(age), tags: ['1.0.0'] });

describe('workload.image-fresh', () => {
  it.each([
    { age: 10, status: 'pass' },
    { age: 90, status: 'pass' },
    { age: 91, status: 'fail' },
  ])('running image updated $age days ago -> $status', ({ age, status }) => {
    const e = rule.evaluate(aWorkloadImage({ resolved: found(age) }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({
      image: 'contosoprod.azurecr.io/team/api:1.0.0',
      container: 'api',
      digest: DIGEST,
      ageInDays: age,
      limitDays: 90,
      lastUpdateTime: daysAgo(age),
    });
  });

  it('uses the stale override of the repository', () => {
    const e = rule.evaluate(aWorkloadImage({ resolved: found(20) }), ctx({ staleOverrides: [{ repository: 'team/*', days: 14 }] }));
    expect(e).toMatchObject({ status: 'fail', evidence: { limitDays: 14, ageInDays: 20 } });
  });

  it('fails when the running image no longer exists in its registry', () => {
    const e = rule.evaluate(aWorkloadImage({ resolved: { status: 'not_found', detail: 'manifest unknown' } }), ctx());
    expect(e).toMatchObject({ status: 'fail', evidence: { detail: 'manifest unknown', container: 'api' } });
  });

  it.each([
    { name: 'registry outside the estate', image: 'nginx:1.27', resolved: { status: 'not_audited', detail: 'docker.io is not audited' } as ResolvedImage, conclusive: true },
    { name: 'resolution error', image: undefined, resolved: { status: 'error', detail: '403 Forbidden' } as ResolvedImage, conclusive: false },
    { name: 'not resolved', image: undefined, resolved: undefined, conclusive: false },
    { name: 'unparsable image', image: 'Bad Image', resolved: undefined, conclusive: false },
  ])('not applicable: $name (conclusive=$conclusive)', ({ image, resolved, conclusive }) => {
    const e = rule.evaluate(aWorkloadImage({ ...(image ? { image } : {}), ...(resolved ? { resolved } : {}) }), ctx());
    expect(e).toMatchObject({ status: 'not_applicable', conclusive });
  });

  it('passes the detail of a registry outside the estate', () => {
    const e = rule.evaluate(aWorkloadImage({ image: 'nginx', resolved: { status: 'not_audited', detail: 'docker.io is not audited' } }), ctx());
    expect(e.message).toContain('docker.io is not audited');
    expect(e.evidence).toEqual({ image: 'nginx', container: 'api', detail: 'docker.io is not audited' });
  });

  it('an unparseable time becomes an error result', () => {
    const subject = aWorkloadImage({ resolved: { status: 'found', digest: DIGEST, lastUpdateTime: 'not a time', tags: [] } });
    const [result] = evaluateRules([rule], 'workloadImage', [subject], ctx());
    expect(result).toMatchObject({ status: 'error', ruleId: 'workload.image-fresh' });
  });
});
