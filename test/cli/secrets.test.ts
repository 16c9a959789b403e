/**
 * What `acr-auditor audit` prints never holds a planted secret (issue 10, item 7): every setting of the
 * catalog, each planted value, the whole output (stdout and stderr) of a real run against the emulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import { demoEstate, DEMO_APPROVED_REGISTRIES } from '../../estates/demo.js';
import { ConfigError } from '../../shared/config.js';
import { loadSettings } from '../../shared/host.js';
import { ALL_SETTINGS } from '../../shared/settingsCatalog.js';
import { MARK, PLANTED } from '../config.planted.js';
import { cliEnvironment } from '../support/cli.js';
const NOW = '2026-11-22T02:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-secrets-'));
const estateFile = join(dir, 'estate.json');
writeFileSync(estateFile, JSON.stringify(demoEstate(new Date(NOW))));

describe('acr-auditor audit with a planted secret in any setting', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** Runs `acr-auditor audit` with one setting planted; the whole output and the exit code. */
  async function audit(setting: string, value: string): Promise<{ code: number; printed: string; err: string }> {
    const env = { ...process.env };
    process.env[setting] = value;
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false };
    try {
      const code = await main(['audit', '--estate', estateFile, '--format', 'json', '--now', NOW], io);
      return { code, printed: [...out, ...err].join('\n'), err: err.join('\n') };
    } finally {
      process.env = env;
    }
  }

  it('a rejected setting exits 2 naming the setting, and never prints the secret', { timeout: 120_000 }, async () => {
    let rejected = 0;
    for (const setting of ALL_SETTINGS) {
      for (const [kind, value] of Object.entries(PLANTED)) {
        if (!rejects(setting.name, value)) continue;
        const r = await audit(setting.name, value);
        rejected++;
        expect(r.code, `${setting.name} <- ${kind}`).toBe(2);
        expect(r.err, `${setting.name} <- ${kind}`).toContain(setting.name);
        expect(r.printed, `${setting.name} <- ${kind}`).not.toContain(MARK);
      }
    }
    expect(rejected).toBeGreaterThan(ALL_SETTINGS.length * 3);
  });

  it('an accepted value runs the whole audit and is not printed either (one planted value per setting)', { timeout: 120_000 }, async () => {
    let runs = 0;
    for (const setting of ALL_SETTINGS) {
      // A well-formed storage connection string makes the run reach the real storage account: the storage
      // error path is covered with a loopback Azurite in storageErrors.test.ts.
      if (setting.name === 'AUDITOR_STORAGE') continue;
      const accepted = Object.entries(PLANTED).find(([, v]) => !rejects(setting.name, v) && !/core\.windows\.net/.test(v));
      if (!accepted) continue;
      const r = await audit(setting.name, accepted[1]);
      runs++;
      expect(r.code, `${setting.name} <- ${accepted[0]}: ${r.err}`).toBe(0);
      expect(r.printed, `${setting.name} <- ${accepted[0]}`).not.toContain(MARK);
    }
    expect(runs).toBeGreaterThan(3);
  });
});

function rejects(name: string, value: string): boolean {
  try {
    loadSettings({ AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), [name]: value });
    return false;
  } catch (e) {
    if (e instanceof ConfigError) return true;
    throw e;
  }
}
