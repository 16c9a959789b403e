/**
 * Every Resource Graph and Log Analytics query the auditor sends, in one place. The tests validate
 * each with the Kusto language service, and the loopback emulator answers exactly these shapes.
 * Scope (which subscriptions) is passed in the request's `subscriptions`, never in the text.
 */
import { RESOURCE_GRAPH_COLUMNS, WORKLOAD_KIND_DEFINITIONS, WORKLOAD_KINDS, WORKLOAD_ROW_COLUMNS, type WorkloadKindDefinition } from '../domain/workloadKinds.js';
import { REGISTRY_SETTING_PATHS, REGISTRY_SETTING_PREFIXES } from '../domain/snapshots.js';
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

/**
 * The workloads whose registry credentials are in their Resource Graph row (ACI `imageRegistryCredentials`,
 * Container Apps and jobs `configuration.registries`): read once per run by the planner, to name on each
 * registry's `registry.admin-user-disabled` finding the workloads that pull with its admin account.
 * App Service pulls are site config and sitecontainers (ARM only): not in this query.
 */
export const REGISTRY_CREDENTIALS_QUERY = workloadsQuery([WORKLOAD_KINDS.containerGroup, WORKLOAD_KINDS.containerApp, WORKLOAD_KINDS.containerAppJob]);

/**
 * Container Apps environments (tracked resources, so in Resource Graph's `resources` table): their network
 * (`vnetConfiguration`) and log destination (`appLogsConfiguration`), for the workload-setting rules.
 */
export const MANAGED_ENVIRONMENTS_QUERY = [
  'resources',
  "| where type =~ 'microsoft.app/managedenvironments'",
  '| project id, properties',
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
 * Changes of the registry settings the rules read (REGISTRY_SETTING_PATHS, REGISTRY_SETTING_PREFIXES) and
 * registry creations, on every registry in scope, newest first: one query per run, the planner hands each
 * registry its latest change per setting. Row shape ("Get resource changes", learn.microsoft.com/azure/
 * governance/resource-graph/changes/get-resource-changes; azure-rest-api-specs Microsoft.Resources/changes
 * 2022-05-01 and 2024-06-01-preview ChangeProperties): `properties.targetResourceId`, `changeType` (Create, Update, Delete),
 * `changeAttributes{timestamp, changedBy, changedByType, clientType, operation}`, `changes{<path>:
 * {previousValue, newValue, propertyChangeType}}` (the `changes` dictionary only on Update). Keys under an
 * array-valued setting are matched with `contains` over the serialised dictionary (KQL `contains`, as in
 * Microsoft's Resource Graph starter queries). ARG keeps about 14 days of changes.
 * (Named for its first use, who enabled the admin user; since issue 13 it covers every registry setting.)
 */
export const ADMIN_USER_CHANGES_QUERY = [
  'resourcechanges',
  `| where tolower(tostring(properties.targetResourceType)) == ${kqlString(RESOURCE_TYPES.registry)}`,
  "| where tostring(properties.changeType) == 'Create'",
  ...REGISTRY_SETTING_PATHS.map((p) => `    or isnotnull(properties.changes[${kqlString(p)}])`),
  ...REGISTRY_SETTING_PREFIXES.map((p) => `    or tostring(properties.changes) contains ${kqlString(p)}`),
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

/**
 * Defender for Containers plans (`microsoft.security/pricings`, name `Containers`) of the subscriptions in
 * scope: tier and extensions (azure-rest-api-specs Microsoft.Security 2024-01-01
 * examples/Pricings/ListPricings_example.json). One small query per call.
 */
export const DEFENDER_PLANS_QUERY = [
  'securityresources',
  "| where type =~ 'microsoft.security/pricings'",
  "| where name =~ 'Containers'",
  '| project id, subscriptionId, properties',
  '| order by id asc',
].join('\n');

/** Defender severities at or above a threshold, as Defender spells them. */
export function defenderSeveritiesFrom(minSeverity: 'low' | 'medium' | 'high' | 'critical' | 'informational'): string[] {
  const all = ['Low', 'Medium', 'High', 'Critical'];
  const from = { informational: 0, low: 0, medium: 1, high: 2, critical: 3 }[minSeverity];
  return all.slice(from);
}

/**
 * Registry image vulnerability sub-assessments (Defender for Containers, grouped shape: one row per CVE
 * and digest; "Container vulnerability assessments REST API", learn.microsoft.com/azure/defender-for-cloud/
 * subassessment-rest-api), filtered server side to the severities at or above the threshold and to one
 * registry host or a set of digests, projected to the fields the rules use. Paged by the adapter.
 */
export function imageVulnerabilitiesQuery(minSeverity: Parameters<typeof defenderSeveritiesFrom>[0], filter: { registryHost: string } | { digests: readonly string[] }): string {
  const A = 'properties.additionalData';
  return [
    'securityresources',
    "| where type =~ 'microsoft.security/assessments/subassessments'",
    `| where ${A}.assessedResourceType == 'AzureContainerRegistryVulnerability'`,
    `| where ${A}.vulnerabilityDetails.severity in~ (${defenderSeveritiesFrom(minSeverity).map(kqlString).join(', ')})`,
    'registryHost' in filter
      ? `| where ${A}.artifactDetails.registryHost =~ ${kqlString(filter.registryHost)}`
      : `| where ${A}.artifactDetails.digest in (${filter.digests.map(kqlString).join(', ')})`,
    '| project id,',
    `    registryHost = tostring(${A}.artifactDetails.registryHost), repository = tostring(${A}.artifactDetails.repositoryName),`,
    `    digest = tostring(${A}.artifactDetails.digest), cve = tostring(${A}.vulnerabilityDetails.cveId),`,
    `    severity = tostring(${A}.vulnerabilityDetails.severity), published = tostring(${A}.vulnerabilityDetails.publishedDate),`,
    `    exploit = ${A}.vulnerabilityDetails.exploitabilityAssessment, cvss = ${A}.cvssV30Score,`,
    `    packageName = tostring(${A}.softwareDetails.packageName), version = tostring(${A}.softwareDetails.version),`,
    `    fixedVersion = tostring(${A}.softwareDetails.fixedVersion), fixStatus = tostring(${A}.softwareDetails.fixStatus),`,
    '    statusCode = tostring(properties.status.code), statusCause = tostring(properties.status.cause),',
    '    statusDescription = tostring(properties.status.description), timeGenerated = tostring(properties.timeGenerated)',
    '| order by id asc',
  ].join('\n');
}

/**
 * Role assignments and every visible role definition, for the run (issue 13, registry.push-access-restricted):
 * Resource Graph `authorizationresources` (types per Microsoft's Resource Graph samples "Azure RBAC":
 * microsoft.authorization/roleassignments, microsoft.authorization/roledefinitions), definitions first. Every
 * definition, not only those mentioning ACR: a definition that was read and grants no write is harmless, one that
 * was not read leaves its assignments unresolved (inconclusive), so a filtered-out definition must not look unread
 * (a Key Vault role above a registry made the rule inconclusive: test/cli/registryHardening.test.ts). About 700
 * built-in definitions: one or two more pages per run.
 * Sent once per run with authorizationScopeFilter AtScopeAboveAndBelow, so assignments inherited from management groups
 * are included where visible. `contains` is KQL's case-insensitive substring operator.
 */
export const ROLE_ASSIGNMENTS_QUERY = [
  'authorizationresources',
  "| where type =~ 'microsoft.authorization/roleassignments'",
  "    or type =~ 'microsoft.authorization/roledefinitions'",
  '| project id, type, subscriptionId, properties',
  '| order by type desc, id asc',
].join('\n');

/**
 * Successful pushes to one registry in the look-back window, one row per repository, digest and identity
 * (ContainerRegistryRepositoryEvents: columns per the Azure Monitor table reference,
 * learn.microsoft.com/azure/azure-monitor/reference/tables/containerregistryrepositoryevents). OperationName `Push`
 * and ResultType `200`/`201` for a successful push are ASSUMED (Microsoft documents no value list; see docs/estate.md).
 * One query per registry shard, never per image.
 */
export function imagePushesQuery(loginServer: string, lookbackDays: number): string {
  return [
    'ContainerRegistryRepositoryEvents',
    `| where TimeGenerated > ago(${kqlDays(lookbackDays)})`,
    `| where LoginServer =~ ${kqlString(loginServer)}`,
    "| where OperationName =~ 'Push' and ResultType in ('200', '201')",
    '| summarize Pushes = count(), LastPush = max(TimeGenerated), Tags = make_set(Tag, 10) by Repository, Digest, Identity',
  ].join('\n');
}
