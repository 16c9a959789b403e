/**
 * Registry child resources (issue 13): repository-scoped tokens, pull-through cache rules and replications,
 * read with ARM list calls per registry, and the soft delete policy, read with a preview API version.
 *
 * Why ARM and not Resource Graph: Microsoft documents no Resource Graph `resources` row for
 * `microsoft.containerregistry/registries/tokens` or `.../cacherules` that we could find (Resource Graph
 * "table and resource type reference"), so the auditor never depends on one: the emulator does not serve
 * them from Resource Graph either. The calls go through the ARM client's pipeline (bearer token, retries
 * honouring Retry-After on 429/5xx, the call counter): quota-aware like every other ARM read.
 *
 * Wire shapes (azure-rest-api-specs, Microsoft.ContainerRegistry/Registry/stable/2025-11-01/examples):
 * - TokenList.json: `{ value: [{ id, name, type, properties: { creationDate, scopeMapId, provisioningState,
 *   status, credentials?: { passwords?: [{ name, creationTime, expiry }], certificates? } } }], nextLink? }`
 *   (`credentials.passwords[]` per the TokenProperties definition and TokenUpdate.json; a list never returns
 *   password values, and none is kept here).
 * - CacheRuleList.json: `{ value: [{ id, name, type, properties: { credentialSetResourceId, sourceRepository,
 *   targetRepository, creationDate, provisioningState } }], nextLink? }`.
 * - ReplicationList.json: `{ value: [{ id, name, type, location, tags, properties: { provisioningState, status,
 *   regionEndpointEnabled, zoneRedundancy } }], nextLink? }`.
 * - Soft delete: `properties.policies.softDeletePolicy { status, retentionDays, lastUpdatedTime }` exists only in
 *   preview API versions (2023-01-01-preview and later previews, e.g. 2025-05-01-preview in
 *   @azure/arm-containerregistry 11.0.0-beta's models; absent from the stable 2025-11-01 `Policies`), so the
 *   registry is read once more with 2025-05-01-preview. Microsoft Learn, "Recover deleted artifacts with soft
 *   delete policy in Azure Container Registry (Preview)":
 *   https://learn.microsoft.com/azure/container-registry/container-registry-soft-delete-policy
 *
 * Everything kept is bounded: lists (MAX_CHILD_ITEMS, MAX_PAGES), names, dates, repositories.
 */
import type { PipelineResponse } from '@azure/core-rest-pipeline';
import { subscriptionOf } from '../domain/armIds.js';
import type { CacheRuleSnapshot, SoftDeletePolicyFacts, TokenPasswordSnapshot, TokenSnapshot } from '../domain/snapshots.js';
import { isObj, type Obj } from './connection.js';
import { armJsonBody, classifyAzureError, ScopeReadError } from './errors.js';
import { MappingError, toRegistrySnapshot } from './mappers.js';

/** The API version of the child lists (the registry read's own: @azure/arm-containerregistry 12). */
export const CHILD_LIST_API_VERSION = '2025-11-01';
/** A preview API version whose registry document carries `policies.softDeletePolicy`. */
export const SOFT_DELETE_API_VERSION = '2025-05-01-preview';

/** At most this many items per list (Premium allows 50,000 tokens; past the bound the list is a gap, never a partial pass). */
export const MAX_CHILD_ITEMS = 10_000;
export const MAX_PAGES = 200;
/** ARM keeps two passwords per token (password1, password2); more is not a token document. */
export const MAX_TOKEN_PASSWORDS = 10;
const MAX_NAME = 64;
const MAX_DATE = 64;
const MAX_REPOSITORY = 512;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export type ChildKind = 'tokens' | 'cacheRules' | 'replications';

/** Sends one GET through the ARM client of a subscription. */
export type ArmGet = (subscriptionId: string, url: string) => Promise<PipelineResponse>;

function text(x: unknown, max: number): string | undefined {
  return typeof x === 'string' && x.length > 0 && x.length <= max ? x : undefined;
}

/** The last segment of an ARM id (`.../scopeMaps/_repositories_pull` -> `_repositories_pull`), bounded. */
function lastSegment(x: unknown): string | undefined {
  const s = text(x, 1_024);
  const name = s?.replace(/\/+$/, '').split('/').pop();
  return name && name.length <= MAX_NAME ? name : undefined;
}

function childName(raw: Obj, scope: string): string {
  const name = raw.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME || !NAME.test(name)) {
    throw new MappingError(scope, 'value[].name', `expected a resource name (letters, digits, '-', '_', '.', at most ${MAX_NAME}), got ${JSON.stringify(name)?.slice(0, 80)}`);
  }
  return name;
}

/** A date string as ARM sent it (bounded); a present value that is not a short string is malformed, never "absent". */
function date(o: Obj, key: string, scope: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_DATE) throw new MappingError(scope, path, `expected a date string, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

/** One item of a token list (TokenList.json). */
export function toTokenSnapshot(raw: unknown, scope: string): TokenSnapshot {
  if (!isObj(raw)) throw new MappingError(scope, 'value[]', 'expected an object');
  const name = childName(raw, scope);
  const p = isObj(raw.properties) ? raw.properties : {};
  const creds = isObj(p.credentials) ? p.credentials : {};
  const rawPasswords = creds.passwords ?? [];
  if (!Array.isArray(rawPasswords)) throw new MappingError(scope, `${name}.properties.credentials.passwords`, 'expected an array');
  if (rawPasswords.length > MAX_TOKEN_PASSWORDS) throw new MappingError(scope, `${name}.properties.credentials.passwords`, `more than ${MAX_TOKEN_PASSWORDS} passwords`);
  const passwords: TokenPasswordSnapshot[] = rawPasswords.map((pw, i) => {
    const path = `${name}.properties.credentials.passwords[${i}]`;
    if (!isObj(pw)) throw new MappingError(scope, path, 'expected an object');
    const creationTime = date(pw, 'creationTime', scope, `${path}.creationTime`);
    const expiry = date(pw, 'expiry', scope, `${path}.expiry`);
    return { name: text(pw.name, MAX_NAME) ?? `password${i + 1}`, ...(creationTime ? { creationTime } : {}), ...(expiry ? { expiry } : {}) };
  });
  const status = text(p.status, MAX_NAME);
  const scopeMap = lastSegment(p.scopeMapId);
  const creationDate = date(p, 'creationDate', scope, `${name}.properties.creationDate`);
  return { name, ...(status ? { status } : {}), ...(scopeMap ? { scopeMap } : {}), ...(creationDate ? { creationDate } : {}), passwords };
}

/** One item of a cache rule list (CacheRuleList.json). An overlong repository is left absent (the rule is then inconclusive). */
export function toCacheRuleSnapshot(raw: unknown, scope: string): CacheRuleSnapshot {
  if (!isObj(raw)) throw new MappingError(scope, 'value[]', 'expected an object');
  const name = childName(raw, scope);
  const p = isObj(raw.properties) ? raw.properties : {};
  const sourceRepository = text(p.sourceRepository, MAX_REPOSITORY);
  const targetRepository = text(p.targetRepository, MAX_REPOSITORY);
  const credentialSet = lastSegment(p.credentialSetResourceId);
  const creationDate = date(p, 'creationDate', scope, `${name}.properties.creationDate`);
  return {
    name,
    ...(sourceRepository ? { sourceRepository } : {}),
    ...(targetRepository ? { targetRepository } : {}),
    ...(credentialSet ? { credentialSet } : {}),
    ...(creationDate ? { creationDate } : {}),
  };
}

/** The location of one replication (ReplicationList.json), lower-case without spaces (`West Europe` = `westeurope`). */
export function replicationLocationOf(raw: unknown, scope: string): string {
  if (!isObj(raw)) throw new MappingError(scope, 'value[]', 'expected an object');
  const location = text(raw.location, MAX_NAME);
  if (!location) throw new MappingError(scope, 'value[].location', `expected a location, got ${JSON.stringify(raw.location)?.slice(0, 80)}`);
  return normalizeLocation(location);
}

export function normalizeLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '');
}

/**
 * Reads registry children over ARM. Every failure is a ScopeReadError naming the child scope (a gap for the
 * audit: the rules that needed the list stay inconclusive), or a MappingError for a malformed document.
 */
export class RegistryChildrenReader {
  private readonly origin: string;

  constructor(
    armEndpoint: string,
    private readonly get: ArmGet,
  ) {
    this.origin = armEndpoint.replace(/\/+$/, '');
  }

  async tokens(registryId: string): Promise<TokenSnapshot[]> {
    const scope = `${registryId}/tokens`;
    return dedupe((await this.list(registryId, 'tokens')).map((x) => toTokenSnapshot(x, scope)));
  }

  async cacheRules(registryId: string): Promise<CacheRuleSnapshot[]> {
    const scope = `${registryId}/cacheRules`;
    return dedupe((await this.list(registryId, 'cacheRules')).map((x) => toCacheRuleSnapshot(x, scope)));
  }

  /** Distinct replication locations (a Premium feature). */
  async replicationLocations(registryId: string): Promise<string[]> {
    const scope = `${registryId}/replications`;
    return [...new Set((await this.list(registryId, 'replications')).map((x) => replicationLocationOf(x, scope)))].sort();
  }

  /** `policies.softDeletePolicy` of the registry read with SOFT_DELETE_API_VERSION; null when the document carries none. */
  async softDeletePolicy(registryId: string): Promise<SoftDeletePolicyFacts | null> {
    const body = await this.getJson(registryId, `${pathOf(registryId)}?api-version=${SOFT_DELETE_API_VERSION}`, registryId);
    return toRegistrySnapshot(body).policies?.softDelete ?? null;
  }

  /** Every item of `{registryId}/{kind}`, following `nextLink` (re-rooted on the ARM endpoint, never another host). */
  private async list(registryId: string, kind: ChildKind): Promise<unknown[]> {
    const scope = `${registryId}/${kind}`;
    const base = pathOf(scope).toLowerCase();
    let next: string | undefined = `${pathOf(scope)}?api-version=${CHILD_LIST_API_VERSION}`;
    const out: unknown[] = [];
    for (let page = 0; next; page++) {
      if (page >= MAX_PAGES) throw new ScopeReadError(scope, { kind: 'other', reason: `more than ${MAX_PAGES} pages: not audited (bound)` });
      const body = await this.getJson(registryId, next, scope);
      if (!Array.isArray(body.value)) throw new MappingError(scope, 'value', 'expected an array');
      out.push(...body.value);
      if (out.length > MAX_CHILD_ITEMS) throw new ScopeReadError(scope, { kind: 'other', reason: `more than ${MAX_CHILD_ITEMS} ${kind}: not audited (bound)` });
      next = undefined;
      if (typeof body.nextLink === 'string' && body.nextLink) {
        let link: URL;
        try {
          link = new URL(body.nextLink);
        } catch {
          throw new MappingError(scope, 'nextLink', 'not a URL');
        }
        // The next page of the same list only: the bearer token never follows a link elsewhere.
        if (link.pathname.toLowerCase().replace(/\/+$/, '') !== base) throw new MappingError(scope, 'nextLink', 'points outside the list');
        next = `${link.pathname}${link.search}`;
      }
    }
    return out;
  }

  private async getJson(registryId: string, pathAndQuery: string, scope: string): Promise<Obj> {
    const subscriptionId = subscriptionOf(registryId);
    if (!subscriptionId) throw new ScopeReadError(scope, { kind: 'invalid', reason: 'not an ARM id' });
    let response: PipelineResponse;
    try {
      response = await this.get(subscriptionId, `${this.origin}${pathAndQuery}`);
    } catch (e) {
      throw new ScopeReadError(scope, classifyAzureError(e), { cause: e });
    }
    return armJsonBody(response, scope);
  }
}

/** An ARM id as a URL path (each segment encoded). */
function pathOf(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}

/** ARM names are case-insensitive: one item per name (the first). */
function dedupe<T extends { name: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = i.name.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

