/**
 * ARM resource ids: parsed in one place. Segment names compare case-insensitively (ARM ids are
 * case-insensitive); values keep their case.
 */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Resource group names: 1-90 letters, digits, `_ - . ( )`, not ending in `.` (ARM naming rules). */
const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]{1,90}$/u;
/** Registry names: 5-50 alphanumerics (Microsoft.ContainerRegistry naming rules). */
const REGISTRY_NAME = /^[a-zA-Z0-9]{5,50}$/;
const SUBSCRIPTION_SCOPE = /^\/subscriptions\/([^/]+)$/i;
const SUBSCRIPTION_PREFIX = /^\/subscriptions\/([^/]+)/i;

export interface RegistryIdParts {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>`, or undefined. */
export function parseRegistryId(id: string): RegistryIdParts | undefined {
  if (typeof id !== 'string') return undefined;
  const parts = id.split('/');
  if (parts.length !== 9 || parts[0] !== '') return undefined;
  const [, subs, subscriptionId, rgs, resourceGroup, providers, namespace, registries, name] = parts as [
    string, string, string, string, string, string, string, string, string,
  ];
  const is = (actual: string, expected: string): boolean => /^[\x21-\x7e]+$/.test(actual) && actual.toLowerCase() === expected;
  if (!is(subs, 'subscriptions') || !is(rgs, 'resourcegroups') || !is(providers, 'providers')) return undefined;
  if (!is(namespace, 'microsoft.containerregistry') || !is(registries, 'registries')) return undefined;
  if (!GUID.test(subscriptionId)) return undefined;
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) return undefined;
  if (!REGISTRY_NAME.test(name)) return undefined;
  return { subscriptionId, resourceGroup, name };
}

/** The subscription id (lower-case) an ARM id or scope lives in, or undefined. */
export function subscriptionOf(id: string): string | undefined {
  return SUBSCRIPTION_PREFIX.exec(id)?.[1]?.toLowerCase();
}

/** The subscription id when `scope` is exactly `/subscriptions/<id>`, else undefined. */
export function subscriptionScopeOf(scope: string): string | undefined {
  return SUBSCRIPTION_SCOPE.exec(scope)?.[1];
}

export const isGuid = (s: string): boolean => GUID.test(s);
