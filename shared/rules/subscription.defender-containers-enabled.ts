/**
 * Every subscription in scope has Defender for Containers on (`Standard`) with registry vulnerability
 * assessment (`ContainerRegistriesVulnerabilityAssessments`): without it nothing scans the registries'
 * images, and the vulnerability rules can only answer "inconclusive".
 */
import { planScansRegistries, REGISTRY_VA_EXTENSION } from '../domain/vulnerabilities.js';
import { defineRule, fail, notApplicable, pass } from './kit.js';

export const subscriptionDefenderContainersEnabled = defineRule({
  id: 'subscription.defender-containers-enabled',
  title: 'Defender for Containers scans the subscription\'s registries',
  target: 'subscription',
  severity: 'high',
  rationale:
    'Without the Defender for Containers plan and its registry vulnerability assessment, no one scans the images stored in the ' +
    'subscription\'s registries: known CVEs in images that run in production go unnoticed, and every vulnerability check of ' +
    'those images is inconclusive.',
  remediation: {
    description: `Turn on the Defender for Containers plan (Standard) with the ${REGISTRY_VA_EXTENSION} extension for the subscription.`,
    cli: `az security pricing create --name Containers --tier standard --extensions name=${REGISTRY_VA_EXTENSION} isEnabled=True`,
    bicep:
      "targetScope = 'subscription'\n" +
      "resource containers 'Microsoft.Security/pricings@2024-01-01' = {\n" +
      "  name: 'Containers'\n" +
      `  properties: { pricingTier: 'Standard', extensions: [ { name: '${REGISTRY_VA_EXTENSION}', isEnabled: 'True' } ] }\n` +
      '}',
  },
  guidance: 'vulnerability-scanning',
  mcsb: ['PV-5', 'LT-1'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-introduction',
    'https://learn.microsoft.com/azure/defender-for-cloud/agentless-vulnerability-assessment-azure',
    'https://learn.microsoft.com/security/benchmark/azure/mcsb-posture-vulnerability-management',
  ],
  modes: ['nightly'],
  evaluate({ subscriptionId, defenderPlan }) {
    if (!defenderPlan) return notApplicable('the Defender plans could not be read in this audit', { conclusive: false, evidence: { subscriptionId } });
    const evidence = {
      pricingTier: defenderPlan.pricingTier ?? null,
      registryScanningExtension: defenderPlan.registryScanningExtension ?? null,
      ...(defenderPlan.enablementTime ? { enablementTime: defenderPlan.enablementTime } : {}),
    };
    const state = planScansRegistries(defenderPlan);
    return state.on ? pass(state.why, evidence) : fail(state.why, evidence);
  },
});
