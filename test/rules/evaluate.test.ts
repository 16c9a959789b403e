import { describe, expect, it } from 'vitest';
import { RULES } from '../../shared/rules/catalog.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { defineRule, pass } from '../../shared/rules/kit.js';
import { anImage, ctx, registryFacts, SUBSCRIPTION } from './builders.js';

const throwing = defineRule({
  id: 'registry.throws',
  title: 'Throwaway rule that throws',
  target: 'registry',
  severity: 'high',
  rationale: 'test only',
  remediation: { description: 'none', cli: 'az version' },
  guidance: 'audit-coverage',
  mcsb: [],
  references: [],
  modes: ['nightly'],
  evaluate() {
    throw new Error('boom');
  },
});

const passing = defineRule({ ...throwing, id: 'registry.passes', evaluate: () => pass('fine') });

describe('evaluateRules with the catalog', () => {
  it('turns a throwing rule into an error result, never a pass, and runs the other rules', () => {
    const results = evaluateRules([throwing, passing], 'registry', [registryFacts(), registryFacts({ registry: { name: 'other' } })], ctx());
    expect(results.map((r) => [r.ruleId, r.status])).toEqual([
      ['registry.throws', 'error'],
      ['registry.passes', 'pass'],
      ['registry.throws', 'error'],
      ['registry.passes', 'pass'],
    ]);
    expect(results[0]).toMatchObject({ message: expect.stringContaining('boom'), severity: 'high', conclusive: false, evidence: {} });
  });

  it('evaluates every catalog rule of a target against a compliant subject without errors', () => {
    // Compliant for every registry rule, the Defender one included: plan on, and the firewall lets trusted services through.
    const compliant = registryFacts({
      registry: {
        networkRuleBypassOptions: 'AzureServices',
        // Registry hardening (issue 13): every policy on, the only private endpoint from the registry's own subscription.
        policies: { armAudienceTokens: 'disabled', export: 'disabled', quarantine: 'enabled', retention: { status: 'enabled', days: 7 } },
        encryption: { status: 'enabled', keyVaultKey: true },
        dataEndpointEnabled: true,
        roleAssignmentMode: 'AbacRepositoryPermissions',
        privateEndpointConnections: [{ name: 'pe', status: 'Approved', subscriptionId: SUBSCRIPTION }],
      },
      diagnosticSettings: [{ name: 'a', destinations: { workspaceId: 'w' }, enabledCategories: ['audit'] }],
      defenderPlan: { subscriptionId: 'sub', pricingTier: 'Standard', registryScanningExtension: true },
      softDelete: { policy: { status: 'enabled', retentionDays: 7 } },
      // Role assignments read, and the only writer is approved.
      writers: { assignments: [], approvedLeftOut: 1, truncated: 0, uncertain: [], uncertainTruncated: 0 },
    });
    const registry = evaluateRules(RULES, 'registry', [compliant], ctx({ registryWriters: ['11111111-1111-1111-1111-111111111111'] }));
    expect(registry.filter((r) => r.status !== "pass").map((r) => [r.ruleId, r.message])).toEqual([]);
    const images = evaluateRules(RULES, 'image', [anImage()], ctx());
    expect(images.every((r) => r.status !== 'error')).toBe(true);
  });
});
