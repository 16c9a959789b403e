import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTINGS } from '../shared/config.js';
import { ALL_SETTINGS, renderLocalSettingsExample } from '../shared/settingsCatalog.js';
import { readmeWithSettings } from '../scripts/docs.js';
import { loadSettings } from '../shared/host.js';
import { problemsOf } from './support/config.js';

const problems = (env: Record<string, string>): string[] => problemsOf(() => loadConfig(env));

describe('configuration', () => {
  it('defaults are valid and complete', () => {
    const c = loadConfig({ AUDITOR_APPROVED_REGISTRIES: 'contoso*.azurecr.io' });
    expect(c.params.staleAfterDays).toBe(90);
    expect(c.params.adminLookbackDays).toBe(30);
    expect(c.subscriptionIds).toEqual([]);
    expect(c.storage).toEqual({ kind: 'none' });
    expect(c.findingsTable).toBe('findings');
    expect(c.cloud).toMatchObject({ armEndpoint: 'https://management.azure.com', acrAudience: 'https://containerregistry.azure.net', logsEndpoint: 'https://api.loganalytics.io/v1' });
    expect(c.warnings).toEqual([]);
  });

  it('an empty approved list is legal but warned about', () => {
    expect(loadConfig({}).warnings[0]).toMatch(/AUDITOR_APPROVED_REGISTRIES is empty/);
  });

  it('names every bad setting at once', () => {
    const p = problems({
      AUDITOR_APPROVED_REGISTRIES: 'contoso*.azurecr.io,*.io,bad_label.azurecr.io',
      AUDITOR_STALE_AFTER_DAYS: '0',
      AUDITOR_ADMIN_LOOKBACK_DAYS: 'thirty',
      AUDITOR_SUBSCRIPTION_IDS: 'not-a-guid',
      AUDITOR_STALE_OVERRIDES: 'base/*=30,oops',
      AUDITOR_FINDINGS_TABLE: '1-bad',
      AUDITOR_ARM_ENDPOINT: 'http://management.azure.com',
      AUDITOR_LOGS_ENDPOINT: 'https://api.loganalytics.io',
      AUDITOR_WAIVERS: '[{"id":"W1"}]',
    });
    const text = p.join('\n');
    for (const name of ['AUDITOR_APPROVED_REGISTRIES', 'AUDITOR_STALE_AFTER_DAYS', 'AUDITOR_ADMIN_LOOKBACK_DAYS', 'AUDITOR_SUBSCRIPTION_IDS', 'AUDITOR_STALE_OVERRIDES', 'AUDITOR_FINDINGS_TABLE', 'AUDITOR_ARM_ENDPOINT', 'AUDITOR_LOGS_ENDPOINT', 'AUDITOR_WAIVERS']) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/\*\.io.*last two labels/);
    expect(text).toMatch(/bad_label/);
  });

  it('never echoes a storage connection string', () => {
    const secret = 'DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0';
    const p = problems({ AUDITOR_STORAGE: secret, AUDITOR_STORAGE__tableServiceUri: 'https://x.table.core.windows.net' });
    expect(p.join('\n')).not.toContain('c2VjcmV0');
  });

  it('identity-based storage needs both service URIs', () => {
    const p = problems({ AUDITOR_STORAGE__queueServiceUri: 'https://acct.queue.core.windows.net' });
    expect(p.join('\n')).toMatch(/AUDITOR_STORAGE__tableServiceUri: required/);
    const ok = loadConfig({ AUDITOR_STORAGE__queueServiceUri: 'https://a.queue.core.windows.net', AUDITOR_STORAGE__tableServiceUri: 'https://a.table.core.windows.net', AZURE_CLIENT_ID: '11111111-2222-4333-8444-555555555555' });
    expect(ok.storage).toMatchObject({ kind: 'identity', clientId: '11111111-2222-4333-8444-555555555555' });
  });

  it('every setting is documented once, and the README table and local.settings.example.json are current', () => {
    const names = ALL_SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SETTINGS) expect(s.description.length, s.name).toBeGreaterThan(10);
    const readme = readFileSync('README.md', 'utf8');
    expect(readme === readmeWithSettings(readme), 'README settings table is stale: run `npm run docs`').toBe(true);
    expect(readFileSync('local.settings.example.json', 'utf8') === renderLocalSettingsExample(), 'local.settings.example.json is stale: run `npm run docs`').toBe(true);
  });

  it('core and notification settings are validated together: one error names both', () => {
    let err: unknown;
    try {
      loadSettings({ AUDITOR_STALE_AFTER_DAYS: 'ninety', AUDITOR_ALERT_MIN_SEVERITY: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.join('\n');
    expect(text).toContain('AUDITOR_STALE_AFTER_DAYS');
    expect(text).toContain('AUDITOR_ALERT_MIN_SEVERITY');
  });

  it('an undefined override does not hide the environment value', () => {
    const s = loadSettings({ AUDITOR_STALE_AFTER_DAYS: '30' }, { AUDITOR_STALE_AFTER_DAYS: undefined });
    expect(s.config.params.staleAfterDays).toBe(30);
  });
});
