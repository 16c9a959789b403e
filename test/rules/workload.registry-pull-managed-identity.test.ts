import { describe, expect, it } from 'vitest';
import { workloadRegistryPullManagedIdentity as rule } from '../../shared/rules/workload.registry-pull-managed-identity.js';
import { ctx } from './builders.js';
import { aWorkload } from './workloadBuilders.js';

describe('workload.registry-pull-managed-identity', () => {
  it.each(['containerGroup', 'containerApp', 'containerAppJob', 'webApp'] as const)('%s: a managed-identity pull passes', (kind) => {
    expect(rule.evaluate(aWorkload(kind), ctx()).status).toBe('pass');
  });
  it('ACI: a user name and password fails; the registry admin account is named', () => {
    const e = rule.evaluate(aWorkload('containerGroup', {}, { registryPulls: { state: 'read', value: [{ server: 'contosoprod.azurecr.io', method: 'password', username: 'contosoprod' }] } }), ctx());
    expect(e.status).toBe('fail');
    expect(e.evidence).toMatchObject({ adminCredentialPulls: [{ server: 'contosoprod.azurecr.io', username: 'contosoprod' }] });
  });
  it('Container Apps: passwordSecretRef fails, without admin when the user is not the registry name', () => {
    const e = rule.evaluate(aWorkload('containerApp', {}, { registryPulls: { state: 'read', value: [{ server: 'contosoprod.azurecr.io', method: 'password', username: 'sp-pull' }] } }), ctx());
    expect(e.status).toBe('fail');
    expect(e.evidence).not.toHaveProperty('adminCredentialPulls');
  });
  it('App Service sitecontainer with UserCredentials fails, naming the container', () => {
    const w = aWorkload('webApp', { containers: [{ name: 'sidecar', role: 'sidecar', image: 'contosoprod.azurecr.io/otel:1', pull: { method: 'password', username: 'u' } }] }, { registryPulls: { state: 'read', value: [] } });
    const e = rule.evaluate(w, ctx());
    expect(e.status).toBe('fail');
    expect(JSON.stringify(e.evidence)).toContain('sidecar');
  });
  it('site config not read is inconclusive, never a pass', () => {
    const e = rule.evaluate(aWorkload('webApp', {}, { registryPulls: { state: 'unread', reason: 'config/web 403' } }), ctx());
    expect(e).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
  it('a workload without containers is not applicable', () => {
    expect(rule.evaluate(aWorkload('webApp', { containers: [] }), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
});
