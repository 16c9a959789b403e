/**
 * Every Resource Graph and Log Analytics query the auditor sends, in one place. The tests validate
 * each with the Kusto language service, and the loopback emulator answers exactly these shapes.
 * Scope (which subscriptions) is passed in the request's `subscriptions`, never in the text.
 */
import { RESOURCE_GRAPH_COLUMNS, WORKLOAD_KIND_DEFINITIONS, WORKLOAD_ROW_COLUMNS, type WorkloadKindDefinition } from '../domain/workloadKinds.js';
import { kqlDays, kqlString } from './kql.js';

/**
 * ARG resource types the auditor reads, lower-case as ARG returns them. Workload types are in the
 * workload-kind table (shared/domain/workloadKinds.ts).
 */
export const RESOURCE_TYPES = {
  registry: 'microsoft.containerregistry/registries',
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

/**
 * Every workload of the given kinds (by default every row of the workload-kind table): the kinds' types,
 * and the columns every workload row carries plus each kind's projection, in the table's column order.
 */
export function workloadsQuery(kinds: readonly WorkloadKindDefinition[] = WORKLOAD_KIND_DEFINITIONS): string {
  const columns = RESOURCE_GRAPH_COLUMNS.filter((c) => WORKLOAD_ROW_COLUMNS.includes(c) || kinds.some((k) => k.projection.includes(c)));
  return [
    'resources',
    `| where type in~ (${kinds.map((k) => kqlString(k.type)).join(', ')})`,
    `| project ${columns.join(', ')}`,
    '| order by id asc',
  ].join('\n');
}

/** Every workload that runs container images (ACI groups, Container Apps and jobs, App Service sites, ...). */
export const WORKLOADS_QUERY = workloadsQuery();

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
