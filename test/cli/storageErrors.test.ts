/**
 * Storage errors are one clear line (issue 10, item 8a): a SAS connection string the account refuses
 * prints the setting, the status and the error code, never the service's XML and never the SAS.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import { demoEstate, DEMO_APPROVED_REGISTRIES } from '../../estates/demo.js';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { cliEnvironment } from '../support/cli.js';

const NOW = '2026-11-22T02:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-storage-'));
const estateFile = join(dir, 'estate.json');
writeFileSync(estateFile, JSON.stringify(demoEstate(new Date(NOW))));

describe('acr-auditor with a storage account that refuses the SAS', () => {
  let azurite: RunningAzurite;
  const saved = { ...process.env };
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.close();
  });
  beforeEach(() => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('prints one line naming AUDITOR_STORAGE, the status and the error code; no XML, no SAS; exit 2', async () => {
    const sas = 'sv=2021-08-06&ss=qt&srt=sco&sp=rwdlacup&se=2030-01-01T00:00:00Z&st=2020-01-01T00:00:00Z&spr=https,http&sig=PLANTEDBADSIGNATURE0000000000000000000000%3D';
    process.env.AUDITOR_STORAGE = `TableEndpoint=${azurite.tableEndpoint};QueueEndpoint=${azurite.queueEndpoint};SharedAccessSignature=${sas}`;
    const err: string[] = [];
    const out: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false };
    const code = await main(['audit', '--estate', estateFile, '--now', NOW], io);
    const printed = [...out, ...err].join('\n');
    expect(code, printed).toBe(2);
    const line = err.find((l) => l.startsWith('acr-auditor:'));
    expect(line, printed).toMatch(/^acr-auditor: AUDITOR_STORAGE: the storage account refused the request: 403 (AuthorizationFailure|AuthenticationFailed) \(check the (SAS|account key)/);
    expect(line!.split('\n')).toHaveLength(1);
    expect(printed).not.toContain('<?xml');
    expect(printed).not.toContain('<Error');
    expect(printed).not.toContain('PLANTEDBADSIGNATURE');
  });
});
