import { describe, expect, it } from 'vitest';
import { subscriptionDefenderContainersEnabled as rule } from '../../shared/rules/subscription.defender-containers-enabled.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { ctx } from './builders.js';

const SUB = '00000000-0000-0000-0000-000000000001';

describe('subscription.defender-containers-enabled', () => {
  it.each([
    { plan: { subscriptionId: SUB, pricingTier: 'Standard', registryScanningExtension: true }, status: 'pass' },
    { plan: { subscriptionId: SUB, pricingTier: 'Standard' }, status: 'pass' },
    { plan: { subscriptionId: SUB, pricingTier: 'Standard', registryScanningExtension: false }, status: 'fail' },
    { plan: { subscriptionId: SUB, pricingTier: 'Free' }, status: 'fail' },
    { plan: { subscriptionId: SUB }, status: 'fail' },
  ])('$plan.pricingTier / extension $plan.registryScanningExtension -> $status', ({ plan, status }) => {
    expect(rule.evaluate({ subscriptionId: SUB, defenderPlan: plan }, ctx()).status).toBe(status);
  });

  it('is inconclusive when the plans could not be read', () => {
    expect(rule.evaluate({ subscriptionId: SUB }, ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });

  it('a subscription subject lives in the subscription partition', () => {
    const [r] = evaluateRules([rule], 'subscription', [{ subscriptionId: SUB, defenderPlan: { subscriptionId: SUB, pricingTier: 'Free' } }], ctx());
    expect(r).toMatchObject({ scopeId: `/subscriptions/${SUB}`, resourceId: `/subscriptions/${SUB}`, subject: `/subscriptions/${SUB}`, status: 'fail', evidence: { pricingTier: 'Free' } });
  });
});
