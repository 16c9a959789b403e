/**
 * Issue 18 item 1: ACR tokens cached by scope. Against the emulator's per-service counters, listing a
 * registry of N repositories costs its data calls plus one refresh-token exchange and one access token
 * per scope, with no 401 re-challenge per call, whatever the concurrency; tokens are refreshed ahead of
 * their `exp`, and a token the registry refuses falls back to the SDK's challenge and is replaced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { RegistryDataPlane } from '../../shared/inventory/registryDataPlane.js';
import { acrCallOf } from '../../shared/inventory/acrTokens.js';
import { ScopeReadError } from '../../shared/inventory/errors.js';
import { mapLimit } from '../../shared/util/concurrency.js';
import { observeHttp } from '../../bench/stats.js';
import { aManifest, aRegistry, anEstate } from '../emulator/builders.js';
import { emulatorConnection } from '../emulator/connection.js';

const HOST = 'contoso.azurecr.io';
/** The nightly's page size (listManifests) and its per-shard concurrency. */
const PAGE = 1000;
const CONCURRENCY = 8;

let emu: RunningEmulator | undefined;
let stopObserving: (() => void) | undefined;
afterEach(async () => {
  stopObserving?.();
  await emu?.close();
  emu = undefined;
});

type Seen = { method: string; path: string; status?: number };

async function start(repositories: Record<string, number>, emulator: Record<string, unknown> = {}) {
  let i = 0;
  const estate = anEstate({
    resources: [aRegistry({ name: 'contoso' })],
    registryContent: {
      [HOST]: { repositories: Object.fromEntries(Object.entries(repositories).map(([name, n]) => [name, { manifests: Array.from({ length: n }, () => aManifest(i++)) }])) },
    },
    emulator,
  });
  emu = await startEmulator({ estate });
  const conn = emulatorConnection(emu);
  const seen: Seen[] = [];
  stopObserving = observeHttp((r) => { if (r.host === HOST) seen.push({ method: r.method, path: r.path, ...(r.status !== undefined ? { status: r.status } : {}) }); });
  return { emu, conn, seen };
}

function tally(seen: Seen[]) {
  return {
    challenges: seen.filter((s) => s.status === 401).length,
    exchanges: seen.filter((s) => s.path === '/oauth2/exchange').length,
    tokens: seen.filter((s) => s.path === '/oauth2/token').length,
    data: seen.filter((s) => !s.path.startsWith('/oauth2/') && s.status !== 401).length,
  };
}

/** What the nightly does per registry: the catalog, then each repository's manifests, 8 at a time. */
async function listAll(dp: RegistryDataPlane): Promise<number> {
  const repos: string[] = [];
  for await (const r of dp.listRepositories(HOST)) repos.push(r);
  let manifests = 0;
  await mapLimit(repos, CONCURRENCY, async (repo) => {
    for await (const _ of dp.listManifests(HOST, repo)) manifests++;
  });
  return manifests;
}

describe('ACR tokens are cached by scope (issue 18)', () => {
  it('derives the scope ACR challenges for each data-plane read', () => {
    expect(acrCallOf('GET', '/acr/v1/_catalog')).toEqual({ kind: 'catalog', name: 'catalog' });
    expect(acrCallOf('GET', '/acr/v1/team%2Fweb/_manifests')).toEqual({ kind: 'metadata', name: 'team/web' });
    expect(acrCallOf('GET', '/acr/v1/team/web/_manifests/sha256:ab')).toEqual({ kind: 'metadata', name: 'team/web' });
    expect(acrCallOf('GET', '/acr/v1/team%2Fweb')).toEqual({ kind: 'metadata', name: 'team/web' });
    expect(acrCallOf('GET', '/v2/team/web/manifests/v1')).toEqual({ kind: 'content', name: 'team/web' });
    expect(acrCallOf('GET', '/v2/team/web/blobs/sha256:ab')).toEqual({ kind: 'content', name: 'team/web' });
    expect(acrCallOf('POST', '/oauth2/token')).toBeUndefined();
    expect(acrCallOf('DELETE', '/acr/v1/team/web')).toBeUndefined();
  });

  it('N repositories listed 8 at a time: N x (1 + pages) data calls + 1 exchange + 1 token per scope, no re-challenge', async () => {
    // 24 repositories: one of 2,500 manifests (3 pages), the rest of 1 to 5 manifests (1 page each).
    const repositories: Record<string, number> = { big: 2500 };
    for (let r = 0; r < 23; r++) repositories[`team/app${String(r).padStart(2, '0')}`] = 1 + (r % 5);
    const { emu, conn, seen } = await start(repositories);
    const dp = new RegistryDataPlane(conn);
    const n = Object.keys(repositories).length;
    const pages = Object.values(repositories).reduce((s, m) => s + Math.ceil(m / PAGE), 0);
    const manifests = Object.values(repositories).reduce((s, m) => s + m, 0);

    expect(await listAll(dp)).toBe(manifests);
    const catalogPages = 1;
    const bound = catalogPages + pages + 1 /* exchange */ + (1 + n) /* catalog + one per repository scope */;
    const first = tally(seen);
    expect(first).toEqual({ challenges: 0, exchanges: 1, tokens: 1 + n, data: catalogPages + pages });
    expect(emu.calls().registry).toBeLessThanOrEqual(bound);
    expect(emu.calls().registry).toBe(seen.length);

    // A second pass within the tokens' lifetime (another shard of the registry) costs only data calls.
    seen.length = 0;
    emu.resetCalls();
    expect(await listAll(dp)).toBe(manifests);
    expect(tally(seen)).toEqual({ challenges: 0, exchanges: 0, tokens: 0, data: catalogPages + pages });
    expect(emu.calls().registry).toBe(catalogPages + pages);
  });

  it('a repository the caller may not read is still a forbidden gap (the SDK challenge path), and costs nothing for the others', async () => {
    const { conn, seen } = await start({ open: 2, secret: 2 }, { forbidden: [`${HOST}/secret`] });
    const dp = new RegistryDataPlane(conn);
    const err = await (async () => { for await (const _ of dp.listManifests(HOST, 'secret')) { /* none */ } })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScopeReadError);
    expect((err as ScopeReadError).classified).toMatchObject({ kind: 'forbidden', status: 401 });
    seen.length = 0;
    let m = 0;
    for await (const _ of dp.listManifests(HOST, 'open')) m++;
    expect(m).toBe(2);
    expect(tally(seen)).toEqual({ challenges: 0, exchanges: 0, tokens: 1, data: 1 });
  });

  it('refreshes an access token ahead of its exp, and replaces one the registry refuses as expired', async () => {
    // Access tokens live 2 s at the registry; the cache's clock is ours to move.
    const { conn, seen } = await start({ app: 3 }, { registryTokenLifetimeSeconds: { access: 2 } });
    let skewMs = 0;
    const dp = new RegistryDataPlane(conn, { now: () => Date.now() + skewMs });
    const list = async () => { let k = 0; for await (const _ of dp.listManifests(HOST, 'app')) k++; return k; };

    expect(await list()).toBe(3);
    expect(tally(seen)).toEqual({ challenges: 0, exchanges: 1, tokens: 1, data: 1 });
    seen.length = 0;
    expect(await list()).toBe(3); // reused
    expect(tally(seen)).toEqual({ challenges: 0, exchanges: 0, tokens: 0, data: 1 });

    // Past the refresh margin (half of a 2 s lifetime) but before exp: a new token up front, no 401,
    // and the refresh token (3 h) is reused.
    skewMs = 1500;
    seen.length = 0;
    expect(await list()).toBe(3);
    expect(tally(seen)).toEqual({ challenges: 0, exchanges: 0, tokens: 1, data: 1 });

    // Our clock far behind the registry's: the cache still trusts a token the registry has expired.
    // The refusal (401) falls back to the SDK's challenge (its own exchange + token), and the refused
    // token is dropped, so the next call gets a fresh one from the cache.
    skewMs = -60_000;
    await new Promise((r) => setTimeout(r, 2200));
    seen.length = 0;
    expect(await list()).toBe(3);
    expect(tally(seen)).toEqual({ challenges: 1, exchanges: 1, tokens: 1, data: 1 });
    seen.length = 0;
    expect(await list()).toBe(3);
    expect(tally(seen)).toEqual({ challenges: 0, exchanges: 0, tokens: 1, data: 1 });
  });
});
