/**
 * Configuration: the ONLY reader of process.env. Every setting is declared once in `SETTINGS`
 * (name, description, default, where it matters); `loadConfig` validates all of them at once and
 * throws one `ConfigError` listing every problem. Secrets are never echoed in messages.
 */
import { PatternError } from './domain/patterns.js';
import { isSeverity, type Severity } from './domain/severity.js';
import { ruleParams, type RuleParams } from './rules/params.js';
import { TABLES } from './names.js';
import type { WaiverSpec } from './findings/waivers.js';

export interface SettingSpec {
  name: string;
  description: string;
  /** Shown in docs; `undefined` = no default. */
  default?: string;
  required?: boolean;
  secret?: boolean;
  /** Who reads it: `app` (our code), `host` (Functions host binding expression / connection). */
  readBy: 'app' | 'host' | 'app+host';
  /** Only used outside Azure (CLI, demo, local Functions). */
  localOnly?: boolean;
  example?: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  { name: 'AUDITOR_APPROVED_REGISTRIES', readBy: 'app', default: '', example: 'contoso*.azurecr.io,mcr.microsoft.com',
    description: 'Comma-separated approved login servers; `*` matches inside one label (contoso*.azurecr.io). Empty: no registry is approved, so registry.approved and workload.image-from-approved-registry fail everywhere (a warning says so).' },
  { name: 'AUDITOR_APPROVED_BASE_IMAGES', readBy: 'app', default: '', example: 'mcr.microsoft.com/azurelinux/*',
    description: 'Comma-separated approved base images (registry/repository, `*` wildcard). Empty: image.base-approved is not applicable.' },
  { name: 'AUDITOR_STALE_AFTER_DAYS', readBy: 'app', default: '90', description: 'Age in days after which a tagged image or a running image is stale.' },
  { name: 'AUDITOR_STALE_OVERRIDES', readBy: 'app', default: '', example: 'base/*=30,tools/*=365',
    description: 'Per-repository stale limits: comma-separated `repositoryPattern=days`; the first match wins.' },
  { name: 'AUDITOR_ADMIN_LOOKBACK_DAYS', readBy: 'app', default: '30', description: 'Window of login events searched for admin-account use.' },
  { name: 'AUDITOR_SUBSCRIPTION_IDS', readBy: 'app', default: '', description: 'Comma-separated subscription ids to audit. Empty: every subscription the identity can read.' },
  { name: 'AUDITOR_STORAGE', readBy: 'app+host', secret: true, localOnly: true,
    description: 'Storage connection string (Azurite or local use). In Azure use the identity-based AUDITOR_STORAGE__* settings instead.' },
  { name: 'AUDITOR_STORAGE__tableServiceUri', readBy: 'app', example: 'https://<account>.table.core.windows.net',
    description: 'Table service URI for identity-based access (managed identity).' },
  { name: 'AUDITOR_STORAGE__queueServiceUri', readBy: 'app+host', example: 'https://<account>.queue.core.windows.net',
    description: 'Queue service URI for identity-based access; also the connection of the queue triggers.' },
  { name: 'AUDITOR_STORAGE__credential', readBy: 'host', default: 'managedidentity', description: 'Tells the Functions host to use a managed identity for the AUDITOR_STORAGE connection.' },
  { name: 'AUDITOR_STORAGE__clientId', readBy: 'host', description: 'Client id of the user-assigned identity the host uses for AUDITOR_STORAGE.' },
  { name: 'AUDITOR_FINDINGS_TABLE', readBy: 'app', default: TABLES.findings, description: 'Table holding findings and their history.' },
  { name: 'AUDITOR_NIGHTLY_SCHEDULE', readBy: 'host', default: '0 0 2 * * *', description: 'NCRONTAB (with seconds) of the nightly estate audit, UTC.' },
  { name: 'AUDITOR_REGISTRY_CACHE_SECONDS', readBy: 'app', default: '60',
    description: 'Push-time cache of a registry\'s ARM state; bounds how old a registry\'s settings may be when an image push is audited (0 disables).' },
  { name: 'AUDITOR_CONCURRENCY', readBy: 'app', default: '8', description: 'Parallel Azure calls per audit shard (bounded).' },
  { name: 'AUDITOR_WAIVERS', readBy: 'app', default: '[]',
    description: 'JSON array of waivers: {"id","ruleId","resource"(ARM id or login server glob),"subject"?,"reason","expiresAt"?}. Waived findings are kept as suppressed.' },
  { name: 'AZURE_CLIENT_ID', readBy: 'app', description: 'Client id of the user-assigned managed identity (Azure SDK convention).' },
  { name: 'AUDITOR_ARM_ENDPOINT', readBy: 'app', default: 'https://management.azure.com', description: 'Azure Resource Manager endpoint (sovereign clouds: e.g. https://management.chinacloudapi.cn).' },
  { name: 'AUDITOR_ARM_SCOPE', readBy: 'app', default: 'https://management.azure.com/.default', description: 'Token scope for ARM and Resource Graph.' },
  { name: 'AUDITOR_AUTHORITY_HOST', readBy: 'app', default: 'https://login.microsoftonline.com', description: 'Microsoft Entra authority host.' },
  { name: 'AUDITOR_ACR_AUDIENCE', readBy: 'app', default: 'https://containerregistry.azure.net', description: 'Audience of ACR data-plane tokens.' },
  { name: 'AUDITOR_LOGS_ENDPOINT', readBy: 'app', default: 'https://api.loganalytics.io/v1', description: 'Log Analytics query endpoint (ends in /v1).' },
  { name: 'AUDITOR_LOGS_SCOPE', readBy: 'app', default: 'https://api.loganalytics.io/.default', description: 'Token scope for Log Analytics queries.' },
  { name: 'AUDITOR_PORTAL_URL', readBy: 'app', default: 'https://portal.azure.com', description: 'Azure portal base URL used in links.' },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; queueServiceUri: string; clientId?: string }
  | { kind: 'none' };

export interface CloudConfig {
  armEndpoint: string;
  armScope: string;
  authorityHost: string;
  acrAudience: string;
  logsEndpoint: string;
  logsScope: string;
  portalUrl: string;
}

export type Waiver = WaiverSpec;

export interface AuditorConfig {
  params: RuleParams;
  /** Valid but probably unintended settings, to show the user. */
  warnings: string[];
  /** The raw strings, for display. */
  approvedRegistries: string[];
  subscriptionIds: string[];
  storage: StorageConfig;
  findingsTable: string;
  registryCacheSeconds: number;
  concurrency: number;
  waivers: Waiver[];
  managedIdentityClientId?: string;
  cloud: CloudConfig;
}

type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function defaultOf(name: string): string | undefined {
  return SETTINGS.find((s) => s.name === name)?.default;
}

/** Reads and validates every setting; throws one ConfigError naming each bad or missing setting. */
export function loadConfig(env: Env = process.env, overrides: Env = {}): AuditorConfig {
  const get = (name: string): string | undefined => {
    const v = overrides[name] ?? env[name];
    return v === undefined || v.trim() === '' ? defaultOf(name) || undefined : v.trim();
  };
  const problems: string[] = [];

  const int = (name: string, min: number, max: number): number => {
    const raw = get(name) ?? defaultOf(name) ?? '';
    if (!/^-?\d+$/.test(raw)) {
      problems.push(`${name}: expected a whole number, got ${JSON.stringify(raw)}`);
      return Number.NaN;
    }
    const n = Number(raw);
    if (n < min || n > max) problems.push(`${name}: ${n} is outside ${min}..${max}`);
    return n;
  };
  const url = (name: string, opts: { allowLoopbackHttp?: boolean } = {}): string => {
    const raw = get(name) ?? '';
    try {
      const u = new URL(raw);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
      if (u.protocol !== 'https:' && !(opts.allowLoopbackHttp && loopback && u.protocol === 'http:')) {
        problems.push(`${name}: must be an https URL, got ${u.protocol}//${u.host}`);
      }
      return raw.replace(/\/+$/, '');
    } catch {
      problems.push(`${name}: not a URL: ${JSON.stringify(raw)}`);
      return raw;
    }
  };

  const approvedRegistries = list(get('AUDITOR_APPROVED_REGISTRIES'));
  const warnings: string[] = [];
  if (approvedRegistries.length === 0) {
    warnings.push('AUDITOR_APPROVED_REGISTRIES is empty: no registry is approved, so every registry and workload image fails the approved-registry rules');
  }
  const approvedBaseImages = list(get('AUDITOR_APPROVED_BASE_IMAGES'));
  const staleAfterDays = int('AUDITOR_STALE_AFTER_DAYS', 1, 3650);
  const adminLookbackDays = int('AUDITOR_ADMIN_LOOKBACK_DAYS', 1, 730);
  const staleOverrides: Array<{ repository: string; days: number }> = [];
  for (const entry of list(get('AUDITOR_STALE_OVERRIDES'))) {
    const m = /^([a-z0-9*._/-]+)=(\d{1,4})$/.exec(entry);
    if (!m) problems.push(`AUDITOR_STALE_OVERRIDES: ${JSON.stringify(entry)} is not repositoryPattern=days`);
    else staleOverrides.push({ repository: m[1]!, days: Number(m[2]) });
  }

  let params: RuleParams = ruleParams();
  try {
    // Validate each pattern on its own so that every bad one is named.
    for (const p of approvedRegistries) {
      try {
        ruleParams({ approvedRegistries: [p] });
      } catch (e) {
        problems.push(`AUDITOR_APPROVED_REGISTRIES: ${e instanceof PatternError ? e.message : String(e)}`);
      }
    }
    for (const p of approvedBaseImages) {
      try {
        ruleParams({ approvedBaseImages: [p] });
      } catch (e) {
        problems.push(`AUDITOR_APPROVED_BASE_IMAGES: ${e instanceof PatternError ? e.message : String(e)}`);
      }
    }
    if (!problems.length) {
      params = ruleParams({ approvedRegistries, approvedBaseImages, staleAfterDays, staleOverrides, adminLookbackDays });
    }
  } catch (e) {
    problems.push(`rule parameters: ${e instanceof Error ? e.message : String(e)}`);
  }

  const subscriptionIds = list(get('AUDITOR_SUBSCRIPTION_IDS')).map((s) => s.toLowerCase());
  for (const s of subscriptionIds) if (!GUID.test(s)) problems.push(`AUDITOR_SUBSCRIPTION_IDS: ${JSON.stringify(s)} is not a subscription id (GUID)`);

  let storage: StorageConfig = { kind: 'none' };
  const cs = get('AUDITOR_STORAGE');
  const tableUri = get('AUDITOR_STORAGE__tableServiceUri');
  const queueUri = get('AUDITOR_STORAGE__queueServiceUri');
  if (cs && (tableUri || queueUri)) {
    problems.push('AUDITOR_STORAGE: set either the connection string or the AUDITOR_STORAGE__* service URIs, not both');
  } else if (cs) {
    if (!/(^|;)\s*(AccountName|UseDevelopmentStorage|TableEndpoint|QueueEndpoint)=/i.test(cs)) {
      problems.push('AUDITOR_STORAGE: not a storage connection string (value not shown)');
    }
    storage = { kind: 'connectionString', connectionString: cs };
  } else if (tableUri || queueUri) {
    if (!tableUri) problems.push('AUDITOR_STORAGE__tableServiceUri: required with AUDITOR_STORAGE__queueServiceUri');
    if (!queueUri) problems.push('AUDITOR_STORAGE__queueServiceUri: required with AUDITOR_STORAGE__tableServiceUri');
    const t = tableUri ? url('AUDITOR_STORAGE__tableServiceUri', { allowLoopbackHttp: true }) : '';
    const q = queueUri ? url('AUDITOR_STORAGE__queueServiceUri', { allowLoopbackHttp: true }) : '';
    const clientId = get('AUDITOR_STORAGE__clientId') ?? get('AZURE_CLIENT_ID');
    storage = { kind: 'identity', tableServiceUri: t, queueServiceUri: q, ...(clientId ? { clientId } : {}) };
  }

  const findingsTable = get('AUDITOR_FINDINGS_TABLE') ?? TABLES.findings;
  if (!TABLE_NAME.test(findingsTable)) problems.push(`AUDITOR_FINDINGS_TABLE: ${JSON.stringify(findingsTable)} is not a valid table name (3-63 letters and digits, starting with a letter)`);

  const registryCacheSeconds = int('AUDITOR_REGISTRY_CACHE_SECONDS', 0, 3600);
  const concurrency = int('AUDITOR_CONCURRENCY', 1, 64);

  let waivers: Waiver[] = [];
  const rawWaivers = get('AUDITOR_WAIVERS') ?? '[]';
  try {
    const parsed: unknown = JSON.parse(rawWaivers);
    if (!Array.isArray(parsed)) throw new Error('expected a JSON array');
    waivers = parsed.map((w, i) => {
      const o = w as Record<string, unknown>;
      for (const k of ['id', 'ruleId', 'resource', 'reason']) {
        if (typeof o?.[k] !== 'string' || !(o[k] as string).trim()) throw new Error(`[${i}].${k}: required string`);
      }
      if (o.expiresAt !== undefined && (typeof o.expiresAt !== 'string' || Number.isNaN(Date.parse(o.expiresAt)))) {
        throw new Error(`[${i}].expiresAt: not an ISO date`);
      }
      if (o.subject !== undefined && typeof o.subject !== 'string') throw new Error(`[${i}].subject: must be a string`);
      return o as unknown as Waiver;
    });
  } catch (e) {
    problems.push(`AUDITOR_WAIVERS: ${e instanceof Error ? e.message : String(e)}`);
  }

  const clientId = get('AZURE_CLIENT_ID');
  if (clientId && !GUID.test(clientId)) problems.push('AZURE_CLIENT_ID: not a GUID');

  const cloud: CloudConfig = {
    armEndpoint: url('AUDITOR_ARM_ENDPOINT'),
    armScope: get('AUDITOR_ARM_SCOPE') ?? '',
    authorityHost: url('AUDITOR_AUTHORITY_HOST'),
    acrAudience: url('AUDITOR_ACR_AUDIENCE'),
    logsEndpoint: url('AUDITOR_LOGS_ENDPOINT'),
    logsScope: get('AUDITOR_LOGS_SCOPE') ?? '',
    portalUrl: url('AUDITOR_PORTAL_URL'),
  };
  for (const name of ['AUDITOR_ARM_SCOPE', 'AUDITOR_LOGS_SCOPE'] as const) {
    const v = get(name) ?? '';
    if (!/^https:\/\/[^\s]+\/\.default$/.test(v)) problems.push(`${name}: expected https://<resource>/.default, got ${JSON.stringify(v)}`);
  }
  if (!cloud.logsEndpoint.endsWith('/v1')) problems.push('AUDITOR_LOGS_ENDPOINT: must end in /v1');

  if (problems.length) throw new ConfigError(problems);
  return {
    params,
    warnings,
    approvedRegistries,
    subscriptionIds,
    storage,
    findingsTable,
    registryCacheSeconds,
    concurrency,
    waivers,
    ...(clientId ? { managedIdentityClientId: clientId } : {}),
    cloud,
  };
}

/** Severity setting helper for other configuration sections. */
export function parseSeverity(name: string, raw: string | undefined, fallback: Severity, problems: string[]): Severity {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (!isSeverity(v)) {
    problems.push(`${name}: expected one of informational, low, medium, high, critical; got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return v;
}
