/**
 * Microsoft cloud security benchmark v1 controls covered by the catalog (the Azure Container Registry
 * security baseline applies them to ACR). Must agree with each rule's `mcsb` metadata (linted by test).
 */
import type { Framework } from './types.js';

export const MCSB: Framework = {
  id: 'mcsb',
  name: 'Microsoft cloud security benchmark',
  version: '1.0',
  url: 'https://learn.microsoft.com/security/benchmark/azure/overview',
  controls: [
    { id: 'NS-2', title: 'Secure cloud native services with network controls', ruleIds: ['registry.public-network-restricted'] },
    {
      id: 'IM-1',
      title: 'Use centralized identity and authentication system',
      ruleIds: ['registry.admin-user-disabled', 'registry.anonymous-pull-disabled', 'registry.admin-user-unused'],
    },
    {
      id: 'PA-1',
      title: 'Separate and limit highly privileged/administrative users',
      ruleIds: ['registry.admin-user-disabled', 'registry.admin-user-unused'],
    },
    {
      id: 'PA-7',
      title: 'Follow just enough administration (least privilege) principle',
      ruleIds: ['registry.admin-user-disabled', 'registry.anonymous-pull-disabled'],
    },
    { id: 'LT-3', title: 'Enable logging for security investigation', ruleIds: ['registry.audit-logs-enabled', 'registry.admin-user-unused'] },
    { id: 'LT-4', title: 'Enable network logging for security investigation', ruleIds: ['registry.audit-logs-enabled'] },
    { id: 'AM-1', title: 'Track asset inventory and their risks', ruleIds: ['audit.scope-readable'] },
    {
      id: 'AM-2',
      title: 'Use only approved services',
      ruleIds: ['registry.approved', 'image.base-approved', 'workload.image-from-approved-registry'],
    },
    { id: 'DS-2', title: 'Ensure software supply chain security', ruleIds: ['image.provenance-labeled', 'image.base-approved'] },
    {
      id: 'DS-6',
      title: 'Enforce security of workload throughout DevOps lifecycle',
      ruleIds: ['image.provenance-labeled', 'image.base-approved', 'image.fresh', 'workload.image-from-approved-registry', 'workload.image-fresh'],
    },
    { id: 'PV-6', title: 'Rapidly and automatically remediate vulnerabilities', ruleIds: ['image.fresh', 'workload.image-fresh'] },
  ],
};
