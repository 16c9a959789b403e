/** Waivers match with a linear-time, case-insensitive glob (issue 10, item 6). */
import { describe, expect, it } from 'vitest';
import { compileWaivers } from '../../shared/findings/waivers.js';

const NOW = new Date('2026-11-22T00:00:00Z');

describe('waiver globs', () => {
  it('a waiver with many stars against a 6,000-character resource id and subject answers at once, correctly', () => {
    const stars = 'a*a*a*a*a*a*a*a*a*a*b';
    const m = compileWaivers([{ id: 'w1', ruleId: 'image.fresh', resource: stars, subject: stars, reason: 'r' }]);
    const long = 'A'.repeat(6000);
    expect(m.match({ ruleId: 'image.fresh', resourceId: long, subject: `${long}b` }, NOW)).toBeUndefined();
    expect(m.match({ ruleId: 'image.fresh', resourceId: `${long}B`, subject: `${long}b` }, NOW)).toEqual({ waiverId: 'w1', reason: 'r' });
    expect(m.match({ ruleId: 'image.fresh', resourceId: 'x', registry: `${long}b`, subject: `${long}b` }, NOW)).toEqual({ waiverId: 'w1', reason: 'r' });
  });

  it('keeps the documented semantics: `*` any run, case-insensitive, literal regex characters', () => {
    const m = compileWaivers([{ id: 'w', ruleId: '*', resource: '/subscriptions/*/registries/contoso(1).azurecr.io', reason: 'r' }]);
    expect(m.match({ ruleId: 'registry.approved', resourceId: '/SUBSCRIPTIONS/x/y/registries/CONTOSO(1).azurecr.io', subject: 's' }, NOW)?.waiverId).toBe('w');
    expect(m.match({ ruleId: 'registry.approved', resourceId: '/subscriptions/x/registries/contoso1.azurecr.io', subject: 's' }, NOW)).toBeUndefined();
  });
});
