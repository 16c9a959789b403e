/**
 * The Microsoft guidance for Azure Container Registry the auditor implements, one control per guidance
 * section. Must agree with each rule's `guidance` metadata (linted by test).
 */
import type { GuidanceSection } from '../kit.js';
import type { Framework, FrameworkControl } from './types.js';

type GuidanceControl = FrameworkControl & { id: GuidanceSection };

const controls: readonly GuidanceControl[] = [
  {
    id: 'private-approved-registries',
    title: 'Use private, approved registries and restrict their network exposure',
    ruleIds: ['registry.approved', 'registry.public-network-restricted', 'workload.image-from-approved-registry'],
  },
  {
    id: 'approved-images',
    title: 'Build on approved base images and keep images traceable to their source',
    ruleIds: ['image.provenance-labeled', 'image.base-approved'],
  },
  {
    id: 'protected-credentials',
    title: 'Authenticate with Entra ID identities, not shared or anonymous access',
    ruleIds: ['registry.admin-user-disabled', 'registry.anonymous-pull-disabled'],
  },
  {
    id: 'audited-admin-access',
    title: 'Log registry access and watch the admin account',
    ruleIds: ['registry.audit-logs-enabled', 'registry.admin-user-unused'],
  },
  { id: 'images-up-to-date', title: 'Keep stored and running images up to date', ruleIds: ['image.fresh', 'workload.image-fresh'] },
  { id: 'audit-coverage', title: 'Audit every registry and subscription of the estate', ruleIds: ['audit.scope-readable'] },
];

export const ACR_GUIDANCE: Framework = {
  id: 'acr-guidance',
  name: 'Azure Container Registry security guidance',
  version: '2025',
  url: 'https://learn.microsoft.com/azure/container-registry/container-registry-best-practices',
  controls,
};
