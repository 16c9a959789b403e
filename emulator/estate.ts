/**
 * The estate file: one JSON document describing an emulated Azure tenant in Azure's own wire
 * shapes (docs/estate.md). Validated with zod; unknown top-level keys are an error, unknown keys
 * inside Azure objects are kept (Azure adds fields all the time).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export class EstateError extends Error {
  override name = 'EstateError';
}

const jsonObject = z.looseObject({});
const anyRecord = z.record(z.string(), z.unknown());

const argRow = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  type: z.string(),
  subscriptionId: z.string().optional(),
  resourceGroup: z.string().optional(),
  location: z.string().optional(),
  properties: anyRecord.optional(),
});

const registryRow = argRow.extend({
  name: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  properties: z.looseObject({ loginServer: z.string() }),
});

/**
 * A Resource Graph `resourcechanges` row (a `Microsoft.Resources/changes` resource): "Get resource changes"
 * (learn.microsoft.com/azure/governance/resource-graph/changes/get-resource-changes) and azure-rest-api-specs
 * Microsoft.Resources/changes 2022-05-01 (ChangeProperties, ChangeAttributes, ChangeBase). Values in `changes`
 * are strings as Azure renders them (`True`, `Enabled`, `null`), never JSON booleans; `changeType` is Create,
 * Update or Delete, and only Update records carry the `changes` dictionary (Create and Delete have
 * `changesCount` 0). Any property path may be declared.
 */
const resourceChangeRow = argRow.extend({
  properties: z.looseObject({
    targetResourceId: z.string(),
    targetResourceType: z.string().optional(),
    changeType: z.enum(['Create', 'Update', 'Delete']),
    changeAttributes: z.looseObject({ timestamp: z.string().optional(), changedBy: z.string().optional(), clientType: z.string().optional(), operation: z.string().optional() }).optional(),
    changes: z.record(z.string(), z.looseObject({
      previousValue: z.string().nullable().optional(),
      newValue: z.string().nullable().optional(),
      propertyChangeType: z.enum(['Insert', 'Update', 'Remove']).optional(),
      changeCategory: z.enum(['User', 'System']).optional(),
    })).optional(),
  }).refine((p) => p.changes === undefined || p.changeType === 'Update', { message: 'only Update records carry changes', path: ['changes'] }),
});

const changeableAttributes = z.looseObject({
  deleteEnabled: z.boolean().optional(),
  writeEnabled: z.boolean().optional(),
  readEnabled: z.boolean().optional(),
  listEnabled: z.boolean().optional(),
});

/**
 * A referrer of a manifest (issue 15): a descriptor as the OCI 1.1 referrers API lists it (OCI distribution
 * spec, "Listing Referrers": `artifactType` and the referrer manifest's `annotations` are copied into the
 * descriptor). `mediaType` defaults to the OCI image manifest, `size` to 0.
 */
const referrer = z.looseObject({
  digest: z.string().regex(/^[a-z0-9]+:[a-f0-9]+$/i, 'expected a digest like sha256:<hex>'),
  artifactType: z.string().optional(),
  mediaType: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const manifest = z.looseObject({
  digest: z.string().regex(/^[a-z0-9]+:[a-f0-9]+$/i, 'expected a digest like sha256:<hex>'),
  imageSize: z.number().optional(),
  createdTime: z.string(),
  lastUpdateTime: z.string().optional(),
  architecture: z.string().nullable().optional(),
  os: z.string().nullable().optional(),
  mediaType: z.string().optional(),
  configMediaType: z.string().optional(),
  tags: z.array(z.string()).optional(),
  changeableAttributes: changeableAttributes.optional(),
  content: jsonObject.optional(),
  /** Served by `GET /v2/{repository}/referrers/{digest}` (issue 15); absent: no referrers. */
  referrers: z.array(referrer).optional(),
  /**
   * Each tag's own `changeableAttributes` (issue 15), as `GET /acr/v1/{repository}/_tags` lists them: a tag's attributes are
   * its own, not its manifest's (a manifest locked by digest leaves its tags writable). A tag not named here has every
   * attribute true (ACR's default). Keys must be tags of this manifest.
   */
  tagAttributes: z.record(z.string(), changeableAttributes).optional(),
}).superRefine((m, ctx) => {
  for (const tag of Object.keys(m.tagAttributes ?? {})) {
    if (!(m.tags ?? []).includes(tag)) ctx.addIssue({ code: 'custom', message: `tagAttributes names ${JSON.stringify(tag)}, which is not a tag of this manifest`, path: ['tagAttributes', tag] });
  }
});

const repository = z.looseObject({
  manifests: z.array(manifest),
  blobs: z.record(z.string(), z.unknown()).optional(),
  createdTime: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  changeableAttributes: changeableAttributes.optional(),
});

const registryContent = z.looseObject({
  repositories: z.record(z.string(), repository),
});

/**
 * A registry child resource as an ARM list returns one (issue 13): `name`, `properties`; `id` and `type` are filled
 * in by the emulator when absent (azure-rest-api-specs Microsoft.ContainerRegistry 2025-11-01 TokenList.json,
 * CacheRuleList.json, ReplicationList.json).
 */
const registryChild = z.looseObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a resource name (letters, digits, - _ .)'),
  id: z.string().optional(),
  type: z.string().optional(),
  properties: anyRecord.optional(),
});

const registryChildren = z.strictObject({
  tokens: z.array(registryChild).optional(),
  cacheRules: z.array(registryChild).optional(),
  /** Replications carry their `location` (tracked resources). */
  replications: z.array(registryChild.extend({ location: z.string() })).optional(),
});

const service = z.enum(['arm', 'resourceGraph', 'registry', 'logs', 'identity']);

const emulatorSwitches = z.strictObject({
  latencyMs: z.strictObject({
    arm: z.number().nonnegative().optional(),
    resourceGraph: z.number().nonnegative().optional(),
    registry: z.number().nonnegative().optional(),
    logs: z.number().nonnegative().optional(),
    identity: z.number().nonnegative().optional(),
  }).optional(),
  forbidden: z.array(z.string()).optional(),
  /** Lifetime of the registry's refresh tokens (default 3 h) and access tokens (default 1 h), in seconds. */
  registryTokenLifetimeSeconds: z.strictObject({
    refresh: z.number().int().positive().optional(),
    access: z.number().int().positive().optional(),
  }).optional(),
  quotas: z.strictObject({
    resourceGraph: z.strictObject({ requests: z.number().int().positive(), perSeconds: z.number().positive() }).optional(),
    registryReadsPerMinute: z.record(z.string(), z.number().int().positive()).optional(),
    armReads: z.strictObject({ burst: z.number().int().positive(), refillPerSecond: z.number().positive() }).optional(),
  }).optional(),
  faults: z.array(z.strictObject({
    service,
    status: z.union([z.number().int().min(400).max(599), z.literal('reset'), z.literal('timeout')]),
    /** Every Nth arrival at the service fails (counted across all requests: under concurrency a retry may land on another faulted slot). */
    every: z.number().int().positive().optional(),
    /**
     * Each distinct request (method, host, path and query) fails its first N arrivals, then succeeds:
     * deterministic whatever the concurrency. A client that retries at least N times always gets
     * through; one that does not retry some call always fails on it.
     */
    firstPerRequest: z.number().int().positive().max(10).optional(),
    /** Only requests whose path (as sent, before any normalisation) matches this regular expression. */
    path: z.string().max(200).optional(),
  }).refine((f) => (f.every === undefined) !== (f.firstPerRequest === undefined), { message: 'a fault needs exactly one of every or firstPerRequest' })).optional(),
});

export const estateSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  tenantId: z.string(),
  subscriptions: z.array(z.looseObject({
    subscriptionId: z.string(),
    displayName: z.string(),
    state: z.string().optional(),
  })),
  resources: z.array(argRow).default([]),
  securityresources: z.array(argRow).default([]),
  resourcechanges: z.array(resourceChangeRow).default([]),
  authorizationresources: z.array(argRow).default([]),
  diagnosticSettings: z.record(z.string(), z.array(z.looseObject({
    id: z.string().optional(),
    name: z.string(),
    properties: anyRecord,
  }))).default({}),
  registryContent: z.record(z.string(), registryContent).default({}),
  /**
   * ARM answers for child resources Resource Graph does not index, by path (case-insensitive), e.g.
   * `<site id>/sitecontainers`: `{ value: [...] }` as GET of that path returns it (Microsoft.Web 2025-03-01),
   * `<site id>/config/web`: the SiteConfigResource. Served by ARM only, never by Resource Graph.
   */
  armOnly: z.record(z.string(), anyRecord).default({}),
  /**
   * Registry child resources by registry ARM id (case-insensitive), served by ARM lists only
   * (`GET {registry id}/tokens|cacheRules|replications`), never by Resource Graph (issue 13).
   */
  registryChildren: z.record(z.string(), registryChildren).default({}),
  logs: z.record(z.string(), z.record(z.string(), z.array(anyRecord))).default({}),
  emulator: emulatorSwitches.default({}),
}).superRefine((estate, ctx) => {
  estate.resources.forEach((row, i) => {
    if (row.type.toLowerCase() !== 'microsoft.containerregistry/registries') return;
    const r = registryRow.safeParse(row);
    if (!r.success) {
      for (const issue of r.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message, path: ['resources', i, ...issue.path] });
      }
    }
  });
});

export type Estate = z.infer<typeof estateSchema>;
export type EstateRow = z.infer<typeof argRow>;
export type EstateRegistryChildren = z.infer<typeof registryChildren>;
export type EstateManifest = z.infer<typeof manifest>;
export type EstateRepository = z.infer<typeof repository>;
export type EstateRegistryContent = z.infer<typeof registryContent>;
export type EmulatedService = z.infer<typeof service>;
export type EmulatorSwitches = z.infer<typeof emulatorSwitches>;

/** `a.b[3].c` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || '(root)';
}

/** Validates an estate document; the error message names the JSON path of every problem. */
export function loadEstate(json: unknown, source = 'estate'): Estate {
  const r = estateSchema.safeParse(json);
  if (r.success) return r.data;
  const lines = r.error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'invalid_type') message = `expected ${issue.expected}`;
    if (issue.code === 'unrecognized_keys') {
      return `${source}: ${issue.path.length ? formatPath(issue.path) + ': ' : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    }
    return `${source}: ${formatPath(issue.path)}: ${message}`;
  });
  throw new EstateError(lines.join('\n'));
}

export async function loadEstateFile(path: string): Promise<Estate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new EstateError(`${path}: cannot read the estate file`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new EstateError(`${path}: not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return loadEstate(json, path);
}
