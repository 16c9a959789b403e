/** A compliance framework mapped to rules (Prowler style: framework -> controls -> rule ids). */
export interface FrameworkControl {
  id: string;
  title: string;
  ruleIds: readonly string[];
}

export interface Framework {
  id: string;
  name: string;
  version: string;
  url: string;
  controls: readonly FrameworkControl[];
}
