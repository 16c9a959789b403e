/**
 * Issue 15 (second part), over the wire: the tag listing with each tag's own changeable attributes (paged with a Link
 * header), a repository's attributes, the manifest listing's mediaType / configMediaType / deleteEnabled (which the SDK's
 * models drop), and referrer listings reused within a run, through the real RegistryDataPlane and the SDK's pipeline
 * against the loopback emulator.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEstate, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { RegistryDataPlane } from '../../shared/inventory/registryDataPlane.js';
import { ScopeReadError } from '../../shared/inventory/errors.js';
import { observeHttp } from '../../bench/stats.js';
import { NOTATION_SIGNATURE, NOTATION_THUMBPRINTS } from '../../shared/rules/supplyChain.js';
import { emulatorConnection } from '../emulator/connection.js';
import { aManifest, aRegistry, anEstate, fakeDigest, TENANT, SUB_A } from '../emulator/builders.js';

const HOST = 'contoso.azurecr.io';
/** More than one page of TAG_PAGE_SIZE (1,000): the listing must follow the Link header. */
const MANY_TAGS = 1_250;
const LOCKED = { writeEnabled: false, deleteEnabled: false, readEnabled: true, listEnabled: true };

let emu: RunningEmulator | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await emu?.close();
  emu = undefined;
});

/** The emulator on `estate` (default: the tag fixture), a data plane on it, and the requests it sees to HOST. */
async function start(estate = tagEstate()) {
  emu = await startEmulator({ estate });
  const seen: Array<{ path: string; status?: number }> = [];
  stop = observeHttp((r) => { if (r.host === HOST) seen.push({ path: r.path, ...(r.status !== undefined ? { status: r.status } : {}) }); });
  return { plane: new RegistryDataPlane(emulatorConnection(emu)), seen };
}

function tagEstate() {
  const releases = aManifest(1, { tags: Array.from({ length: MANY_TAGS }, (_, i) => `1.0.${i}`), tagAttributes: { '1.0.7': LOCKED, '1.0.8': { writeEnabled: false } } });
  const signatureManifest = aManifest(3, { tags: [], architecture: undefined, os: undefined, configMediaType: 'application/vnd.cncf.notary.signature' });
  const index = aManifest(4, { tags: ['2.0.0'], architecture: undefined, os: undefined, mediaType: 'application/vnd.oci.image.index.v1+json' });
  return anEstate({
    resources: [aRegistry({ name: 'contoso' })],
    registryContent: {
      [HOST]: {
        repositories: {
          'team/api': {
            manifests: [
              releases,
              // Locked by digest: its tag stays writable (a tag's attributes are its own).
              aManifest(2, { tags: ['0.9.0'], changeableAttributes: { ...LOCKED } }),
              signatureManifest,
              index,
            ],
          },
          'team/locked': { manifests: [aManifest(5)], changeableAttributes: { writeEnabled: false, deleteEnabled: false } },
          'team/signed': { manifests: [aManifest(6, { referrers: [{ digest: fakeDigest('sig'), artifactType: NOTATION_SIGNATURE, annotations: { [NOTATION_THUMBPRINTS]: '["AB"]', huge: 'x'.repeat(20_000) } }] })] },
        },
      },
    },
  });
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('tag listing, repository attributes, manifest media types, referrers per run (emulator + RegistryDataPlane)', () => {
  it('lists every tag of a repository across pages, each with its own attributes, with one metadata token', async () => {
    const { plane, seen } = await start();
    const tags = await all(plane.listTags(HOST, 'team/api'));
    expect(tags).toHaveLength(MANY_TAGS + 2);
    const byName = new Map(tags.map((t) => [t.name, t]));
    expect(byName.get('1.0.7')).toEqual({ name: '1.0.7', digest: fakeDigest('m1'), writeEnabled: false, deleteEnabled: false });
    expect(byName.get('1.0.8')).toEqual({ name: '1.0.8', digest: fakeDigest('m1'), writeEnabled: false, deleteEnabled: true });
    expect(byName.get('1.0.9')).toMatchObject({ writeEnabled: true, deleteEnabled: true });
    // The manifest is locked by digest, its tag is not.
    expect(byName.get('0.9.0')).toMatchObject({ digest: fakeDigest('m2'), writeEnabled: true, deleteEnabled: true });
    const pages = seen.filter((s) => /^\/acr\/v1\/team(%2F|\/)api\/_tags/.test(s.path) && s.status === 200);
    // The second page is reachable only through the first one's Link header (relative, /acr/v1/team/api/_tags?last=...).
    expect(pages).toHaveLength(2);
    expect(seen.filter((s) => s.path === '/oauth2/token')).toHaveLength(1);
  });

  it('a repository that does not exist is a read error (a gap), not an empty tag list', async () => {
    const { plane } = await start();
    await expect(all(plane.listTags(HOST, 'team/nope'))).rejects.toBeInstanceOf(ScopeReadError);
  });

  it('reads a repository\'s own attributes; undefined for a repository that does not exist', async () => {
    const { plane } = await start();
    expect(await plane.getRepositoryAttributes(HOST, 'team/locked')).toEqual({ writeEnabled: false, deleteEnabled: false });
    expect(await plane.getRepositoryAttributes(HOST, 'team/api')).toEqual({ writeEnabled: true, deleteEnabled: true });
    expect(await plane.getRepositoryAttributes(HOST, 'team/nope')).toBeUndefined();
  });

  it('the manifest listing carries mediaType, configMediaType and the manifest lock, with no extra call', async () => {
    const { plane, seen } = await start();
    const manifests = await all(plane.listManifests(HOST, 'team/api'));
    const byDigest = new Map(manifests.map((m) => [m.digest, m]));
    expect(byDigest.get(fakeDigest('m3'))).toMatchObject({ tags: [], mediaType: 'application/vnd.oci.image.manifest.v1+json', configMediaType: 'application/vnd.cncf.notary.signature' });
    expect(byDigest.get(fakeDigest('m3'))!.architecture).toBeUndefined();
    expect(byDigest.get(fakeDigest('m4'))).toMatchObject({ mediaType: 'application/vnd.oci.image.index.v1+json', tags: ['2.0.0'] });
    expect(byDigest.get(fakeDigest('m2'))).toMatchObject({ deleteEnabled: false });
    expect(byDigest.get(fakeDigest('m1'))).toMatchObject({ deleteEnabled: true, architecture: 'amd64' });
    expect(seen.filter((s) => s.path.includes('/_manifests') && s.status === 200)).toHaveLength(1);
  });

  it('reuses a digest\'s referrers within a run, reads them again for another run or without one, and bounds annotations', async () => {
    const { plane, seen } = await start();
    const digest = fakeDigest('m6');
    const calls = () => seen.filter((s) => s.path.includes('/referrers/') && s.status === 200).length;
    const first = await plane.listReferrers(HOST, 'team/signed', digest, { runId: 'run-1' });
    expect(first).toHaveLength(1);
    // An annotation value beyond 16,384 characters is dropped: registry content is untrusted.
    expect(first![0]!.annotations).toEqual({ [NOTATION_THUMBPRINTS]: '["AB"]' });
    await Promise.all([plane.listReferrers(HOST, 'team/signed', digest, { runId: 'run-1' }), plane.listReferrers(HOST, 'team/signed', digest, { runId: 'run-1' })]);
    expect(calls()).toBe(1);
    await plane.listReferrers(HOST, 'team/signed', digest, { runId: 'run-2' });
    expect(calls()).toBe(2);
    // The push path passes no run: it always reads.
    await plane.listReferrers(HOST, 'team/signed', digest);
    expect(calls()).toBe(3);
  });
});

describe('client bounds of the data plane (issue 18 item 3)', () => {
  it('tags and referrers of many repositories make no content client; provenance keeps at most 64, and one made again costs no call', async () => {
    const REPOS = 80;
    // Manifests with content and its real digest (the SDK checks the digest of what getManifest returns).
    const digests: string[] = [];
    const repositories = Object.fromEntries(Array.from({ length: REPOS }, (_, i) => {
      const content = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: fakeDigest(`c${i}`), size: 2 }, layers: [], annotations: { 'org.opencontainers.image.source': `https://example.test/r${i}` } };
      const digest = `sha256:${createHash('sha256').update(JSON.stringify(content)).digest('hex')}`;
      digests.push(digest);
      return [`team/r${i}`, { manifests: [aManifest(100 + i, { digest, content, tags: [`1.0.${i}`] })] }];
    }));
    const { plane, seen } = await start(anEstate({ resources: [aRegistry({ name: 'contoso' })], registryContent: { [HOST]: { repositories } } }));
    const contentClients = () => (plane as unknown as { contentClients: Map<string, unknown> }).contentClients.size;
    for (let i = 0; i < REPOS; i++) {
      expect(await all(plane.listTags(HOST, `team/r${i}`))).toHaveLength(1);
      expect(await plane.listReferrers(HOST, `team/r${i}`, digests[i]!, { runId: 'run-1' })).toEqual([]);
    }
    expect(contentClients()).toBe(0);
    for (let i = 0; i < REPOS; i++) expect(await plane.getProvenance(HOST, `team/r${i}`, digests[i]!)).toBeDefined();
    expect(contentClients()).toBe(64);
    // team/r0's client was dropped: a new one reuses the cached pull token (no /oauth2 call) and reads the manifest again.
    const before = seen.filter((s) => s.path.startsWith('/oauth2/')).length;
    const manifestReads = () => seen.filter((s) => decodeURIComponent(s.path) === `/v2/team/r0/manifests/${digests[0]!}` && s.status === 200).length;
    const readsBefore = manifestReads();
    expect(await plane.getProvenance(HOST, 'team/r0', digests[0]!)).toMatchObject({ annotations: { 'org.opencontainers.image.source': 'https://example.test/r0' } });
    expect(manifestReads()).toBe(readsBefore + 1);
    expect(seen.filter((s) => s.path.startsWith('/oauth2/')).length).toBe(before);
    expect(seen.filter((s) => s.status === 401)).toHaveLength(0);
  });
});

describe('estate tagAttributes', () => {
  it('names only tags of its manifest', () => {
    expect(() =>
      loadEstate({
        tenantId: TENANT,
        subscriptions: [{ subscriptionId: SUB_A, displayName: 'prod' }],
        registryContent: { [HOST]: { repositories: { r: { manifests: [aManifest(1, { tagAttributes: { 'v9': LOCKED } })] } } } },
      }),
    ).toThrow(/tagAttributes names "v9", which is not a tag of this manifest/);
  });
});
