import { describe, expect, it } from 'vitest';
import { registryApproved as rule } from '../../shared/rules/registry.approved.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.approved', () => {
  it.each([
    { loginServer: 'contosoprod.azurecr.io', patterns: ['contoso*.azurecr.io'], status: 'pass' },
    { loginServer: 'contosoprod.azurecr.io', patterns: ['contosoprod.azurecr.io'], status: 'pass' },
    { loginServer: 'shadow.azurecr.io', patterns: ['contoso*.azurecr.io'], status: 'fail' },
    { loginServer: 'contoso.evil.azurecr.io', patterns: ['contoso*.azurecr.io'], status: 'fail' },
    { loginServer: 'contosoprod.azurecr.io', patterns: [], status: 'fail' },
  ])('$loginServer with $patterns -> $status', ({ loginServer, patterns, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { loginServer } }), ctx({ approvedRegistries: patterns }));
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({ loginServer, approvedPatterns: patterns });
  });

  it('says when no pattern is configured', () => {
    const e = rule.evaluate(registryFacts(), ctx({ approvedRegistries: [] }));
    expect(e.message).toMatch(/no approved registry patterns/);
  });
});
