/**
 * Issue 15: the OCI 1.1 referrers API, served by the emulator and read by the real adapter through the SDK
 * client's pipeline (the ACR token cache applies: one access token for the repository's pull scope).
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { RegistryDataPlane } from '../../shared/inventory/registryDataPlane.js';
import { observeHttp } from '../../bench/stats.js';
import { NOTATION_SIGNATURE, NOTATION_THUMBPRINTS } from '../../shared/rules/supplyChain.js';
import { aManifest, aRegistry, anEstate, fakeDigest } from '../emulator/builders.js';
import { emulatorConnection } from '../emulator/connection.js';

const HOST = 'contoso.azurecr.io';
let emu: RunningEmulator | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await emu?.close();
  emu = undefined;
});

const signature = (i: number) => ({ digest: fakeDigest(`sig${i}`), artifactType: NOTATION_SIGNATURE, annotations: { [NOTATION_THUMBPRINTS]: JSON.stringify([`AB${i}`]) } });
/** More than one page of the emulator's default page size (100). */
const SIGNATURES = 120;
const sbom = { digest: fakeDigest('sbom'), artifactType: 'application/spdx+json' };

async function start() {
  const estate = anEstate({
    resources: [aRegistry({ name: 'contoso' })],
    registryContent: { [HOST]: { repositories: { 'team/api': { manifests: [aManifest(1, { referrers: [...Array.from({ length: SIGNATURES }, (_, i) => signature(i)), sbom] }), aManifest(2)] } } } },
  });
  emu = await startEmulator({ estate });
  const seen: Array<{ path: string; status?: number }> = [];
  stop = observeHttp((r) => { if (r.host === HOST) seen.push({ path: r.path, ...(r.status !== undefined ? { status: r.status } : {}) }); });
  return { plane: new RegistryDataPlane(emulatorConnection(emu)), emu, seen };
}

describe('referrers API (emulator + RegistryDataPlane)', () => {
  it('pages with Link rel=next, filters with OCI-Filters-Applied, 404s unknown digests, with one pull token for the repository', async () => {
    const { plane, seen } = await start();
    const responses: Array<{ path: string; headers: Record<string, unknown> }> = [];
    const channel = diagnostics_channel.channel('http.client.response.finish');
    const onResponse = (msg: unknown) => {
      const { request, response } = msg as { request: ClientRequest; response: IncomingMessage };
      if (request.path.includes('/referrers/')) responses.push({ path: request.path, headers: response.headers });
    };
    channel.subscribe(onResponse);
    try {
      const digest = fakeDigest('m1');
      const all = await plane.listReferrers(HOST, 'team/api', digest);
      expect(all).toHaveLength(SIGNATURES + 1);
      expect(all![0]).toEqual({ digest: fakeDigest('sig0'), mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: NOTATION_SIGNATURE, annotations: { [NOTATION_THUMBPRINTS]: '["AB0"]' } });
      expect(responses).toHaveLength(2);
      expect(responses[0]!.headers['content-type']).toBe('application/vnd.oci.image.index.v1+json');
      expect(String(responses[0]!.headers['link'])).toMatch(/^<\/v2\/team\/api\/referrers\/sha256:[0-9a-f]+\?last=sha256%3A[0-9a-f]+&n=100>; rel="next"$/);
      expect(responses[1]!.headers['link']).toBeUndefined();

      expect(await plane.listReferrers(HOST, 'team/api', digest, { artifactType: 'application/spdx+json' })).toEqual([{ digest: sbom.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json', annotations: {} }]);
      expect(responses[2]!.path).toContain('artifactType=application%2Fspdx%2Bjson');
      expect(responses[2]!.headers['oci-filters-applied']).toBe('artifactType');
      expect(await plane.listReferrers(HOST, 'team/api', fakeDigest('m2'))).toEqual([]);
      expect(await plane.listReferrers(HOST, 'team/api', fakeDigest('nope'))).toBeUndefined();
      expect(seen.filter((s) => s.path === '/oauth2/token')).toHaveLength(1);
      expect(seen.filter((s) => s.status === 401)).toHaveLength(0);
    } finally {
      channel.unsubscribe(onResponse);
    }
  });
});
