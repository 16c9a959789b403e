/**
 * The Microsoft guidance for Azure Container Registry the auditor implements, one control per guidance
 * section. Which rules implement a section comes from each rule's `guidance` metadata.
 */
import { RULES } from '../catalog.js';
import type { GuidanceSection } from '../kit.js';
import { frameworkOf, type FrameworkDefinition } from './types.js';

/** Every section's title, in display order (a Record, so the compiler checks it against GuidanceSection). */
const SECTION_TITLES: Record<GuidanceSection, string> = {
  'private-approved-registries': 'Use private, approved registries and restrict their network exposure',
  'approved-images': 'Build on approved base images and keep images traceable to their source',
  'protected-credentials': 'Authenticate with Entra ID identities, not shared or anonymous access',
  'audited-admin-access': 'Log registry access and watch the admin account',
  'images-up-to-date': 'Keep stored and running images up to date',
  'vulnerability-scanning': 'Scan images continuously and map their vulnerabilities to running containers',
  'audit-coverage': 'Audit every registry and subscription of the estate',
};

export const ACR_GUIDANCE_DEFINITION: FrameworkDefinition = {
  id: 'acr-guidance',
  name: 'Azure Container Registry security guidance',
  version: '2025',
  url: 'https://learn.microsoft.com/azure/container-registry/container-registry-best-practices',
  controls: Object.entries(SECTION_TITLES).map(([id, title]) => ({ id, title })),
  controlsOf: (rule) => [rule.guidance],
};

export const ACR_GUIDANCE = frameworkOf(ACR_GUIDANCE_DEFINITION, RULES);
