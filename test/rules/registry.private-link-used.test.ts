import { describe, expect, it } from 'vitest';
import { registryPrivateLinkUsed as rule } from '../../shared/rules/registry.private-link-used.js';
import { ctx, registryFacts, SUBSCRIPTION } from './builders.js';

const pe = (status: string) => ({ name: `pe-${status}`, status, subscriptionId: SUBSCRIPTION, privateEndpointId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe` });

describe('registry.private-link-used', () => {
  it('is a strict-profile rule', () => expect(rule.profile).toBe('strict'));

  it.each([
    { connections: [pe('Approved')], status: 'pass' },
    { connections: [pe('Pending'), pe('Approved')], status: 'pass' },
    { connections: [pe('Pending')], status: 'fail' },
    { connections: [pe('Rejected')], status: 'fail' },
    { connections: [], status: 'fail' },
    { connections: undefined, status: 'fail' },
  ])('$connections.length connection(s) -> $status', ({ connections, status }) => {
    const e = rule.evaluate(registryFacts({ registry: connections ? { privateEndpointConnections: connections } : {} }), ctx());
    expect(e.status).toBe(status);
  });

  it('names the SKU on Basic and Standard', () => {
    const e = rule.evaluate(registryFacts({ registry: { sku: 'Basic', privateEndpointCount: 0 } }), ctx());
    expect(e).toMatchObject({ status: 'fail', message: expect.stringContaining('Basic SKU'), evidence: { sku: 'Basic', approved: 0 } });
  });
});
