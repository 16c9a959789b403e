/**
 * Whether a workload is reachable from the internet, decided once per kind from its network setting
 * (shared/domain/workloadKinds.ts extracts it). Used by `workload.network-isolated` (fails a reachable
 * workload) and `workload.image-vulnerabilities-resolved` (raises a vulnerable workload's severity one
 * level when it is reachable). Pure.
 *
 * - ACI container group: reachable when `ipAddress.type` is `Public`.
 * - Container App: reachable with external ingress, no IP allow rules, in an environment that is not internal
 *   and subnet-injected; no ingress, internal ingress, IP allow rules or an internal environment: not reachable.
 * - Container Apps job: no ingress, not reachable.
 * - App Service / Functions: its access restrictions and private endpoints are not read: unknown.
 */
import { SEVERITIES, severityRank, type Severity } from './severity.js';
import type { WorkloadKind, WorkloadNetworkFacts, WorkloadSetting, WorkloadSnapshot } from './snapshots.js';

export type InternetExposure =
  | { state: 'reachable'; why: string; evidence: Record<string, unknown> }
  | { state: 'isolated'; why: string; evidence: Record<string, unknown> }
  /** Not decided: the network was not read (`conclusive` false), or the kind's exposure is not modelled (true). */
  | { state: 'unknown'; why: string; conclusive: boolean; evidence: Record<string, unknown> };

/** Kinds whose `network` setting is absent because they accept no inbound traffic at all. */
const NO_INBOUND: ReadonlySet<WorkloadKind> = new Set<WorkloadKind>(['containerAppJob']);

const UNREAD: WorkloadSetting<WorkloadNetworkFacts> = { state: 'unread', reason: 'the workload settings were not read' };

/** The workload's internet exposure, from its kind and its `network` setting. */
export function internetExposure(w: Pick<WorkloadSnapshot, 'kind' | 'settings'>): InternetExposure {
  const s = w.settings?.network ?? UNREAD;
  if (s.state === 'unread') return { state: 'unknown', why: `network not read in this audit: ${s.reason}`, conclusive: false, evidence: {} };
  if (s.state === 'absent') {
    return NO_INBOUND.has(w.kind) ? { state: 'isolated', why: s.reason, evidence: { ingress: 'none' } } : { state: 'unknown', why: s.reason, conclusive: true, evidence: {} };
  }
  return exposureOfNetwork(w.kind, s.value);
}

/** The exposure of a read `network` setting (the messages and evidence `workload.network-isolated` reports). */
export function exposureOfNetwork(kind: WorkloadKind, n: WorkloadNetworkFacts): InternetExposure {
  if (kind === 'containerGroup') {
    const evidence = { ipAddressType: n.ipAddressType ?? 'none', subnets: n.subnetCount ?? 0 };
    if (n.ipAddressType?.toLowerCase() === 'public') return { state: 'reachable', why: 'the container group has a public IP address', evidence: { ...evidence, ipAddressType: n.ipAddressType } };
    return { state: 'isolated', why: n.subnetCount ? 'the container group runs in a virtual network subnet without a public IP address' : 'the container group has no public IP address', evidence };
  }
  if (!n.ingress) return { state: 'isolated', why: 'the app has no ingress', evidence: { ingress: 'none' } };
  if (!n.ingress.external) return { state: 'isolated', why: 'ingress is internal to the environment', evidence: { ingress: 'internal' } };
  if (n.ingress.allowRules > 0) return { state: 'isolated', why: `external ingress is restricted by ${n.ingress.allowRules} IP allow rule(s)`, evidence: { ingress: 'external', allowRules: n.ingress.allowRules } };
  if (n.environment === 'unread' || (n.environmentId && !n.environment)) {
    return {
      state: 'unknown',
      why: 'external ingress without IP allow rules; the environment could not be read to see whether it is internal',
      conclusive: false,
      evidence: { ingress: 'external', ...(n.environmentId ? { environmentId: n.environmentId } : {}) },
    };
  }
  if (n.environment?.internal && n.environment.subnet) return { state: 'isolated', why: 'external ingress of an internal environment injected into a subnet', evidence: { ingress: 'external', environmentInternal: true } };
  return { state: 'reachable', why: 'external ingress open to the internet (no IP allow rules, environment not internal)', evidence: { ingress: 'external', allowRules: 0, denyRules: n.ingress.denyRules, environmentInternal: false } };
}

/** One level up (critical stays critical): the severity of a finding on a workload reachable from the internet. */
export function raisedOneLevel(s: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, severityRank(s) + 1)]!;
}
