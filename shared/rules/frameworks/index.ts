/** Every framework the catalog is mapped to. */
import { ACR_GUIDANCE } from './acr-guidance.js';
import { MCSB } from './mcsb.js';
import type { Framework, FrameworkControl } from './types.js';

export type { Framework, FrameworkControl, FrameworkDefinition } from './types.js';
export { ACR_GUIDANCE } from './acr-guidance.js';
export { MCSB } from './mcsb.js';

export const FRAMEWORKS: readonly Framework[] = [MCSB, ACR_GUIDANCE];

/** The controls of one framework that a rule implements. */
export function controlsForRule(framework: Framework, ruleId: string): FrameworkControl[] {
  return framework.controls.filter((c) => c.ruleIds.includes(ruleId));
}
