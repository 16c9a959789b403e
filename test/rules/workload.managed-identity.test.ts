import { describe, expect, it } from 'vitest';
import { workloadManagedIdentity as rule } from '../../shared/rules/workload.managed-identity.js';
import { ctx } from './builders.js';
import { aWorkload } from './workloadBuilders.js';

describe('workload.managed-identity', () => {
  it.each(['containerGroup', 'containerApp', 'containerAppJob', 'webApp'] as const)('%s: an identity passes, None fails, unread is inconclusive', (kind) => {
    expect(rule.evaluate(aWorkload(kind), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload(kind, {}, { identity: { state: 'read', value: { type: 'None' } } }), ctx()).status).toBe('fail');
    expect(rule.evaluate(aWorkload(kind, {}, { identity: { state: 'unread', reason: 'x' } }), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
