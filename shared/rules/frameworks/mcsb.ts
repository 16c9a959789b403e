/**
 * Microsoft cloud security benchmark v1 controls the catalog may map to (the Azure Container Registry
 * security baseline applies them to ACR). Which rules implement a control comes from each rule's `mcsb`
 * metadata; a rule naming a control missing here is reported by the catalog test.
 */
import { RULES } from '../catalog.js';
import { frameworkOf, type FrameworkDefinition } from './types.js';

export const MCSB_DEFINITION: FrameworkDefinition = {
  id: 'mcsb',
  name: 'Microsoft cloud security benchmark',
  version: '1.0',
  url: 'https://learn.microsoft.com/security/benchmark/azure/overview',
  controls: [
    { id: 'NS-1', title: 'Establish network segmentation boundaries' },
    { id: 'NS-2', title: 'Secure cloud native services with network controls' },
    { id: 'IM-3', title: 'Manage application identities securely and automatically' },
    { id: 'IM-8', title: 'Restrict the exposure of credentials and secrets' },
    { id: 'DP-3', title: 'Encrypt sensitive data in transit' },
    { id: 'DP-5', title: 'Use customer-managed key option in data at rest encryption when required' },
    { id: 'PV-4', title: 'Audit and enforce secure configurations for compute resources' },
    { id: 'IM-1', title: 'Use centralized identity and authentication system' },
    { id: 'PA-1', title: 'Separate and limit highly privileged/administrative users' },
    { id: 'PA-7', title: 'Follow just enough administration (least privilege) principle' },
    { id: 'LT-3', title: 'Enable logging for security investigation' },
    { id: 'LT-4', title: 'Enable network logging for security investigation' },
    { id: 'AM-1', title: 'Track asset inventory and their risks' },
    { id: 'AM-2', title: 'Use only approved services' },
    { id: 'DS-2', title: 'Ensure software supply chain security' },
    { id: 'DS-6', title: 'Enforce security of workload throughout DevOps lifecycle' },
    { id: 'PV-6', title: 'Rapidly and automatically remediate vulnerabilities' },
    { id: 'PV-5', title: 'Perform vulnerability assessments' },
    { id: 'LT-1', title: 'Enable threat detection capabilities' },
  ],
  controlsOf: (rule) => rule.mcsb,
};

export const MCSB = frameworkOf(MCSB_DEFINITION, RULES);
