import { describe, expect, it } from 'vitest';
import { registryPublicNetworkRestricted as rule } from '../../shared/rules/registry.public-network-restricted.js';
import { ctx, registryFacts, type aRegistry } from './builders.js';

type Case = { name: string; registry: Parameters<typeof aRegistry>[0]; status: string; evidence: Record<string, unknown> };

const cases: Case[] = [
  {
    name: 'public access disabled, private endpoint',
    registry: { publicNetworkAccess: 'Disabled', networkRuleSet: { defaultAction: 'Allow', ipRuleCount: 0 }, privateEndpointCount: 2 },
    status: 'pass',
    evidence: { publicNetworkAccess: 'Disabled', defaultAction: 'Allow', ipRuleCount: 0, privateEndpointCount: 2 },
  },
  {
    name: 'public access enabled, firewall denies by default',
    registry: { publicNetworkAccess: 'Enabled', networkRuleSet: { defaultAction: 'Deny', ipRuleCount: 3 }, privateEndpointCount: 0 },
    status: 'pass',
    evidence: { publicNetworkAccess: 'Enabled', defaultAction: 'Deny', ipRuleCount: 3, privateEndpointCount: 0 },
  },
  {
    name: 'public access enabled, firewall allows all',
    registry: { publicNetworkAccess: 'Enabled', networkRuleSet: { defaultAction: 'Allow', ipRuleCount: 0 }, privateEndpointCount: 1 },
    status: 'fail',
    evidence: { publicNetworkAccess: 'Enabled', defaultAction: 'Allow', ipRuleCount: 0, privateEndpointCount: 1 },
  },
  {
    name: 'Standard SKU without firewall rules, public access enabled',
    registry: { sku: 'Standard', publicNetworkAccess: 'Enabled', networkRuleSet: null, privateEndpointCount: 0 },
    status: 'fail',
    evidence: { publicNetworkAccess: 'Enabled', defaultAction: null, ipRuleCount: 0, privateEndpointCount: 0 },
  },
];

describe('registry.public-network-restricted', () => {
  it.each(cases)('$name -> $status', ({ registry, status, evidence }) => {
    const e = rule.evaluate(registryFacts({ registry }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toEqual(evidence);
  });
});
