/**
 * Every Resource Graph and Log Analytics query the auditor sends, in one place. The tests validate
 * each with the Kusto language service, and the loopback emulator answers exactly these shapes.
 * Scope (which subscriptions) is passed in the request's `subscriptions`, never in the text.
 */
import { kqlDays, kqlString } from './kql.js';

/** ARG resource types the auditor reads, lower-case as ARG returns them. */
export const RESOURCE_TYPES = {
  registry: 'microsoft.containerregistry/registries',
  containerGroup: 'microsoft.containerinstance/containergroups',
  containerApp: 'microsoft.app/containerapps',
  containerAppJob: 'microsoft.app/jobs',
  webSite: 'microsoft.web/sites',
} as const;

/** Subscriptions visible to the identity (resourcecontainers). */
export const SUBSCRIPTIONS_QUERY = [
  'resourcecontainers',
  "| where type =~ 'microsoft.resources/subscriptions'",
  '| project subscriptionId, name, properties',
  '| order by subscriptionId asc',
].join('\n');

/** Every container registry in scope, with its ARM properties. */
export const REGISTRIES_QUERY = [
  'resources',
  `| where type =~ ${kqlString(RESOURCE_TYPES.registry)}`,
  '| project id, name, type, location, resourceGroup, subscriptionId, sku, tags, properties',
  '| order by id asc',
].join('\n');

/** Every workload that runs container images: ACI groups, Container Apps and jobs, App Service sites. */
export const WORKLOADS_QUERY = [
  'resources',
  `| where type in~ (${[RESOURCE_TYPES.containerGroup, RESOURCE_TYPES.containerApp, RESOURCE_TYPES.containerAppJob, RESOURCE_TYPES.webSite].map(kqlString).join(', ')})`,
  '| project id, name, type, kind, location, resourceGroup, subscriptionId, tags, properties',
  '| order by id asc',
].join('\n');

/** Log Analytics workspaces, to map a diagnostic setting's workspace ARM id to the customer id the query API takes. */
export const WORKSPACES_QUERY = [
  'resources',
  "| where type =~ 'microsoft.operationalinsights/workspaces'",
  '| project id, name, subscriptionId, properties',
  '| order by id asc',
].join('\n');

/**
 * Changes of `adminUserEnabled` on every registry in scope, newest first (ARG keeps about 14 days of
 * changes). One query per run: the planner hands each registry's latest change to its shard.
 */
export const ADMIN_USER_CHANGES_QUERY = [
  'resourcechanges',
  `| where tolower(tostring(properties.targetResourceType)) == ${kqlString(RESOURCE_TYPES.registry)}`,
  "| where isnotnull(properties.changes['properties.adminUserEnabled'])",
  '| project id, properties',
  '| order by tostring(properties.changeAttributes.timestamp) desc',
].join('\n');

/** Successful logins with the admin account (user name = registry name) in the look-back window. */
export function adminLoginsQuery(loginServer: string, adminUserName: string, lookbackDays: number): string {
  return [
    'ContainerRegistryLoginEvents',
    `| where TimeGenerated > ago(${kqlDays(lookbackDays)})`,
    `| where LoginServer =~ ${kqlString(loginServer)}`,
    `| where Identity =~ ${kqlString(adminUserName)}`,
    "| where ResultType == '200'",
    '| summarize Count = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated),',
    '    CallerIpAddresses = make_set(CallerIpAddress, 20), UserAgents = make_set(UserAgent, 20)',
  ].join('\n');
}
