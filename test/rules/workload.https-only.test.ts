import { describe, expect, it } from 'vitest';
import { workloadHttpsOnly as rule } from '../../shared/rules/workload.https-only.js';
import { ctx } from './builders.js';
import { aWorkload } from './workloadBuilders.js';

describe('workload.https-only', () => {
  it.each(['containerApp', 'webApp'] as const)('%s: https only passes, plain HTTP fails', (kind) => {
    expect(rule.evaluate(aWorkload(kind), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload(kind, {}, { httpsOnly: { state: 'read', value: false } }), ctx()).status).toBe('fail');
  });
  it.each(['containerGroup', 'containerAppJob'] as const)('%s: not applicable', (kind) => {
    expect(rule.evaluate(aWorkload(kind), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
});
