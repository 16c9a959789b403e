import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS, type SettingSpec } from '../../shared/config.js';
import { NOTIFY_SETTINGS } from '../../shared/notify/config.js';
import { NOTIFY_VALUES, ROOT, appSettings, mainDefaults, mainFull, onlyResource, type Snapshot } from './deployments.js';

const CATALOG: readonly SettingSpec[] = [...SETTINGS, ...NOTIFY_SETTINGS];

/** Settings the Functions host reads that are not ours (not in the catalog). */
const HOST_SETTINGS = new Set([
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
]);

const inAzure = (s: SettingSpec): boolean => !s.localOnly;
/** An ARM expression the snapshot could not evaluate offline (it depends on a deployed resource or the cloud). */
const isExpression = (v: string): boolean => v.startsWith('[') && v.endsWith(']');
/** `reference('<id of the app identity>', ...).clientId`. */
const APP_CLIENT_ID = /reference\('[^']*\/userAssignedIdentities\/id-auditor-[a-z0-9]+'[^)]*\)\.clientId/;

let defaults: Snapshot;
let full: Snapshot;
let written: Record<string, string>;
let writtenFull: Record<string, string>;

beforeAll(() => {
  defaults = mainDefaults();
  full = mainFull();
  written = appSettings(defaults);
  writtenFull = appSettings(full);
});

describe('app settings the compiled infra writes vs the settings catalog', () => {
  it('finds the app settings of the Function App', () => {
    expect(Object.keys(written).length).toBeGreaterThan(20);
    expect(Object.keys(writtenFull).length).toBeGreaterThan(Object.keys(written).length);
  });

  it('every required setting is written with only the required parameters', () => {
    for (const s of CATALOG.filter((x) => x.required && inAzure(x))) expect(Object.keys(written), s.name).toContain(s.name);
  });

  it('AUDITOR_NIGHTLY_SCHEDULE is set (the timer binding reads %AUDITOR_NIGHTLY_SCHEDULE%, no host default)', () => {
    expect(written.AUDITOR_NIGHTLY_SCHEDULE).toBe('0 0 2 * * *');
  });

  it('every key written is in the catalog or a known host setting', () => {
    const known = new Set([...CATALOG.map((s) => s.name), ...HOST_SETTINGS]);
    expect(Object.keys(writtenFull).filter((k) => !known.has(k))).toEqual([]);
  });

  it('no local-only setting is written (e.g. the AUDITOR_STORAGE connection string)', () => {
    const localOnly = new Set(CATALOG.filter((s) => s.localOnly).map((s) => s.name));
    expect(Object.keys(writtenFull).filter((k) => localOnly.has(k))).toEqual([]);
  });

  it('secrets are only Key Vault references to our vault, and Key Vault references only hold secrets', () => {
    const vault = onlyResource(full, 'Microsoft.KeyVault/vaults').name;
    const secrets = CATALOG.filter((s) => s.secret && inAzure(s)).map((s) => s.name);
    expect(secrets.length).toBeGreaterThan(0);
    for (const name of secrets) {
      expect(writtenFull[name], name).toMatch(new RegExp(`^@Microsoft\\.KeyVault\\(VaultName=${vault};SecretName=[a-z0-9-]+\\)$`));
      expect(written[name], `${name} without notifyTeams/notifySmtp`).toBeUndefined();
    }
    for (const [k, v] of Object.entries(writtenFull)) if (!secrets.includes(k)) expect(v, k).not.toContain('@Microsoft.KeyVault(');
  });

  it('empty optional notification parameters are not written (the code default applies); given ones are', () => {
    for (const [param, value] of Object.entries(NOTIFY_VALUES)) {
      const key = Object.entries(writtenFull).find(([, v]) => v === value)?.[0];
      expect(key, `parameter ${param}`).toBeDefined();
      // AUDITOR_FINDINGS_URL has an infra default instead: the app's own findings page (next test).
      if (key === 'AUDITOR_FINDINGS_URL') continue;
      expect(written[key!], `${key} with ${param} empty`).toBeUndefined();
    }
  });

  it('AUDITOR_FINDINGS_URL defaults to the Function App\'s findings page (route findings/view); a given findingsUrl wins', () => {
    expect(written.AUDITOR_FINDINGS_URL).toMatch(/^\[format\('https:\/\/\{0\}\/api\/findings\/view'.*defaultHostName/);
    expect(writtenFull.AUDITOR_FINDINGS_URL).not.toContain('defaultHostName');
  });

  it('the findings page\'s sign-in settings are written: tenant, app registration and readers', () => {
    expect(written.AUDITOR_AUTH_TENANT_ID).toMatch(/^(\[.*tenantId.*\]|[0-9a-f-]{36})$/);
    expect(Object.keys(written)).toEqual(expect.arrayContaining(['AUDITOR_AUTH_CLIENT_ID', 'AUDITOR_FINDINGS_READERS']));
  });

  it('every setting the code reads in Azure is set by infra or documented as optional in docs/deploy.md', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    // The list under "Optional settings infra does not write", up to the next paragraph that is not a list item.
    const section = /Optional settings infra does not write[^\n]*\n\n((?:- [^\n]*\n(?: {2,}[^\n]*\n)*)+)/.exec(docs)?.[1] ?? '';
    const missing = CATALOG.filter(inAzure).filter((s) => !(s.name in writtenFull) && !section.includes(`\`${s.name}\``)).map((s) => s.name);
    expect(missing).toEqual([]);
  });

  it('identity-based connections: host storage, our storage and Application Insights use the user-assigned identity', () => {
    const storage = onlyResource(defaults, 'Microsoft.Storage/storageAccounts');
    expect(written.AzureWebJobsStorage__accountName).toBe(storage.name);
    expect(written.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(written.AUDITOR_STORAGE__credential).toBe('managedidentity');
    for (const k of ['AzureWebJobsStorage__clientId', 'AUDITOR_STORAGE__clientId', 'AZURE_CLIENT_ID', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING']) expect(written[k], k).toMatch(APP_CLIENT_ID);
    expect(written.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toMatch(/^\[format\('ClientId=\{0\};Authorization=AAD'/);
    expect(written.AUDITOR_STORAGE__queueServiceUri).toMatch(new RegExp(`storageAccounts/${storage.name}'[^)]*\\)\\.primaryEndpoints\\.queue\\]$`));
    expect(written.AUDITOR_STORAGE__tableServiceUri).toMatch(new RegExp(`storageAccounts/${storage.name}'[^)]*\\)\\.primaryEndpoints\\.table\\]$`));
    expect(Object.keys(written)).not.toContain('AzureWebJobsStorage');
    // Flex Consumption: the runtime is functionAppConfig.runtime, not app settings.
    expect(Object.keys(written)).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    expect(Object.keys(written)).not.toContain('FUNCTIONS_EXTENSION_VERSION');
  });

  it('defaults written by infra equal the catalog defaults', () => {
    const checked: string[] = [];
    for (const [key, value] of Object.entries(written)) {
      const spec = CATALOG.find((s) => s.name === key);
      if (key === 'AUDITOR_APPROVED_REGISTRIES') continue; // the required parameter, given
      if (spec?.default === undefined || isExpression(value)) continue; // derived from the cloud (environment()) or a resource
      checked.push(key);
      expect(value, key).toBe(spec.default);
    }
    expect(checked.length).toBeGreaterThan(8);
  });

  it('every %SETTING% binding expression in host.json and functions/ is set by infra', () => {
    const sources = [readFileSync(join(ROOT, 'host.json'), 'utf8')];
    const dir = join(ROOT, 'functions');
    if (existsSync(dir)) for (const f of readdirSync(dir).filter((n) => /\.[cm]?[jt]s$/.test(n))) sources.push(readFileSync(join(dir, f), 'utf8'));
    const refs = new Set(sources.flatMap((s) => [...s.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((m) => m[1]!)));
    for (const r of refs) expect(Object.keys(written), `%${r}%`).toContain(r);
  });
});
