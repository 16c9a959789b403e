import { describe, expect, it } from 'vitest';
import { registryArmAudienceTokensDisabled as rule } from '../../shared/rules/registry.arm-audience-tokens-disabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.arm-audience-tokens-disabled', () => {
  it.each([
    { policies: { armAudienceTokens: 'disabled' }, status: 'pass' },
    { policies: { armAudienceTokens: 'Disabled' }, status: 'pass' },
    { policies: { armAudienceTokens: 'enabled' }, status: 'fail' },
    { policies: {}, status: 'fail' },
    { policies: undefined, status: 'fail' },
    { policies: { armAudienceTokens: 'Paused' }, status: 'not_applicable' },
  ])('policies=$policies -> $status', ({ policies, status }) => {
    const e = rule.evaluate(registryFacts({ registry: policies ? { policies } : {} }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({ azureADAuthenticationAsArmPolicy: policies?.armAudienceTokens ?? null });
  });

  it('says a missing property is enabled by default', () => {
    expect(rule.evaluate(registryFacts(), ctx()).message).toMatch(/not set: enabled by default/);
  });
});
