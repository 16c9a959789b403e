/**
 * The standalone emulator: an UNMODIFIED process (no agent option) reaches it through HTTPS_PROXY
 * (the CONNECT proxy) + NODE_EXTRA_CA_CERTS + IDENTITY_ENDPOINT/IDENTITY_HEADER.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { startStandalone } from '../../emulator/main.js';
import { aRegistry, SUB_A, TENANT } from './builders.js';

const run = promisify(execFile);
let dir: string | undefined;
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

it('serves an unmodified SDK process through HTTPS_PROXY', async () => {
  dir = await mkdtemp(join(tmpdir(), 'emu-'));
  const estateFile = join(dir, 'estate.json');
  await writeFile(estateFile, JSON.stringify({ tenantId: TENANT, subscriptions: [{ subscriptionId: SUB_A, displayName: 'prod' }], resources: [aRegistry({ name: 'contoso' })] }));
  const s = await startStandalone(['--estate', estateFile, '--ca-file', join(dir, 'ca.pem')]);
  try {
    expect(s.lines.join('\n')).toContain('HTTPS_PROXY=http://127.0.0.1:');
    const script = `
      import { ManagedIdentityCredential } from '@azure/identity';
      import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
      const c = new ContainerRegistryManagementClient(new ManagedIdentityCredential(), '${SUB_A}');
      const r = await c.registries.get('rg-acr', 'contoso');
      console.log(r.loginServer);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(), timeout: 20_000,
      env: { ...process.env, HTTPS_PROXY: `http://127.0.0.1:${s.proxy.port}`, NO_PROXY: '127.0.0.1,localhost', NODE_EXTRA_CA_CERTS: s.caFile,
             IDENTITY_ENDPOINT: s.emulator.identityEndpoint, IDENTITY_HEADER: s.emulator.identityHeader },
    });
    expect(stdout.trim()).toBe('contoso.azurecr.io');
    expect(s.emulator.calls().arm).toBe(1);
  } finally {
    await s.close();
  }
});
