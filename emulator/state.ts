/**
 * The emulator's view of the estate: lookups by lower-case id / login server / repository, built
 * lazily and rebuilt when the estate object they came from changes (identity or length), so tests
 * can mutate the live estate (push a manifest, add a resource) and the next request sees it.
 */
import { createHash } from 'node:crypto';
import type { Estate, EstateManifest, EstateRegistryContent, EstateRepository, EstateRow } from './estate.js';

export const REGISTRY_TYPE = 'microsoft.containerregistry/registries';
export const WORKSPACE_TYPE = 'microsoft.operationalinsights/workspaces';

interface ResourceIndex {
  source: EstateRow[];
  length: number;
  byId: Map<string, EstateRow>;
  registriesByLoginServer: Map<string, EstateRow>;
  /** Sorted by lower-case id. */
  registriesBySubscription: Map<string, EstateRow[]>;
  workspacesByCustomerId: Map<string, EstateRow>;
  /** Built on first use (resourceGroups()). */
  groups?: Map<string, { subscriptionId: string; name: string }>;
}

export interface ManifestIndex {
  length: number;
  byDigest: Map<string, EstateManifest>;
  byTag: Map<string, EstateManifest>;
  orders: Map<string, { list: EstateManifest[]; position: Map<string, number> }>;
  tags: { name: string; manifest: EstateManifest }[] | undefined;
}

export function subscriptionOf(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase();
}

/** sha256 digest of the bytes the emulator serves for a manifest or blob (`JSON.stringify` of objects, strings as-is). */
export function digestOf(content: unknown): string {
  return `sha256:${createHash('sha256').update(contentBytes(content)).digest('hex')}`;
}

export function contentBytes(content: unknown): Buffer {
  return Buffer.from(typeof content === 'string' ? content : JSON.stringify(content));
}

export class EstateView {
  private resources?: ResourceIndex;
  private diag?: { source: object; size: number; map: Map<string, unknown[]> };
  private content?: { source: object; size: number; map: Map<string, EstateRegistryContent> };
  private readonly manifests = new WeakMap<EstateManifest[], ManifestIndex>();
  private readonly catalogs = new WeakMap<object, { size: number; names: string[] }>();
  private forbiddenCache?: { source: string[] | undefined; scopes: string[]; hosts: Set<string>; repositories: Set<string>; size: number };

  constructor(public estate: Estate) {}

  private resourceIndex(): ResourceIndex {
    const rows = this.estate.resources;
    if (this.resources && this.resources.source === rows && this.resources.length === rows.length) return this.resources;
    const byId = new Map<string, EstateRow>();
    const registriesByLoginServer = new Map<string, EstateRow>();
    const registriesBySubscription = new Map<string, EstateRow[]>();
    const workspacesByCustomerId = new Map<string, EstateRow>();
    for (const row of rows) {
      byId.set(row.id.toLowerCase(), row);
      const type = row.type.toLowerCase();
      if (type === REGISTRY_TYPE) {
        const ls = row.properties?.['loginServer'];
        if (typeof ls === 'string') registriesByLoginServer.set(ls.toLowerCase(), row);
        const sub = (row.subscriptionId ?? subscriptionOf(row.id) ?? '').toLowerCase();
        let list = registriesBySubscription.get(sub);
        if (!list) registriesBySubscription.set(sub, (list = []));
        list.push(row);
      } else if (type === WORKSPACE_TYPE) {
        const cid = row.properties?.['customerId'];
        if (typeof cid === 'string') workspacesByCustomerId.set(cid.toLowerCase(), row);
      }
    }
    for (const list of registriesBySubscription.values()) list.sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
    this.resources = { source: rows, length: rows.length, byId, registriesByLoginServer, registriesBySubscription, workspacesByCustomerId };
    return this.resources;
  }

  resourceById(id: string): EstateRow | undefined { return this.resourceIndex().byId.get(id.toLowerCase()); }
  registryByLoginServer(host: string): EstateRow | undefined { return this.resourceIndex().registriesByLoginServer.get(host.toLowerCase()); }
  registriesInSubscription(sub: string): EstateRow[] { return this.resourceIndex().registriesBySubscription.get(sub.toLowerCase()) ?? []; }
  workspaceByCustomerId(id: string): EstateRow | undefined { return this.resourceIndex().workspacesByCustomerId.get(id.toLowerCase()); }

  /** Every host name that is a registry login server in the estate (lower-case). */
  loginServers(): string[] {
    return [...new Set([...this.resourceIndex().registriesByLoginServer.keys(), ...Object.keys(this.estate.registryContent).map((k) => k.toLowerCase())])];
  }

  isLoginServer(host: string): boolean {
    return this.resourceIndex().registriesByLoginServer.has(host) || this.contentIndex().map.has(host);
  }

  private contentIndex(): { map: Map<string, EstateRegistryContent> } {
    const src = this.estate.registryContent;
    const size = Object.keys(src).length;
    if (this.content && this.content.source === src && this.content.size === size) return this.content;
    const map = new Map<string, EstateRegistryContent>();
    for (const [k, v] of Object.entries(src)) map.set(k.toLowerCase(), v);
    this.content = { source: src, size, map };
    return this.content;
  }

  registryContent(host: string): EstateRegistryContent | undefined { return this.contentIndex().map.get(host.toLowerCase()); }

  repository(host: string, name: string): EstateRepository | undefined {
    const c = this.registryContent(host);
    if (!c) return undefined;
    return Object.hasOwn(c.repositories, name) ? c.repositories[name] : undefined;
  }

  /** Repository names of a registry, sorted ordinally (as ACR lists them). */
  catalog(host: string): string[] {
    const c = this.registryContent(host);
    if (!c) return [];
    const size = Object.keys(c.repositories).length;
    const cached = this.catalogs.get(c.repositories);
    if (cached && cached.size === size) return cached.names;
    const names = Object.keys(c.repositories).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.catalogs.set(c.repositories, { size, names });
    return names;
  }

  manifestIndex(repo: EstateRepository): ManifestIndex {
    const list = repo.manifests;
    const cached = this.manifests.get(list);
    if (cached && cached.length === list.length) return cached;
    const byDigest = new Map<string, EstateManifest>();
    const byTag = new Map<string, EstateManifest>();
    for (const m of list) {
      byDigest.set(m.digest, m);
      for (const t of m.tags ?? []) byTag.set(t, m);
    }
    const idx: ManifestIndex = { length: list.length, byDigest, byTag, orders: new Map(), tags: undefined };
    this.manifests.set(list, idx);
    return idx;
  }

  /** Manifests in the order ACR lists them for `orderby` (timedesc | timeasc | none = by digest). */
  manifestOrder(repo: EstateRepository, orderby: string): { list: EstateManifest[]; position: Map<string, number> } {
    const idx = this.manifestIndex(repo);
    const key = orderby === 'timedesc' || orderby === 'timeasc' ? orderby : 'none';
    let o = idx.orders.get(key);
    if (!o) {
      const t = (m: EstateManifest): number => Date.parse(m.lastUpdateTime ?? m.createdTime) || 0;
      const list = [...repo.manifests];
      if (key === 'none') list.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
      else list.sort((a, b) => (key === 'timedesc' ? t(b) - t(a) : t(a) - t(b)) || (a.digest < b.digest ? -1 : 1));
      o = { list, position: new Map(list.map((m, i) => [m.digest, i])) };
      idx.orders.set(key, o);
    }
    return o;
  }

  tagsOf(repo: EstateRepository): { name: string; manifest: EstateManifest }[] {
    const idx = this.manifestIndex(repo);
    idx.tags ??= repo.manifests.flatMap((m) => (m.tags ?? []).map((name) => ({ name, manifest: m })))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return idx.tags;
  }

  /** An ARM-only answer of `armOnly` by path (case-insensitive), if the estate has one. */
  armOnly(path: string): Record<string, unknown> | undefined {
    const want = path.toLowerCase().replace(/\/+$/, '');
    for (const [k, v] of Object.entries(this.estate.armOnly ?? {})) if (k.toLowerCase().replace(/\/+$/, '') === want) return v as Record<string, unknown>;
    return undefined;
  }

  diagnosticSettings(resourceId: string): unknown[] {
    const src = this.estate.diagnosticSettings;
    const size = Object.keys(src).length;
    if (!this.diag || this.diag.source !== src || this.diag.size !== size) {
      const map = new Map<string, unknown[]>();
      for (const [k, v] of Object.entries(src)) map.set(k.toLowerCase().replace(/\/+$/, ''), v);
      this.diag = { source: src, size, map };
    }
    return this.diag.map.get(resourceId.toLowerCase().replace(/\/+$/, '')) ?? [];
  }

  private forbiddenIndex(): { scopes: string[]; hosts: Set<string>; repositories: Set<string>; size: number } {
    const src = this.estate.emulator.forbidden;
    if (this.forbiddenCache && this.forbiddenCache.source === src && this.forbiddenCache.size === (src?.length ?? 0)) return this.forbiddenCache;
    const scopes: string[] = [];
    const hosts = new Set<string>();
    const repositories = new Set<string>();
    for (const f of src ?? []) {
      if (f.startsWith('/')) scopes.push(f.toLowerCase().replace(/\/+$/, ''));
      else if (f.includes('/')) repositories.add(f.toLowerCase());
      else hosts.add(f.toLowerCase());
    }
    this.forbiddenCache = { source: src, scopes, hosts, repositories, size: src?.length ?? 0 };
    return this.forbiddenCache;
  }

  /** The forbidden scope that covers this ARM id (the id itself or an ancestor), if any. */
  forbiddenScope(armId: string): string | undefined {
    const id = armId.toLowerCase().replace(/\/+$/, '');
    return this.forbiddenIndex().scopes.find((s) => id === s || id.startsWith(s + '/'));
  }

  /** The caller has no data-plane permission on this registry: its login server or its ARM id (or an ancestor scope) is forbidden. */
  isForbiddenHost(host: string): boolean {
    if (this.forbiddenIndex().hosts.has(host.toLowerCase())) return true;
    const reg = this.registryByLoginServer(host);
    return reg ? this.forbiddenScope(reg.id) !== undefined : false;
  }

  /** `<login server>/<repository>` is forbidden (or the whole registry is). */
  isForbiddenRepository(host: string, repository: string): boolean {
    return this.isForbiddenHost(host) || this.forbiddenIndex().repositories.has(`${host}/${repository}`.toLowerCase());
  }

  /** Whether the subscription is in the estate. */
  hasSubscription(subscriptionId: string): boolean {
    const sub = subscriptionId.toLowerCase();
    return this.estate.subscriptions.some((s) => s.subscriptionId.toLowerCase() === sub);
  }

  /**
   * Resource groups that exist: derived from the `resourceGroup` (or the id) of every resources row,
   * lower-case `/subscriptions/<s>/resourcegroups/<rg>` -> { subscriptionId, name as first seen }.
   */
  resourceGroups(): Map<string, { subscriptionId: string; name: string }> {
    const idx = this.resourceIndex();
    if (idx.groups) return idx.groups;
    const groups = new Map<string, { subscriptionId: string; name: string }>();
    for (const row of idx.source) {
      const m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)/i.exec(row.id);
      const subscriptionId = row.subscriptionId ?? m?.[1];
      const name = row.resourceGroup ?? m?.[2];
      if (!subscriptionId || !name) continue;
      const key = `/subscriptions/${subscriptionId}/resourcegroups/${name}`.toLowerCase();
      if (!groups.has(key)) groups.set(key, { subscriptionId, name });
    }
    idx.groups = groups;
    return groups;
  }

  hasResourceGroup(subscriptionId: string, resourceGroup: string): boolean {
    return this.resourceGroups().has(`/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}`.toLowerCase());
  }
}
