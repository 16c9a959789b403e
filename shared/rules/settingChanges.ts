/**
 * "Who changed it" (issue 13): on a failing registry-setting finding, who made the setting what it is now
 * and when, from Resource Graph `resourcechanges` (`RegistryFacts.settingChanges`, read once per nightly run
 * by the planner; about 14 days are kept). Evidence only: a rule's status never depends on it.
 *
 * The evidence is stable from night to night: it moves only when a newer change is recorded, or once when
 * the change leaves Resource Graph's window (the finding is then rewritten without it, no transition).
 */
import { REGISTRY_SETTING_PREFIXES, type RegistrySettingChanges, type SettingChangeFacts } from '../domain/snapshots.js';

/** Who made a registry setting what it is now (finding evidence, key `lastChange`). */
export interface SettingChangeEvidence {
  /**
   * `Update`: a recorded change of `property`. `Create`: the registry was created in Resource Graph's window
   * and none of the settings was changed since, so its creator left them as they are.
   */
  changeType: 'Update' | 'Create';
  changedAt: string;
  changedBy?: string;
  changedByType?: string;
  clientType?: string;
  operation?: string;
  property?: string;
  propertyChangeType?: string;
  previousValue?: string;
  newValue?: string;
}

/**
 * The settings a rule read, by Resource Graph path (`properties.publicNetworkAccess`,
 * `properties.policies.exportPolicy.status`, ... : REGISTRY_SETTING_PATHS, or a REGISTRY_SETTING_PREFIXES
 * entry for an array), each with its current value: a string, number or boolean means the change must have
 * set that value (compared case-insensitively: ARG renders booleans as `True`/`False`); `null` means the
 * property is absent now (the change removed it); `undefined` means the value is not checked. A change that
 * does not lead to the current value (Resource Graph lagging behind ARM) is not evidence.
 */
export type WatchedSettings = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** The registry facts (or just their `settingChanges`, possibly undefined: not read). */
export type WithSettingChanges = { settingChanges?: RegistrySettingChanges | undefined };

const isPrefix = (path: string) => (REGISTRY_SETTING_PREFIXES as readonly string[]).includes(path);

function leadsTo(change: SettingChangeFacts, current: WatchedSettings[string]): boolean {
  if (current === undefined) return true;
  if (current === null) return change.propertyChangeType?.toLowerCase() === 'remove' || change.newValue === undefined || change.newValue.toLowerCase() === 'null';
  return change.newValue !== undefined && change.newValue.toLowerCase() === String(current).toLowerCase();
}

/**
 * Who made the registry's `watched` settings what they are now: the latest recorded change among them that
 * leads to the current value; failing that, when none of them changed since the registry was created in the
 * window, its creation (not for array settings, whose element changes Resource Graph may not record).
 * Undefined when the changes were not read, or nothing attributable is recorded. Use it on fail results only.
 *
 * @example
 * fail('public network access is enabled', withChangeEvidence(evidence, facts, { 'properties.publicNetworkAccess': registry.publicNetworkAccess }))
 */
export function changeEvidence(facts: WithSettingChanges, watched: WatchedSettings): SettingChangeEvidence | undefined {
  const changes = facts.settingChanges;
  if (!changes) return undefined;
  const created = changes.created;
  let latest: SettingChangeFacts | undefined;
  let changedSinceCreation = false;
  for (const [path, current] of Object.entries(watched)) {
    const change = changes.latest[path];
    // A change older than the registry's creation belongs to an earlier registry of the same id.
    if (!change || (created && change.changedAt < created.changedAt)) continue;
    changedSinceCreation = true;
    if (!leadsTo(change, isPrefix(path) ? undefined : current)) continue;
    if (!latest || change.changedAt > latest.changedAt) latest = change;
  }
  if (latest) {
    return {
      changeType: 'Update',
      changedAt: latest.changedAt,
      ...(latest.changedBy !== undefined ? { changedBy: latest.changedBy } : {}),
      ...(latest.changedByType !== undefined ? { changedByType: latest.changedByType } : {}),
      ...(latest.clientType !== undefined ? { clientType: latest.clientType } : {}),
      ...(latest.operation !== undefined ? { operation: latest.operation } : {}),
      property: latest.property,
      ...(latest.propertyChangeType !== undefined ? { propertyChangeType: latest.propertyChangeType } : {}),
      ...(latest.previousValue !== undefined ? { previousValue: latest.previousValue } : {}),
      ...(latest.newValue !== undefined ? { newValue: latest.newValue } : {}),
    };
  }
  if (!created || changedSinceCreation || Object.keys(watched).some(isPrefix)) return undefined;
  return {
    changeType: 'Create',
    changedAt: created.changedAt,
    ...(created.changedBy !== undefined ? { changedBy: created.changedBy } : {}),
    ...(created.changedByType !== undefined ? { changedByType: created.changedByType } : {}),
    ...(created.clientType !== undefined ? { clientType: created.clientType } : {}),
    ...(created.operation !== undefined ? { operation: created.operation } : {}),
  };
}

/** `evidence` with `lastChange` (changeEvidence) added when something attributable is recorded; else `evidence` as is. */
export function withChangeEvidence<E extends Record<string, unknown>>(evidence: E, facts: WithSettingChanges, watched: WatchedSettings): E & { lastChange?: SettingChangeEvidence } {
  const lastChange = changeEvidence(facts, watched);
  return lastChange ? { ...evidence, lastChange } : evidence;
}
