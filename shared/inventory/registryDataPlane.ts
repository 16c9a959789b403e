/**
 * ACR data-plane adapter (@azure/container-registry): catalog, manifests (streamed), manifest
 * properties, manifest content and config blobs (OCI annotations and labels), repository existence, and
 * the OCI 1.1 referrers of a manifest (issue 15).
 */
import { ContainerRegistryClient, ContainerRegistryContentClient } from '@azure/container-registry';
import { createPipelineRequest, RestError, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { ManifestSnapshot, ProvenanceFacts, ReferrerFacts, TagAttributeFacts } from '../domain/snapshots.js';
import type { ListReferrersOptions, RegistryPort } from '../usecases/ports.js';
import { clientOptions, isObj, type AzureConnection } from './connection.js';
import { classifyAzureError, ScopeReadError } from './errors.js';
import { AcrTokenCache, acrScopedTokenPolicy, type AcrTokenCacheOptions } from './acrTokens.js';
import { OCI_BASE_NAME, OCI_REVISION, OCI_SOURCE } from '../rules/oci.js';

const MAX_CONFIG_BYTES = 1_048_576;
const MAX_INDEX_CHILDREN = 32;
/**
 * Repository clients kept (the SDK binds a content client to one repository; only `getProvenance` needs one); their
 * tokens live in the shared `AcrTokenCache`, so a client made again costs no call. Each client holds two SDK pipelines
 * (about 23 KB): 4,096 of them were 95 MB of a 195 MB live heap at the large benchmark (issue 18, item 3), so few are kept.
 */
const CONTENT_CLIENT_CACHE = 64;

/** Referrer pages followed per manifest, and referrers kept: bounds what estate content can make one call cost. */
const MAX_REFERRER_PAGES = 20;
const MAX_REFERRERS = 1000;
/** Annotations kept per referrer, and the longest value kept (the thumbprint chain of a signature is ~70 characters per certificate). */
const MAX_ANNOTATIONS = 32;
const MAX_ANNOTATION_CHARS = 16_384;
/**
 * Referrer listings reused within a run (ListReferrersOptions.runId): the runs kept (a new run drops the oldest), and the
 * characters of referrer data kept per run (least recently used dropped beyond it). Bounds the cache whatever the estate.
 */
const REFERRER_CACHE_RUNS = 2;
const REFERRER_CACHE_CHARS = 16_000_000;
/** Tags asked per `_tags` page (ACR pages with `n`/`last` and a Link header; it may answer fewer), and pages followed per repository. */
const TAG_PAGE_SIZE = 1000;
const MAX_TAG_PAGES = 200;

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export class RegistryDataPlane implements RegistryPort {
  private readonly registryClients = new Map<string, ContainerRegistryClient>();
  private readonly contentClients = new Map<string, ContainerRegistryContentClient>();
  /** ACR tokens by registry and scope, shared by every client (issue 18: no re-challenge per call). */
  private readonly tokens: AcrTokenCache;
  /** Referrer listings by run, then by `loginServer/repository@digest` (issue 15: one call per digest per run). */
  private readonly referrerRuns = new Map<string, { entries: Map<string, { value: Promise<ReferrerFacts[] | undefined>; chars: number }>; chars: number }>();

  constructor(private readonly conn: AzureConnection, tokenOptions: AcrTokenCacheOptions = {}) {
    this.tokens = new AcrTokenCache(conn, tokenOptions);
  }

  /** SDK options of a client of `loginServer`: each request authorised up front with its scope's cached token. */
  private options(loginServer: string) {
    const o = clientOptions(this.conn, 'registry');
    return {
      ...o,
      audience: this.conn.cloud.acrAudience,
      additionalPolicies: [{ position: 'perRetry' as const, policy: acrScopedTokenPolicy(this.tokens, loginServer) }, ...o.additionalPolicies],
    };
  }

  private registry(loginServer: string): ContainerRegistryClient {
    let c = this.registryClients.get(loginServer);
    if (!c) {
      c = new ContainerRegistryClient(`https://${loginServer}`, this.conn.credential, this.options(loginServer));
      this.registryClients.set(loginServer, c);
    }
    return c;
  }

  private content(loginServer: string, repository: string): ContainerRegistryContentClient {
    const key = `${loginServer}/${repository}`;
    let c = this.contentClients.get(key);
    if (c) {
      // LRU: move to the end.
      this.contentClients.delete(key);
    } else {
      c = new ContainerRegistryContentClient(`https://${loginServer}`, repository, this.conn.credential, this.options(loginServer));
      if (this.contentClients.size >= CONTENT_CLIENT_CACHE) this.contentClients.delete(this.contentClients.keys().next().value!);
    }
    this.contentClients.set(key, c);
    return c;
  }

  async *listRepositories(loginServer: string): AsyncIterable<string> {
    try {
      for await (const name of this.registry(loginServer).listRepositoryNames()) yield name;
    } catch (e) {
      throw new ScopeReadError(loginServer, classifyAzureError(e), { cause: e });
    }
  }

  /**
   * Manifests of one repository, newest first, streamed page by page. The SDK's ArtifactManifestProperties drop the
   * listing's `mediaType` and `configMediaType` (ManifestAttributesBase, ACR data plane 2021-07-01; the SDK's recordings
   * show them on every item of `GET /acr/v1/{name}/_manifests`): they are read from the same page, as the SDK's
   * deserializer keeps unknown properties, through the operation's `onResponse` (no extra call).
   */
  async *listManifests(loginServer: string, repository: string): AsyncIterable<ManifestSnapshot> {
    const raw = new Map<string, { mediaType?: string; configMediaType?: string }>();
    const onResponse = (_raw: unknown, flat: unknown) => {
      raw.clear();
      const items = isObj(flat) && Array.isArray(flat.manifests) ? flat.manifests : [];
      for (const m of items) {
        if (!isObj(m) || typeof m.digest !== 'string') continue;
        raw.set(m.digest, {
          ...(typeof m.mediaType === 'string' && m.mediaType.length <= 256 ? { mediaType: m.mediaType } : {}),
          ...(typeof m.configMediaType === 'string' && m.configMediaType.length <= 256 ? { configMediaType: m.configMediaType } : {}),
        });
      }
    };
    try {
      const pages = this.registry(loginServer).getRepository(repository).listManifestProperties({ order: 'LastUpdatedOnDescending', onResponse }).byPage({ maxPageSize: 1000 });
      for await (const page of pages) {
        for (const m of page) {
          const extra = raw.get(m.digest);
          yield {
            repository,
            digest: m.digest,
            tags: m.tags ?? [],
            createdTime: m.createdOn.toISOString(),
            lastUpdateTime: m.lastUpdatedOn.toISOString(),
            ...(m.architecture ? { architecture: m.architecture } : {}),
            ...(m.operatingSystem ? { os: m.operatingSystem } : {}),
            ...(m.sizeInBytes !== undefined ? { imageSize: m.sizeInBytes } : {}),
            ...(extra?.mediaType ? { mediaType: extra.mediaType } : {}),
            ...(extra?.configMediaType ? { configMediaType: extra.configMediaType } : {}),
            ...(m.canDelete !== undefined ? { deleteEnabled: m.canDelete } : {}),
          };
        }
      }
    } catch (e) {
      throw new ScopeReadError(`${loginServer}/${repository}`, classifyAzureError(e), { cause: e });
    }
  }

  /**
   * `GET /acr/v1/{name}/_tags?n=...`, every page (Link header, `last`/`n`), each tag with its own `changeableAttributes`
   * (TagAttributesBase: name, digest, createdTime, lastUpdateTime, changeableAttributes{deleteEnabled, writeEnabled,
   * readEnabled, listEnabled}; azure-rest-api-specs specification/containerregistry/data-plane/Azure.ContainerRegistry/
   * stable/2021-07-01 examples/GetTagList.json). `@azure/container-registry` 1.1 lists tags only per manifest
   * (`RegistryArtifact.listTagProperties` sends `digest=`), so the request goes through the SDK's own pipeline as
   * listReferrers does: scope `repository:<name>:metadata_read` from the token cache. An item without a name or a digest
   * is skipped; attributes that are not booleans are left out (unknown). At most MAX_TAG_PAGES pages.
   */
  async *listTags(loginServer: string, repository: string): AsyncIterable<TagAttributeFacts> {
    const send = sdkPipelineOf(this.registry(loginServer));
    const scope = `${loginServer}/${repository}`;
    // The repository as one encoded path segment (`team%2Fapi`), as the SDK sends it on /acr/v1 (its recordings).
    let url: string | undefined = `https://${loginServer}/acr/v1/${encodeURIComponent(repository)}/_tags?n=${TAG_PAGE_SIZE}`;
    for (let page = 0; url; page++) {
      if (page >= MAX_TAG_PAGES) throw new ScopeReadError(`${scope} tags`, { kind: 'other', reason: `more than ${MAX_TAG_PAGES} pages of tags: not read to the end` });
      let res: PipelineResponse;
      try {
        res = await send(createPipelineRequest({ url, method: 'GET' }));
      } catch (e) {
        throw new ScopeReadError(`${scope} tags`, classifyAzureError(e), { cause: e });
      }
      if (res.status >= 400) {
        const code = errorCode(res.bodyAsText ?? undefined);
        const e = new RestError(`tags of ${scope}: ${code ?? `HTTP ${res.status}`}`, { statusCode: res.status, ...(code ? { code } : {}) });
        throw new ScopeReadError(`${scope} tags`, classifyAzureError(e), { cause: e });
      }
      const body = safeJson(res.bodyAsText ?? '');
      if (!isObj(body) || !Array.isArray(body.tags)) throw new ScopeReadError(`${scope} tags`, { kind: 'other', reason: 'the tag listing has no tags array' });
      for (const t of body.tags) {
        if (!isObj(t) || typeof t.name !== 'string' || typeof t.digest !== 'string' || t.name.length > 256 || t.digest.length > 256) continue;
        const a = isObj(t.changeableAttributes) ? t.changeableAttributes : {};
        yield {
          name: t.name,
          digest: t.digest,
          ...(typeof a.writeEnabled === 'boolean' ? { writeEnabled: a.writeEnabled } : {}),
          ...(typeof a.deleteEnabled === 'boolean' ? { deleteEnabled: a.deleteEnabled } : {}),
        };
      }
      url = nextLink(res.headers.get('link'), `https://${loginServer}`);
    }
  }

  /** A repository's changeable attributes (`GET /acr/v1/{name}`, the SDK's getProperties); undefined on 404 (NAME_UNKNOWN). */
  async getRepositoryAttributes(loginServer: string, repository: string): Promise<{ writeEnabled?: boolean; deleteEnabled?: boolean } | undefined> {
    try {
      const p = await this.registry(loginServer).getRepository(repository).getProperties();
      return { ...(p.canWrite !== undefined ? { writeEnabled: p.canWrite } : {}), ...(p.canDelete !== undefined ? { deleteEnabled: p.canDelete } : {}) };
    } catch (e) {
      const c = classifyAzureError(e);
      if (c.kind === 'not_found') return undefined;
      throw new ScopeReadError(`${loginServer}/${repository}`, c, { cause: e });
    }
  }

  /** Manifest properties of a tag or digest; `undefined` when it does not exist. */
  async getManifest(loginServer: string, repository: string, tagOrDigest: string): Promise<ManifestSnapshot | undefined> {
    try {
      const m = await this.registry(loginServer).getArtifact(repository, tagOrDigest).getManifestProperties();
      return {
        repository,
        digest: m.digest,
        tags: m.tags ?? [],
        createdTime: m.createdOn.toISOString(),
        lastUpdateTime: m.lastUpdatedOn.toISOString(),
      };
    } catch (e) {
      const c = classifyAzureError(e);
      if (c.kind === 'not_found') return undefined;
      throw new ScopeReadError(`${loginServer}/${repository}`, c, { cause: e });
    }
  }

  /**
   * Whether a repository exists, from the data plane: false only on its 404 (NAME_UNKNOWN), the
   * authoritative proof that a repository missing from the catalog was deleted.
   */
  async repositoryExists(loginServer: string, repository: string): Promise<boolean> {
    try {
      await this.registry(loginServer).getRepository(repository).getProperties();
      return true;
    } catch (e) {
      const c = classifyAzureError(e);
      if (c.kind === 'not_found') return false;
      throw new ScopeReadError(`${loginServer}/${repository}`, c, { cause: e });
    }
  }

  /**
   * `GET /v2/<repository>/referrers/<digest>[?artifactType=...]`, every page (OCI distribution spec v1.1,
   * "Listing Referrers", end-12a/end-12b:
   * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers). The answer is an
   * OCI image index whose `manifests` are descriptors carrying each referrer's `artifactType` and
   * `annotations`; more pages are announced by a `Link: <...>; rel="next"` header (RFC 5988). A registry that
   * did not apply the `artifactType` filter (no `OCI-Filters-Applied: artifactType` header) is filtered here,
   * as the spec asks clients to. `@azure/container-registry` 1.1 has no referrers call, so the request goes
   * through the SDK registry client's own pipeline (one per registry; the URL names the repository): the same ACR token cache (`acrScopedTokenPolicy`, scope
   * `repository:<name>:pull`), challenge handler, retries and agent as every other data-plane call.
   * `undefined` on 404 (the manifest is unknown to the registry).
   */
  async listReferrers(loginServer: string, repository: string, digest: string, options: ListReferrersOptions = {}): Promise<ReferrerFacts[] | undefined> {
    if (options.runId === undefined) return this.readReferrers(loginServer, repository, digest, options);
    // Within a run, one listing per digest (and filter): a digest's referrers only grow, and the run reads them once.
    let run = this.referrerRuns.get(options.runId);
    if (!run) {
      run = { entries: new Map(), chars: 0 };
      this.referrerRuns.set(options.runId, run);
      while (this.referrerRuns.size > REFERRER_CACHE_RUNS) this.referrerRuns.delete(this.referrerRuns.keys().next().value!);
    }
    const key = `${loginServer}/${repository}@${digest}${options.artifactType !== undefined ? `?${options.artifactType}` : ''}`;
    const hit = run.entries.get(key);
    if (hit) {
      run.entries.delete(key);
      run.entries.set(key, hit);
      return hit.value;
    }
    const entry = { value: this.readReferrers(loginServer, repository, digest, options), chars: key.length };
    const cache = run;
    cache.entries.set(key, entry);
    try {
      const value = await entry.value;
      entry.chars += (value ?? []).reduce((n, r) => n + r.digest.length + r.mediaType.length + (r.artifactType?.length ?? 0) + Object.entries(r.annotations).reduce((m, [k, v]) => m + k.length + v.length, 0), 0);
      cache.chars += entry.chars;
      for (const [k, old] of cache.entries) {
        if (cache.chars <= REFERRER_CACHE_CHARS) break;
        cache.entries.delete(k);
        cache.chars -= old.chars;
      }
      return value;
    } catch (e) {
      // A failed read is not kept: the next caller reads again.
      if (cache.entries.get(key) === entry) cache.entries.delete(key);
      throw e;
    }
  }

  private async readReferrers(loginServer: string, repository: string, digest: string, options: ListReferrersOptions): Promise<ReferrerFacts[] | undefined> {
    const send = sdkPipelineOf(this.registry(loginServer));
    const scope = `${loginServer}/${repository}@${digest}`;
    const query = options.artifactType !== undefined ? `?${new URLSearchParams({ artifactType: options.artifactType }).toString()}` : '';
    let url: string | undefined = `https://${loginServer}/v2/${repository.split('/').map(encodeURIComponent).join('/')}/referrers/${encodeURIComponent(digest)}${query}`;
    const out: ReferrerFacts[] = [];
    for (let page = 0; url && page < MAX_REFERRER_PAGES && out.length < MAX_REFERRERS; page++) {
      let res: PipelineResponse;
      try {
        res = await send(createPipelineRequest({ url, method: 'GET' }));
      } catch (e) {
        throw new ScopeReadError(scope, classifyAzureError(e), { cause: e });
      }
      if (res.status === 404) return undefined;
      if (res.status >= 400) {
        const code = errorCode(res.bodyAsText ?? undefined);
        const e = new RestError(`referrers of ${scope}: ${code ?? `HTTP ${res.status}`}`, { statusCode: res.status, ...(code ? { code } : {}) });
        throw new ScopeReadError(scope, classifyAzureError(e), { cause: e });
      }
      const body = safeJson(res.bodyAsText ?? '');
      if (!isObj(body) || !Array.isArray(body.manifests)) throw new ScopeReadError(scope, { kind: 'other', reason: 'the referrers answer is not an OCI image index' });
      const filtered = options.artifactType !== undefined && !/\bartifactType\b/i.test(res.headers.get('oci-filters-applied') ?? '');
      for (const d of body.manifests.filter(isObj)) {
        if (typeof d.digest !== 'string') continue;
        const artifactType = typeof d.artifactType === 'string' ? d.artifactType : undefined;
        if (filtered && artifactType !== options.artifactType) continue;
        out.push({ digest: d.digest, mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', ...(artifactType !== undefined ? { artifactType } : {}), annotations: boundedAnnotations(d.annotations) });
      }
      url = nextLink(res.headers.get('link'), `https://${loginServer}`);
    }
    return out.slice(0, MAX_REFERRERS);
  }

  /**
   * OCI annotations and config labels of a manifest; for an index, of each platform child too
   * (attestation manifests skipped). The config blob is read only when the annotations do not already
   * carry every provenance key. `undefined` when the manifest does not exist (deleted since).
   */
  async getProvenance(loginServer: string, repository: string, digest: string): Promise<ProvenanceFacts | undefined> {
    const client = this.content(loginServer, repository);
    const read = async (ref: string, depth: number): Promise<ProvenanceFacts | undefined> => {
      let m;
      try {
        m = await client.getManifest(ref);
      } catch (e) {
        const c = classifyAzureError(e);
        if (c.kind === 'not_found') return undefined;
        throw new ScopeReadError(`${loginServer}/${repository}@${ref}`, c, { cause: e });
      }
      const manifest = m.manifest;
      const annotations = stringMap(manifest.annotations);
      if (INDEX_TYPES.has(m.mediaType) || Array.isArray(manifest.manifests)) {
        const children: ProvenanceFacts[] = [];
        if (depth === 0) {
          const entries = (Array.isArray(manifest.manifests) ? manifest.manifests : []).filter(isObj)
            .filter((d) => !stringMap(d.annotations)['vnd.docker.reference.type'])
            .slice(0, MAX_INDEX_CHILDREN);
          for (const d of entries) {
            if (typeof d.digest !== 'string') continue;
            const child = await read(d.digest, depth + 1);
            if (child) {
              const pl = isObj(d.platform) ? [d.platform.os, d.platform.architecture, d.platform.variant].filter((x) => typeof x === 'string').join('/') : undefined;
              children.push({ ...child, ...(pl ? { platform: pl } : {}) });
            }
          }
        }
        return { kind: 'index', digest: m.digest, annotations, labels: {}, children };
      }
      let labels: Record<string, string> = {};
      const needed = [OCI_SOURCE, OCI_REVISION, OCI_BASE_NAME];
      const configDigest = isObj(manifest.config) && typeof manifest.config.digest === 'string' ? manifest.config.digest : undefined;
      if (configDigest && !needed.every((k) => annotations[k])) {
        try {
          const blob = await client.downloadBlob(configDigest);
          const config = safeJson((await readLimited(blob.content, MAX_CONFIG_BYTES)).toString('utf8'));
          labels = isObj(config) && isObj(config.config) ? stringMap(config.config.Labels) : {};
        } catch (e) {
          if (e instanceof ScopeReadError) throw e;
          const c = classifyAzureError(e);
          if (c.kind !== 'not_found') throw new ScopeReadError(`${loginServer}/${repository}@${configDigest}`, c, { cause: e });
        }
      }
      return { kind: 'manifest', digest: m.digest, annotations, labels, children: [] };
    };
    return read(digest, 0);
  }
}

function stringMap(x: unknown): Record<string, string> {
  if (!isObj(x)) return {};
  return Object.fromEntries(Object.entries(x).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** A referrer's annotations, bounded (registry content is untrusted): at most MAX_ANNOTATIONS, values of at most MAX_ANNOTATION_CHARS. */
function boundedAnnotations(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(stringMap(x))) {
    if (n >= MAX_ANNOTATIONS) break;
    if (k.length > 256 || v.length > MAX_ANNOTATION_CHARS) continue;
    out[k] = v;
    n++;
  }
  return out;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

async function readLimited(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limit) throw new Error(`config blob larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * The request sender of an SDK client's pipeline. The SDK keeps its generated `ServiceClient` (whose pipeline
 * holds the ACR challenge policy, our per-retry token policy and the retry policy) in a private `client` field;
 * reaching it is checked, so an SDK that moves it fails loudly here instead of falling back to an unauthenticated call.
 */
function sdkPipelineOf(client: ContainerRegistryClient): (request: PipelineRequest) => Promise<PipelineResponse> {
  const inner = (client as unknown as { client?: { sendRequest?: unknown } }).client;
  if (!inner || typeof inner.sendRequest !== 'function') throw new Error('@azure/container-registry: the registry client exposes no pipeline (SDK internals changed)');
  const sendRequest = inner.sendRequest as (request: PipelineRequest) => Promise<PipelineResponse>;
  return (request) => sendRequest.call(inner, request);
}

/** The `rel="next"` target of a Link header (RFC 5988), absolute against `base`. */
function nextLink(header: string | undefined, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return new URL(m[1]!, base).toString();
  }
  return undefined;
}

function errorCode(text: string | undefined): string | undefined {
  const j = safeJson(text ?? '');
  const first = isObj(j) && Array.isArray(j.errors) ? j.errors[0] : undefined;
  return isObj(first) && typeof first.code === 'string' ? first.code : undefined;
}
