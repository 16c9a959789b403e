import { describe, expect, it } from 'vitest';
import { registryAnonymousPullDisabled as rule } from '../../shared/rules/registry.anonymous-pull-disabled.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.anonymous-pull-disabled', () => {
  it.each([
    { anonymousPullEnabled: false, status: 'pass' },
    { anonymousPullEnabled: true, status: 'fail' },
  ])('anonymousPullEnabled=$anonymousPullEnabled -> $status', ({ anonymousPullEnabled, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { anonymousPullEnabled } }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual({ anonymousPullEnabled });
  });
});
