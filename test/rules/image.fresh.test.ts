import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { imageFresh as rule } from '../../shared/rules/image.fresh.js';
import { anImage, ctx, daysAgo } from './builders.js';

const overrides = [{ repository: 'base/*', days: 30 }];

describe('image.fresh', () => {
  it.each([
    { repository: 'team/api', age: 0, status: 'pass', limit: 90 },
    { repository: 'team/api', age: 90, status: 'pass', limit: 90 },
    { repository: 'team/api', age: 91, status: 'fail', limit: 90 },
    { repository: 'base/node', age: 31, status: 'fail', limit: 30 },
    { repository: 'base/node', age: 30, status: 'pass', limit: 30 },
  ])('$repository updated $age days ago -> $status', ({ repository, age, status, limit }) => {
    const lastUpdateTime = daysAgo(age);
    const e = rule.evaluate(anImage({ manifest: { repository, tags: ['1.0.0', 'latest'], lastUpdateTime } }), ctx({ staleOverrides: overrides }));
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({ tags: ['1.0.0', 'latest'], ageInDays: age, lastUpdateTime, limitDays: limit });
  });

  it('honours staleAfterDays', () => {
    const e = rule.evaluate(anImage({ manifest: { lastUpdateTime: daysAgo(8) } }), ctx({ staleAfterDays: 7 }));
    expect(e).toMatchObject({ status: 'fail', evidence: { limitDays: 7 } });
  });

  it('does not apply to untagged manifests (conclusive)', () => {
    const e = rule.evaluate(anImage({ manifest: { tags: [], lastUpdateTime: daysAgo(400) } }), ctx());
    expect(e).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it('throws on an unparseable time, which the evaluator turns into an error result', () => {
    const image = anImage({ manifest: { lastUpdateTime: 'yesterday' } });
    expect(() => rule.evaluate(image, ctx())).toThrow(/lastUpdateTime/);
    const [result] = evaluateRules([rule], 'image', [image], ctx());
    expect(result).toMatchObject({ status: 'error', ruleId: 'image.fresh', conclusive: false });
  });
});
