import { describe, expect, it } from 'vitest';
import { workloadNetworkIsolated as rule } from '../../shared/rules/workload.network-isolated.js';
import { ctx } from './builders.js';
import { aWorkload } from './workloadBuilders.js';

const net = (value: object) => ({ network: { state: 'read' as const, value } });

describe('workload.network-isolated', () => {
  it('ACI: a public IP fails, a private subnet passes', () => {
    expect(rule.evaluate(aWorkload('containerGroup', {}, net({ ipAddressType: 'Public', subnetCount: 0 })), ctx()).status).toBe('fail');
    expect(rule.evaluate(aWorkload('containerGroup', {}, net({ ipAddressType: 'Private', subnetCount: 1 })), ctx()).status).toBe('pass');
  });
  it('Container Apps: open external ingress fails; IP allow rules, internal ingress or an internal environment pass', () => {
    const ext = { external: true, allowRules: 0, denyRules: 0 };
    expect(rule.evaluate(aWorkload('containerApp', {}, net({ ingress: ext, environmentId: 'e', environment: { internal: false, subnet: false } })), ctx()).status).toBe('fail');
    expect(rule.evaluate(aWorkload('containerApp', {}, net({ ingress: { ...ext, allowRules: 2 } })), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload('containerApp', {}, net({ ingress: { ...ext, external: false } })), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload('containerApp', {}, net({ ingress: ext, environmentId: 'e', environment: { internal: true, subnet: true } })), ctx()).status).toBe('pass');
  });
  it('Container Apps: an unread environment is inconclusive', () => {
    expect(rule.evaluate(aWorkload('containerApp', {}, net({ ingress: { external: true, allowRules: 0, denyRules: 0 }, environmentId: 'e', environment: 'unread' })), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
  it.each(['containerAppJob', 'webApp'] as const)('%s: not applicable', (kind) => {
    expect(rule.evaluate(aWorkload(kind), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
});
