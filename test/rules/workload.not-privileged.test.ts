import { describe, expect, it } from 'vitest';
import { workloadNotPrivileged as rule } from '../../shared/rules/workload.not-privileged.js';
import { ctx } from './builders.js';
import { aWorkload } from './workloadBuilders.js';

const aci = (securityContext: { privileged?: boolean; allowPrivilegeEscalation?: boolean; addedCapabilities: string[] }) =>
  aWorkload('containerGroup', { containers: [{ name: 'app', role: 'main', image: 'x.azurecr.io/a:1', securityContext }] });

describe('workload.not-privileged', () => {
  it('ACI: privileged, escalation and an added capability fail, listing what was granted', () => {
    const e = rule.evaluate(aci({ privileged: true, allowPrivilegeEscalation: true, addedCapabilities: ['CAP_SYS_ADMIN'] }), ctx());
    expect(e.status).toBe('fail');
    expect(e.evidence).toMatchObject({ granted: [{ container: 'app', grant: 'privileged' }, { container: 'app', grant: 'allowPrivilegeEscalation' }, { container: 'app', grant: 'capability SYS_ADMIN' }] });
  });
  it('ACI: an allowed capability passes (AUDITOR_ALLOWED_CAPABILITIES, CAP_ prefix optional)', () => {
    expect(rule.evaluate(aci({ addedCapabilities: ['NET_BIND_SERVICE'] }), ctx({ allowedCapabilities: ['CAP_NET_BIND_SERVICE'] })).status).toBe('pass');
    expect(rule.evaluate(aci({ privileged: false, addedCapabilities: [] }), ctx()).status).toBe('pass');
  });
  it.each(['containerApp', 'containerAppJob', 'webApp'] as const)('%s: not applicable', (kind) => {
    expect(rule.evaluate(aWorkload(kind), ctx())).toMatchObject({ status: 'not_applicable', conclusive: true });
  });
});
