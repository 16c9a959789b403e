/** Builders for the workload-setting rules (issue 14): a workload of a kind with its settings, override what the case is about. */
import type { WorkloadContainer, WorkloadFacts, WorkloadKind, WorkloadSettings, WorkloadSnapshot } from '../../shared/domain/snapshots.js';
import { SUBSCRIPTION } from './builders.js';

const absent = (reason: string) => ({ state: 'absent' as const, reason });

export function settingsOf(kind: WorkloadKind, overrides: Partial<WorkloadSettings> = {}): WorkloadSettings {
  const base: WorkloadSettings = {
    registryPulls: { state: 'read', value: [{ server: 'contosoprod.azurecr.io', method: 'managed-identity', identity: 'system' }] },
    secretStore: kind === 'containerApp' || kind === 'containerAppJob' ? { state: 'read', value: [] } : absent('no secret store'),
    securityContext: kind === 'containerGroup' ? { state: 'read', value: true } : absent('no security context'),
    environmentVariables: kind === 'webApp' ? absent('app settings not readable') : { state: 'read', value: true },
    network: kind === 'webApp' || kind === 'containerAppJob' ? absent('no ingress') : { state: 'read', value: kind === 'containerGroup' ? { ipAddressType: 'Private', subnetCount: 1 } : { ingress: { external: false, allowRules: 0, denyRules: 0 } } },
    httpsOnly: kind === 'containerGroup' || kind === 'containerAppJob' ? absent('no TLS termination') : { state: 'read', value: true },
    logs: { state: 'read', value: kind === 'containerGroup' ? { logAnalytics: true } : kind === 'webApp' ? { diagnosticSettings: [] } : { environmentDestination: 'log-analytics' } },
    identity: { state: 'read', value: { type: 'SystemAssigned' } },
  };
  return { ...base, ...overrides };
}

export function aWorkload(kind: WorkloadKind, overrides: Partial<WorkloadSnapshot> = {}, settings: Partial<WorkloadSettings> = {}): WorkloadFacts {
  const containers: WorkloadContainer[] = [{ name: 'app', role: 'main', image: 'contosoprod.azurecr.io/team/api:1.0.0', env: [] }];
  return {
    workload: {
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/x/${kind}/w1`,
      name: 'w1',
      kind,
      subscriptionId: SUBSCRIPTION,
      resourceGroup: 'rg',
      location: 'westeurope',
      tags: {},
      containers,
      settings: settingsOf(kind, settings),
      ...overrides,
    },
  };
}
