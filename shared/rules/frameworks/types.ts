/**
 * A compliance framework mapped to rules (Prowler style: framework -> controls -> rule ids). A framework
 * module declares only what is not per rule (its controls and their titles); which rules implement a
 * control comes from each rule's own metadata (`mcsb`, `guidance`), so adding a rule never edits a framework.
 */
import type { RuleMetadata } from '../kit.js';

export interface FrameworkControl {
  id: string;
  title: string;
  /** The rules that implement the control, in catalog order (derived from the rules' metadata). */
  ruleIds: readonly string[];
}

/** What a framework module declares. */
export interface FrameworkDefinition {
  id: string;
  name: string;
  version: string;
  url: string;
  /** Every control the catalog may map to, in display order. */
  controls: ReadonlyArray<{ id: string; title: string }>;
  /** The control ids a rule names in its own metadata. */
  controlsOf(rule: RuleMetadata): readonly string[];
}

export interface Framework extends FrameworkDefinition {
  controls: readonly FrameworkControl[];
}

/** The framework with each declared control's rules, from the rules' metadata (rules in catalog order). */
export function frameworkOf(definition: FrameworkDefinition, rules: readonly RuleMetadata[]): Framework {
  return Object.freeze({
    ...definition,
    controls: definition.controls.map((c) => ({ ...c, ruleIds: rules.filter((r) => definition.controlsOf(r).includes(c.id)).map((r) => r.id) })),
  });
}
