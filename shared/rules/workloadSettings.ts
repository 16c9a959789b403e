/** Helpers of the workload-setting rules (issue 14): reading a setting the same way whatever the kind. Pure. */
import type { WorkloadSetting, WorkloadSettings, WorkloadSnapshot } from '../domain/snapshots.js';
import { notApplicable, type Evaluation } from './kit.js';

/** A workload's setting, `unread` when the snapshot carries no settings at all. */
export function settingOf<K extends keyof WorkloadSettings>(w: WorkloadSnapshot, key: K): WorkloadSettings[K] {
  return w.settings?.[key] ?? ({ state: 'unread', reason: 'the workload settings were not read' } as WorkloadSettings[K]);
}

/** The not-applicable answer of a setting that is absent (conclusive) or unread (inconclusive), else undefined. */
export function unavailable<T>(s: WorkloadSetting<T>): Evaluation | undefined {
  if (s.state === 'absent') return notApplicable(s.reason, { conclusive: true });
  if (s.state === 'unread') return notApplicable(`not read in this audit: ${s.reason}`, { conclusive: false });
  return undefined;
}

/** At most `n` entries of a list for evidence, with a visible marker when cut. */
export function bounded<T>(list: readonly T[], n = 20): { items: T[]; truncated?: number } {
  return list.length > n ? { items: list.slice(0, n), truncated: list.length - n } : { items: [...list] };
}
