import { describe, expect, it } from 'vitest';
import { workloadNoPlaintextSecrets as rule } from '../../shared/rules/workload.no-plaintext-secrets.js';
import { ctx } from './builders.js';
import { aWorkload } from './workloadBuilders.js';

describe('workload.no-plaintext-secrets', () => {
  it('ACI: a plain DB_PASSWORD fails naming variable and container; secureValue passes', () => {
    const bad = aWorkload('containerGroup', { containers: [{ name: 'api', role: 'main', image: 'x.azurecr.io/a:1', env: [{ name: 'DB_PASSWORD', source: 'value', looksSecret: 'name' }, { name: 'TOKEN', source: 'secure' }] }] });
    const e = rule.evaluate(bad, ctx());
    expect(e.status).toBe('fail');
    expect(e.evidence).toEqual({ variables: [{ container: 'api', variable: 'DB_PASSWORD', looksLike: 'name' }] });
    const good = aWorkload('containerGroup', { containers: [{ name: 'api', role: 'main', image: 'x.azurecr.io/a:1', env: [{ name: 'DB_PASSWORD', source: 'secure' }, { name: 'LOG_LEVEL', source: 'value' }] }] });
    expect(rule.evaluate(good, ctx()).status).toBe('pass');
  });
  it('Container Apps: a secret holding a value instead of a Key Vault reference fails; secretRef passes', () => {
    expect(rule.evaluate(aWorkload('containerApp', {}, { secretStore: { state: 'read', value: [{ name: 'db', keyVault: false }] } }), ctx())).toMatchObject({ status: 'fail', evidence: { secrets: ['db'] } });
    const ok = aWorkload('containerAppJob', { containers: [{ name: 'job', role: 'main', image: 'x.azurecr.io/a:1', env: [{ name: 'DB_PASSWORD', source: 'secretRef' }] }] }, { secretStore: { state: 'read', value: [{ name: 'db', keyVault: true }] } });
    expect(rule.evaluate(ok, ctx()).status).toBe('pass');
  });
  it('App Service is not applicable (app settings are not readable with Reader)', () => {
    expect(rule.evaluate(aWorkload('webApp'), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
  it('unread settings are inconclusive', () => {
    expect(rule.evaluate(aWorkload('containerApp', {}, { secretStore: { state: 'unread', reason: 'x' } }), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
