import { describe, expect, it } from 'vitest';
import { registryPrivateEndpointsTrusted as rule } from '../../shared/rules/registry.private-endpoints-trusted.js';
import { ctx, registryFacts, SUBSCRIPTION } from './builders.js';

const OTHER = '11111111-2222-3333-4444-555555555555';
const FOREIGN = '99999999-8888-7777-6666-555555555555';
const pe = (subscriptionId: string | undefined, status = 'Approved', name = `pe-${subscriptionId ?? 'unknown'}-${status}`) => ({
  name,
  status,
  ...(subscriptionId ? { subscriptionId, privateEndpointId: `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/${name}` } : {}),
});

describe('registry.private-endpoints-trusted', () => {
  it('passes when every live connection is from the registry\'s own or a trusted subscription', () => {
    const facts = registryFacts({ registry: { privateEndpointConnections: [pe(SUBSCRIPTION), pe(OTHER)] } });
    expect(rule.evaluate(facts, ctx({ trustedSubscriptions: [OTHER] })).status).toBe('pass');
    expect(rule.evaluate(facts, ctx()).status).toBe('fail');
  });

  it('flags approved and pending connections from outside; rejected and disconnected ones carry no traffic', () => {
    const facts = registryFacts({ registry: { privateEndpointConnections: [pe(SUBSCRIPTION), pe(FOREIGN), pe(FOREIGN, 'Pending'), pe(FOREIGN, 'Rejected'), pe(FOREIGN, 'Disconnected')] } });
    const e = rule.evaluate(facts, ctx());
    expect(e).toMatchObject({ status: 'fail', message: '2 private endpoint connection(s) from untrusted subscriptions (1 approved, 1 pending or other)' });
    expect((e.evidence!.untrusted as Array<{ status: string }>).map((c) => c.status)).toEqual(['Approved', 'Pending']);
  });

  it('does not trust a connection whose private endpoint id is unknown', () => {
    expect(rule.evaluate(registryFacts({ registry: { privateEndpointConnections: [pe(undefined)] } }), ctx()).status).toBe('fail');
  });

  it('is not applicable without private endpoint connections, and bounds the evidence', () => {
    expect(rule.evaluate(registryFacts({ registry: { privateEndpointConnections: [] } }), ctx()).status).toBe('not_applicable');
    expect(rule.evaluate(registryFacts(), ctx()).status).toBe('not_applicable');
    const many = Array.from({ length: 25 }, (_, i) => pe(FOREIGN, 'Approved', `pe-${i}`));
    const e = rule.evaluate(registryFacts({ registry: { privateEndpointConnections: many } }), ctx());
    expect((e.evidence!.untrusted as unknown[]).length).toBe(10);
    expect(e.evidence!.untrustedOmitted).toBe(15);
  });

  it('trusts the subscriptions the run audits (in scope even when AUDITOR_SUBSCRIPTION_IDS is empty)', () => {
    const facts = registryFacts({ registry: { privateEndpointConnections: [pe(OTHER), pe(FOREIGN, 'Pending')] }, auditedSubscriptions: [SUBSCRIPTION, OTHER] });
    const e = rule.evaluate(facts, ctx());
    expect(e.status).toBe('fail');
    expect((e.evidence!.untrusted as Array<{ subscriptionId: string }>).map((c) => c.subscriptionId)).toEqual([FOREIGN]);
    expect(rule.evaluate(registryFacts({ registry: { privateEndpointConnections: [pe(OTHER)] }, auditedSubscriptions: [OTHER] }), ctx()).status).toBe('pass');
  });

  it('a Premium document without privateEndpointConnections (an older API version) is inconclusive; Basic and Standard have none', () => {
    const older = (sku: string) => {
      const facts = registryFacts({ registry: { sku } });
      delete (facts.registry as { privateEndpointConnections?: unknown }).privateEndpointConnections;
      return rule.evaluate(facts, ctx());
    };
    expect(older('Premium')).toMatchObject({ status: 'not_applicable', conclusive: false });
    expect(older('Standard')).toMatchObject({ status: 'not_applicable', conclusive: true, evidence: { sku: 'Standard' } });
    expect(older('Basic')).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
});
