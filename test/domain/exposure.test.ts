import { describe, expect, it } from 'vitest';
import { internetExposure, raisedOneLevel } from '../../shared/domain/exposure.js';
import type { WorkloadKind, WorkloadNetworkFacts, WorkloadSnapshot } from '../../shared/domain/snapshots.js';
import { settingsOf } from '../rules/workloadBuilders.js';

const of = (kind: WorkloadKind, network?: WorkloadNetworkFacts): Pick<WorkloadSnapshot, 'kind' | 'settings'> => ({
  kind,
  settings: settingsOf(kind, network ? { network: { state: 'read', value: network } } : {}),
});
const open = { external: true, allowRules: 0, denyRules: 0 };

describe('internetExposure (one decision per kind, shared by workload.network-isolated and workload.image-vulnerabilities-resolved)', () => {
  it.each([
    { name: 'ACI public IP', w: of('containerGroup', { ipAddressType: 'Public', subnetCount: 0 }), state: 'reachable' },
    { name: 'ACI private subnet', w: of('containerGroup', { ipAddressType: 'Private', subnetCount: 1 }), state: 'isolated' },
    { name: 'ACI without IP address', w: of('containerGroup', { subnetCount: 0 }), state: 'isolated' },
    { name: 'app with open external ingress', w: of('containerApp', { ingress: open, environmentId: 'e', environment: { internal: false, subnet: false } }), state: 'reachable' },
    { name: 'app without ingress', w: of('containerApp', {}), state: 'isolated' },
    { name: 'app with internal ingress', w: of('containerApp', { ingress: { ...open, external: false } }), state: 'isolated' },
    { name: 'app restricted by IP allow rules', w: of('containerApp', { ingress: { ...open, allowRules: 1 } }), state: 'isolated' },
    { name: 'app in an internal subnet-injected environment', w: of('containerApp', { ingress: open, environmentId: 'e', environment: { internal: true, subnet: true } }), state: 'isolated' },
    { name: 'app whose environment was not read', w: of('containerApp', { ingress: open, environmentId: 'e', environment: 'unread' }), state: 'unknown' },
    { name: 'job (no ingress)', w: of('containerAppJob'), state: 'isolated' },
    { name: 'App Service (not modelled)', w: of('webApp'), state: 'unknown' },
    { name: 'settings not read', w: { kind: 'containerApp' as const }, state: 'unknown' },
  ])('$name: $state', ({ w, state }) => {
    expect(internetExposure(w).state).toBe(state);
  });

  it('an unread network is inconclusive, an unmodelled kind conclusive', () => {
    expect(internetExposure({ kind: 'containerApp' })).toMatchObject({ state: 'unknown', conclusive: false });
    expect(internetExposure(of('webApp'))).toMatchObject({ state: 'unknown', conclusive: true });
  });

  it('raisedOneLevel: one level up, critical stays critical', () => {
    expect(['informational', 'low', 'medium', 'high', 'critical'].map((s) => raisedOneLevel(s as 'low'))).toEqual(['low', 'medium', 'high', 'critical', 'critical']);
  });
});
