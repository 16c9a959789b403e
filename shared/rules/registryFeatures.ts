/**
 * Helpers of the registry hardening rules (issue 13): which SKU offers a feature, and how ARM spells a
 * policy status. Service tiers: https://learn.microsoft.com/azure/container-registry/container-registry-skus
 */
import type { RegistrySnapshot } from '../domain/snapshots.js';
import { notApplicable, type Evaluation } from './kit.js';

/** Not applicable (conclusively) on a SKU without the feature, with the SKU in the evidence; undefined on Premium. */
export function premiumOnly(registry: RegistrySnapshot, feature: string): Evaluation | undefined {
  if (registry.sku.toLowerCase() === 'premium') return undefined;
  return notApplicable(`${feature} needs the Premium SKU; this registry is ${registry.sku}`, { evidence: { sku: registry.sku } });
}

/** ARM policy statuses are `enabled` / `disabled` (any case in the wild): undefined when absent. */
export function statusOf(status: string | undefined): 'enabled' | 'disabled' | 'other' | undefined {
  if (status === undefined) return undefined;
  const s = status.toLowerCase();
  return s === 'enabled' || s === 'disabled' ? s : 'other';
}

/** The Bicep resource line every registry remediation starts with. */
export const REGISTRY_BICEP_HEAD = "resource acr 'Microsoft.ContainerRegistry/registries@2025-04-01' = {\n  name: registryName\n  location: location\n";

/** A pull-through cache rule serving mcr.microsoft.com's Azure Linux base from the registry (remediation of image.base-approved and registry.cache-rules-approved). */
export const AZURELINUX_CACHE_RULE_BICEP =
  "resource baseCache 'Microsoft.ContainerRegistry/registries/cacheRules@2025-04-01' = {\n" +
  "  name: 'azurelinux'\n" +
  '  parent: acr\n' +
  '  properties: {\n' +
  "    sourceRepository: 'mcr.microsoft.com/azurelinux/base/core'\n" +
  "    targetRepository: 'base/azurelinux-core'\n" +
  '  }\n' +
  '}';
