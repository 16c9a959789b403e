/**
 * ACR data-plane adapter (@azure/container-registry): catalog, manifests (streamed), manifest
 * properties, manifest content and config blobs (OCI annotations and labels), repository existence.
 */
import { ContainerRegistryClient, ContainerRegistryContentClient } from '@azure/container-registry';
import type { ManifestSnapshot, ProvenanceFacts } from '../domain/snapshots.js';
import type { RegistryPort } from '../usecases/ports.js';
import { clientOptions, isObj, type AzureConnection } from './connection.js';
import { classifyAzureError, ScopeReadError } from './errors.js';
import { AcrTokenCache, acrScopedTokenPolicy, type AcrTokenCacheOptions } from './acrTokens.js';
import { OCI_BASE_NAME, OCI_REVISION, OCI_SOURCE } from '../rules/oci.js';

const MAX_CONFIG_BYTES = 1_048_576;
const MAX_INDEX_CHILDREN = 32;
/** Repository clients kept (the SDK binds a content client to one repository); their tokens live in the shared `AcrTokenCache`. */
const CONTENT_CLIENT_CACHE = 4096;

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export class RegistryDataPlane implements RegistryPort {
  private readonly registryClients = new Map<string, ContainerRegistryClient>();
  private readonly contentClients = new Map<string, ContainerRegistryContentClient>();
  /** ACR tokens by registry and scope, shared by every client (issue 18: no re-challenge per call). */
  private readonly tokens: AcrTokenCache;

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

  /** Manifests of one repository, newest first, streamed page by page. */
  async *listManifests(loginServer: string, repository: string): AsyncIterable<ManifestSnapshot> {
    try {
      const pages = this.registry(loginServer).getRepository(repository).listManifestProperties({ order: 'LastUpdatedOnDescending' }).byPage({ maxPageSize: 1000 });
      for await (const page of pages) {
        for (const m of page) {
          yield {
            repository,
            digest: m.digest,
            tags: m.tags ?? [],
            createdTime: m.createdOn.toISOString(),
            lastUpdateTime: m.lastUpdatedOn.toISOString(),
            ...(m.architecture ? { architecture: m.architecture } : {}),
            ...(m.operatingSystem ? { os: m.operatingSystem } : {}),
            ...(m.sizeInBytes !== undefined ? { imageSize: m.sizeInBytes } : {}),
          };
        }
      }
    } catch (e) {
      throw new ScopeReadError(`${loginServer}/${repository}`, classifyAzureError(e), { cause: e });
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
