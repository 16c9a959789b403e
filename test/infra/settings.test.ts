import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS, type SettingSpec } from '../../shared/config.js';
import { NOTIFY_SETTINGS } from '../../shared/notify/config.js';
import { INFRA, ROOT, objectLiteralsOf, objectProperties, parseBicep, stringLiteral, variableNames, variableValue, type BicepFile } from './bicep.js';

const CATALOG: readonly SettingSpec[] = [...SETTINGS, ...NOTIFY_SETTINGS];

/** Settings the Functions host reads that are not ours (not in the catalog). */
const HOST_SETTINGS = new Set([
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
]);

interface Written {
  key: string;
  /** Source text of the value expression. */
  value: string;
  /** The variable it comes from. */
  from: string;
  where: string;
}

let main: BicepFile;
let functionApp: BicepFile;
let written: Written[];

function settingsOf(file: BicepFile): Written[] {
  const out: Written[] = [];
  for (const name of variableNames(file).filter((n) => n.endsWith('Settings'))) {
    const value = variableValue(file, name)!;
    for (const obj of objectLiteralsOf(value)) {
      for (const p of objectProperties(obj)) out.push({ key: p.key, value: p.value.text, from: name, where: `${file.path}:${p.line}` });
    }
  }
  return out;
}

beforeAll(async () => {
  main = await parseBicep(join(INFRA, 'main.bicep'));
  functionApp = await parseBicep(join(INFRA, 'modules', 'function-app.bicep'));
  written = [...settingsOf(main), ...settingsOf(functionApp)];
});

const inAzure = (s: SettingSpec): boolean => !s.localOnly;
const writtenKeys = (): Set<string> => new Set(written.map((w) => w.key));

describe('app settings written by infra vs the settings catalog', () => {
  it('collects the settings from the Bicep tree', () => {
    expect(written.length).toBeGreaterThan(20);
    const keys = written.map((w) => w.key);
    expect(new Set(keys).size, 'a setting is written twice').toBe(keys.length);
  });

  it('every *Settings variable reaches the Function App appsettings', () => {
    const config = /resource appSettings 'config' = \{[\s\S]*?properties: (.+)\n/.exec(functionApp.source)?.[1] ?? '';
    expect(config).toBe('union(hostSettings, auditorSettings)');
    const passed = /auditorSettings: (union\(.+\))\n/.exec(main.source)?.[1] ?? '';
    for (const name of variableNames(main).filter((n) => n.endsWith('Settings') && n !== 'notifyCandidateSettings')) {
      expect(passed, name).toContain(name);
    }
    expect(variableValue(main, 'notifySettings')?.text).toContain('notifyCandidateSettings');
  });

  it('every required setting is set unconditionally', () => {
    const unconditional = new Set(written.filter((w) => w.from === 'auditorSettings' || w.from === 'hostSettings').map((w) => w.key));
    for (const s of CATALOG.filter((x) => x.required && inAzure(x))) expect(unconditional, s.name).toContain(s.name);
  });

  it('AUDITOR_NIGHTLY_SCHEDULE is set (the timer binding reads %AUDITOR_NIGHTLY_SCHEDULE%, no host default)', () => {
    expect(writtenKeys()).toContain('AUDITOR_NIGHTLY_SCHEDULE');
  });

  it('every key written is in the catalog or a known host setting', () => {
    const known = new Set([...CATALOG.map((s) => s.name), ...HOST_SETTINGS]);
    const unknown = written.filter((w) => !known.has(w.key)).map((w) => `${w.where} ${w.key}`);
    expect(unknown).toEqual([]);
  });

  it('no local-only setting is written (e.g. the AUDITOR_STORAGE connection string)', () => {
    const localOnly = new Set(CATALOG.filter((s) => s.localOnly).map((s) => s.name));
    expect(written.filter((w) => localOnly.has(w.key)).map((w) => w.key)).toEqual([]);
  });

  it('secrets are only Key Vault references, and Key Vault references only hold secrets', () => {
    const secrets = new Set(CATALOG.filter((s) => s.secret).map((s) => s.name));
    for (const w of written) {
      const isRef = /^'@Microsoft\.KeyVault\(VaultName=[^;]+;SecretName=[^)]+\)'$/.test(w.value);
      if (secrets.has(w.key)) expect(isRef, `${w.where} ${w.key} = ${w.value}`).toBe(true);
      else expect(w.value, `${w.where} ${w.key}`).not.toContain('@Microsoft.KeyVault(');
    }
  });

  it('every setting the code reads in Azure is set by infra or documented as optional in docs/deploy.md', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    // The list under "Optional settings infra does not write", up to the next paragraph that is not a list item.
    const section = /Optional settings infra does not write[^\n]*\n\n((?:- [^\n]*\n(?: {2,}[^\n]*\n)*)+)/.exec(docs)?.[1] ?? '';
    const keys = writtenKeys();
    const missing = CATALOG.filter(inAzure).filter((s) => !keys.has(s.name) && !section.includes(`\`${s.name}\``)).map((s) => s.name);
    expect(missing).toEqual([]);
  });

  it('identity-based connections: host storage, our storage and Application Insights use the user-assigned identity', () => {
    const value = (k: string): string | undefined => written.find((w) => w.key === k)?.value;
    expect(value('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(value('AUDITOR_STORAGE__credential')).toBe("'managedidentity'");
    expect(value('AzureWebJobsStorage__clientId')).toBe('identityClientId');
    expect(value('AUDITOR_STORAGE__clientId')).toBe('identities.outputs.appClientId');
    expect(value('AZURE_CLIENT_ID')).toBe('identities.outputs.appClientId');
    expect(value('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe("'ClientId=${identityClientId};Authorization=AAD'");
    expect(writtenKeys()).not.toContain('AzureWebJobsStorage');
    // Flex Consumption: the runtime is functionAppConfig.runtime, not app settings.
    expect(writtenKeys()).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    expect(writtenKeys()).not.toContain('FUNCTIONS_EXTENSION_VERSION');
  });

  it('defaults written by infra match the catalog defaults', () => {
    const params = new Map<string, string>();
    for (const decl of main.root.namedChildren.filter((d) => d.type === 'parameter_declaration')) {
      const kids = decl.namedChildren;
      const def = kids[kids.length - 1];
      if (kids.length >= 3 && def) params.set(kids[0]!.text, stringLiteral(def) ?? def.text);
    }
    const checked: string[] = [];
    for (const w of written) {
      const spec = CATALOG.find((s) => s.name === w.key);
      if (spec?.default === undefined) continue;
      const m = /^(?:string\()?(\w+)\)?$/.exec(w.value);
      const literal = /^'([^'$]*)'$/.exec(w.value)?.[1];
      const actual = literal ?? (m && params.has(m[1]!) ? params.get(m[1]!) : undefined);
      if (actual === undefined) continue; // derived from the cloud (environment()) or another resource
      if (actual === '' && w.from === 'notifyCandidateSettings') continue; // empty: not written, the code default applies
      checked.push(w.key);
      expect(actual, w.key).toBe(spec.default);
    }
    expect(checked.length).toBeGreaterThan(8);
  });

  it('every %SETTING% binding expression in host.json and functions/ is set by infra', () => {
    const sources = [readFileSync(join(ROOT, 'host.json'), 'utf8')];
    const dir = join(ROOT, 'functions');
    if (existsSync(dir)) for (const f of readdirSync(dir).filter((n) => /\.[cm]?[jt]s$/.test(n))) sources.push(readFileSync(join(dir, f), 'utf8'));
    const refs = new Set(sources.flatMap((s) => [...s.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((m) => m[1]!)));
    for (const r of refs) expect(writtenKeys(), `%${r}%`).toContain(r);
  });
});
