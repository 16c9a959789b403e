/**
 * Configuration: the ONLY reader of process.env. Every setting is declared once in `SETTINGS`
 * (name, description, default, where it matters); `loadConfig` validates all of them at once and
 * throws one `ConfigError` listing every problem. Secrets are never echoed in messages.
 */
import { PatternError } from './domain/patterns.js';
import { RULE_IDS } from './rules/catalog.js';
import { isSeverity, type Severity } from './domain/severity.js';
import { DEFAULT_LOCKED_TAG_PATTERN, ruleParams, type RuleParams } from './rules/params.js';
import { compileTagPattern } from './domain/tagPatterns.js';
import { TABLES } from './names.js';
import { isRulePattern, rulePatternMatches, type RuleSelection } from './rules/selection.js';
import { RULE_PROFILES, type RuleProfile } from './rules/kit.js';
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
  { name: 'AUDITOR_VULN_MIN_SEVERITY', readBy: 'app', default: 'high',
    description: 'Lowest CVE severity (low, medium, high, critical) that makes image.vulnerabilities-resolved and workload.image-vulnerabilities-resolved fail; Resource Graph is filtered to it server side.' },
  { name: 'AUDITOR_VULN_GRACE_DAYS', readBy: 'app', default: 'critical=7,high=30', example: 'critical=7,high=30,medium=90',
    description: 'Grace period per severity: comma-separated `severity=days` counted from the CVE\'s publication; a CVE inside its grace period does not fail yet (severities not listed: no grace).' },
  { name: 'AUDITOR_VULN_INCLUDE_UNFIXED', readBy: 'app', default: 'false',
    description: 'true: CVEs without an available fix count too. Default false: only CVEs Defender reports with a fix (FixAvailable) count.' },
  { name: 'AUDITOR_ALLOWED_CAPABILITIES', readBy: 'app', default: '', example: 'NET_BIND_SERVICE',
    description: 'Comma-separated Linux capabilities a Container Instances container may add (securityContext.capabilities.add; CAP_ prefix optional). Empty: any added capability fails workload.not-privileged.' },
  { name: 'AUDITOR_SIGNATURE_REQUIRED', readBy: 'app', default: '', example: 'team/*,platform/*',
    description: 'Comma-separated repository patterns (`*` matches any run of characters, `/` included) whose tagged images must carry a Notary Project signature (image.signed, image.signed-by-approved-signer). Empty: the signing rules are not applicable and no referrers are read.' },
  { name: 'AUDITOR_SIGNATURE_GRACE_MINUTES', readBy: 'app', default: '30',
    description: 'Minutes after a push during which a missing signature is inconclusive, not a failure (Notation signs after the push); the nightly audit decides later.' },
  { name: 'AUDITOR_APPROVED_SIGNERS', readBy: 'app', default: '', example: 'B7A69A70992AE4F9FF103EBE04A2C3BA6C777E439253CE36562E6E98375068C3',
    description: 'Comma-separated SHA-256 certificate thumbprints (64 hex digits) of approved signers: a signature whose certificate chain includes one passes image.signed-by-approved-signer. Presence and signer identity only: signatures are not verified cryptographically. Empty: that rule is not applicable.' },
  { name: 'AUDITOR_LOCKED_TAG_PATTERNS', readBy: 'app', default: DEFAULT_LOCKED_TAG_PATTERN, example: 'v?\\d+\\.\\d+\\.\\d+,release-.+',
    description: 'Comma-separated patterns of the tags that must be locked (image.release-tags-locked: write and delete disabled). A regular-expression subset matched in linear time against the whole tag: literals, `.`, `\\d`, `\\w`, classes `[a-z]`, groups with `|`, and `?` `*` `+` (no `{m,n}`, look-arounds or back-references); at most 32 patterns of 128 characters. Default: semantic versions. `none`: no tag must be locked.' },
  { name: 'AUDITOR_UNTAGGED_MAX_DAYS', readBy: 'app', default: '30',
    description: 'registry.untagged-manifests-pruned: untagged manifests (images no tag points at) last updated more than this many days ago (1-3650) are dangling, unless the registry\'s retention policy purges them within that many days.' },
  { name: 'AUDITOR_PIN_POLICY', readBy: 'app', default: 'tag',
    description: 'How workload.image-pinned wants images pinned: `tag` (a tag other than latest, or a digest) or `digest` (a digest).' },
  { name: 'AUDITOR_PROFILE', readBy: 'app', default: 'baseline',
    description: 'Rule profile: `baseline` (the default) or `strict` (also the rules that are opinions: no public endpoint at all, private link, integrity and recovery settings). docs/rules.md lists each rule\'s profile.' },
  { name: 'AUDITOR_RULES_ENABLED', readBy: 'app', default: '', example: 'registry.private-link-used',
    description: 'Comma-separated rule ids or globs (`registry.*`) to run whatever their profile.' },
  { name: 'AUDITOR_RULES_DISABLED', readBy: 'app', default: '', example: 'registry.abac-permissions-enabled',
    description: 'Comma-separated rule ids or globs not to run (wins over the profile and AUDITOR_RULES_ENABLED; audit.scope-readable always runs). A disabled rule evaluates and resolves nothing: its open findings are kept as suppressed ("rule disabled").' },
  { name: 'AUDITOR_RETENTION_MAX_DAYS', readBy: 'app', default: '30',
    description: 'registry.retention-enabled: the longest retention (days, 0-365) of untagged manifests accepted before they are purged.' },
  { name: 'AUDITOR_TOKEN_MAX_DAYS', readBy: 'app', default: '90',
    description: 'registry.token-passwords-expire: the longest validity (days, 1-3650) of a repository-scoped token password, counted from its creation; a password without an expiry, or already expired on an enabled token, fails.' },
  { name: 'AUDITOR_TRUSTED_SUBSCRIPTIONS', readBy: 'app', default: '', example: '<subscription id>',
    description: 'Comma-separated subscription ids whose private endpoints may connect to a registry (registry.private-endpoints-trusted), besides the registry\'s own subscription and the subscriptions the nightly run audits (AUDITOR_SUBSCRIPTION_IDS, or every readable one when it is empty).' },
  { name: 'AUDITOR_REGISTRY_WRITERS', readBy: 'app', default: '', example: '<object id of the release pipeline identity>',
    description: 'Comma-separated principals allowed to push, delete or administer registry content (registry.push-access-restricted): Entra object ids, or patterns (`*` any run of characters, case-insensitive). Role assignments in Resource Graph carry object ids only, so a display-name pattern matches nothing there: list object ids. Empty: that rule is not applicable and role assignments are not read.' },
  { name: 'AUDITOR_APPROVED_PUSHERS', readBy: 'app', default: '', example: '<object id or user name of the release pipeline>',
    description: 'Comma-separated identities allowed to push images (image.pushed-by-approved-identity), as ACR records them (Event Grid actor.name, ContainerRegistryRepositoryEvents Identity: a user name, token name or Entra identity), or patterns (`*` any run of characters, case-insensitive). The nightly audit searches the pushes of the last AUDITOR_ADMIN_LOOKBACK_DAYS days. Empty: that rule is not applicable and no push logs are read.' },
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
    description: 'JSON array of waivers: {"id","ruleId" (a rule id of the catalog, or *),"resource"(ARM id or login server glob),"subject"?,"reason","expiresAt"? (2027-01-31 or 2027-01-31T00:00:00Z)}. Waived findings are kept as suppressed; every bad waiver is named.' },
  { name: 'AZURE_CLIENT_ID', readBy: 'app', description: 'Client id of the user-assigned managed identity (Azure SDK convention).' },
  { name: 'AUDITOR_ARM_ENDPOINT', readBy: 'app', default: 'https://management.azure.com', description: 'Azure Resource Manager endpoint (sovereign clouds: e.g. https://management.chinacloudapi.cn).' },
  { name: 'AUDITOR_ARM_SCOPE', readBy: 'app', default: 'https://management.azure.com/.default', description: 'Token scope for ARM and Resource Graph.' },
  { name: 'AUDITOR_AUTHORITY_HOST', readBy: 'app', default: 'https://login.microsoftonline.com', description: 'Microsoft Entra authority host.' },
  { name: 'AUDITOR_ACR_AUDIENCE', readBy: 'app', default: 'https://containerregistry.azure.net', description: 'Audience of ACR data-plane tokens.' },
  { name: 'AUDITOR_LOGS_ENDPOINT', readBy: 'app', default: 'https://api.loganalytics.io/v1', description: 'Log Analytics query endpoint (ends in /v1).' },
  { name: 'AUDITOR_LOGS_SCOPE', readBy: 'app', default: 'https://api.loganalytics.io/.default', description: 'Token scope for Log Analytics queries.' },
  { name: 'AUDITOR_PORTAL_URL', readBy: 'app', default: 'https://portal.azure.com', description: 'Azure portal base URL used in links.' },
  { name: 'AUDITOR_AUTH_TENANT_ID', readBy: 'app', example: '<tenant id>',
    description: 'Tenant (directory) id whose members may read the findings page and API (token issuer and tid). Empty: the page refuses every request.' },
  { name: 'AUDITOR_AUTH_CLIENT_ID', readBy: 'app', example: '<client id of the app registration>',
    description: 'Client id of the Entra app registration protecting the findings page and API: tokens must have it (or api://it) as audience. Empty: the page refuses every request.' },
  { name: 'AUDITOR_FINDINGS_READERS', readBy: 'app', example: 'Findings.Read',
    description: 'Comma-separated app role values (roles claim) or group object ids (groups claim) allowed to read the findings page and API. Empty: nobody may.' },
  { name: 'AUDITOR_LOCAL_STORE', readBy: 'app', localOnly: true, default: '.acr-auditor',
    description: 'CLI without configured storage: the directory where audit, event and demo keep findings (Azurite with disk persistence; relative to the working directory), or `ephemeral` for an in-memory store that ends with the run (CI). --store DIR and --ephemeral override it.' },
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
  /** Which rules run (AUDITOR_PROFILE, AUDITOR_RULES_ENABLED, AUDITOR_RULES_DISABLED). */
  ruleSelection: RuleSelection;
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
  /** Who may read the findings page and API (every part required: otherwise every request is refused). */
  findingsAccess: FindingsAccessConfig;
  /** CLI without configured storage: a local directory, or in memory for the run only. */
  localStore: { kind: 'directory'; dir: string } | { kind: 'ephemeral' };
}

export interface FindingsAccessConfig {
  tenantId?: string;
  clientId?: string;
  /** App role values or group object ids. */
  readers: string[];
}

type Env = Record<string, string | undefined>;

/**
 * How a setting's value may appear in a message. Any setting can receive a pasted secret by mistake
 * (a connection string, a URL with credentials, a SAS, a key), so a value is quoted only when it is
 * short and plainly harmless (a typo the user will recognise: "ninety", "contoso*.azure*.io");
 * otherwise the message says what the value looks like, never the value.
 */
export function showValue(raw: string): string {
  const harmless =
    raw.length <= 64 &&
    /^[A-Za-z0-9 ._*/:,+=-]*$/.test(raw) &&
    !/(sig|key|secret|password|pwd|token|signature)\s*=/i.test(raw) &&
    !/[A-Za-z0-9+_=]{24,}/.test(raw);
  return harmless ? JSON.stringify(raw) : `(value not shown: ${looksLike(raw)})`;
}

/** What a value that is not shown looks like, so that the user can still tell what went wrong. */
export function looksLike(raw: string): string {
  if (/(^|;)\s*(endpoint|accountname|accountkey|accesskey|sharedaccesskey|sharedaccesskeyname|sharedaccesssignature|defaultendpointsprotocol|tableendpoint|queueendpoint|blobendpoint)\s*=/i.test(raw)) {
    return 'it looks like a connection string';
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(raw)) return 'a URL with credentials';
  if (/(^|[?&])sig=/i.test(raw)) return 'it holds a SAS signature';
  return `${raw.length} characters`;
}

/** A JSON.parse error without the excerpt of the input that V8 puts in its message. */
export function jsonProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : '';
  const at = /position (\d+)/.exec(message);
  if (at) return `not valid JSON (error at character ${Number(at[1]) + 1}; value not shown)`;
  if (/end of JSON/i.test(message)) return 'not valid JSON (it ends early; value not shown)';
  return 'not valid JSON (value not shown)';
}

/**
 * A full ISO 8601 date (2027-01-31) or date-time with a time zone (2027-01-31T00:00:00Z,
 * 2027-01-31T08:30+02:00): `Date.parse` alone accepts "1" as the year 2001 and local times.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;
export function isIsoDateOrDateTime(raw: string): boolean {
  const m = ISO_DATE.exec(raw);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(raw));
}

/**
 * What the storage SDKs (`@azure/data-tables`, `@azure/storage-queue` fromConnectionString) need of a
 * connection string, checked here so that the error names AUDITOR_STORAGE and the missing part instead
 * of an SDK's "Invalid URL". Returns the problems; never the value.
 */
function storageConnectionStringProblems(cs: string): string[] {
  const parts = new Map<string, string>();
  for (const element of cs.split(';')) {
    const i = element.indexOf('=');
    if (i > 0) parts.set(element.slice(0, i).trim().toLowerCase(), element.slice(i + 1).trim());
  }
  const what = '(value not shown)';
  if (/usedevelopmentstorage=true/i.test(cs)) return [];
  if (!['accountname', 'accountkey', 'sharedaccesssignature', 'tableendpoint', 'queueendpoint', 'defaultendpointsprotocol'].some((k) => parts.has(k))) {
    return [`AUDITOR_STORAGE: not a storage connection string: expected AccountName=...;AccountKey=... or TableEndpoint=...;QueueEndpoint=...;SharedAccessSignature=... ${what}`];
  }
  const out: string[] = [];
  for (const k of ['TableEndpoint', 'QueueEndpoint']) {
    const v = parts.get(k.toLowerCase());
    if (v === undefined || v === '') continue;
    let ok = false;
    try {
      const u = new URL(v);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      ok = false;
    }
    if (!ok) out.push(`AUDITOR_STORAGE: ${k} is not an http(s) URL without credentials ${what}`);
  }
  const missing = (keys: string[]) => keys.filter((k) => !parts.get(k.toLowerCase()));
  if (parts.has('accountkey') && parts.has('defaultendpointsprotocol')) {
    // An account-key connection string: endpoints come from DefaultEndpointsProtocol, AccountName and EndpointSuffix unless given.
    if (!parts.get('accountname')) out.push(`AUDITOR_STORAGE: an account-key connection string needs AccountName ${what}`);
    if (!parts.get('accountkey')) out.push(`AUDITOR_STORAGE: AccountKey is empty ${what}`);
    if (!['http', 'https'].includes((parts.get('defaultendpointsprotocol') ?? '').toLowerCase())) {
      out.push(`AUDITOR_STORAGE: DefaultEndpointsProtocol must be https (or http for a local emulator) ${what}`);
    }
    const derived = missing(['TableEndpoint', 'QueueEndpoint']);
    if (derived.length && !parts.get('endpointsuffix')) {
      out.push(`AUDITOR_STORAGE: needs EndpointSuffix (e.g. core.windows.net) or ${derived.join(' and ')} ${what}`);
    }
    return out;
  }
  if (parts.has('accountkey')) {
    return [...out, `AUDITOR_STORAGE: an AccountKey connection string needs DefaultEndpointsProtocol=https (the storage SDKs otherwise read it as a SAS connection string) ${what}`];
  }
  // A SAS connection string: the SDKs derive nothing, both endpoints and the signature must be given.
  const absent = missing(['TableEndpoint', 'QueueEndpoint', 'SharedAccessSignature']);
  if (absent.length) {
    out.push(`AUDITOR_STORAGE: a SAS connection string needs TableEndpoint, QueueEndpoint and SharedAccessSignature; missing ${absent.join(', ')} ${what}`);
  }
  return out;
}

/** An http(s) URL setting: never echoed when it is not one; credentials inside are refused. */
export function urlProblem(name: string, raw: string, opts: { allowLoopbackHttp?: boolean } = {}): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `${name}: not a URL: ${showValue(raw)}`;
  }
  if (u.username || u.password) return `${name}: must not contain credentials (user:password@); value not shown`;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(opts.allowLoopbackHttp && loopback && u.protocol === 'http:')) {
    return `${name}: must be an https URL, got ${u.protocol}//${u.host}`;
  }
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function defaultOf(name: string): string | undefined {
  return SETTINGS.find((s) => s.name === name)?.default;
}

/** Reads and validates every setting; throws one ConfigError naming each bad or missing setting. */
/** The process environment: read here and nowhere else (a lint rule checks it). */
export function environment(): Env {
  return process.env;
}

/**
 * Points the managed-identity credential at a local token endpoint (IDENTITY_ENDPOINT and
 * IDENTITY_HEADER, as the Functions host sets them): the CLI does this for the loopback emulator.
 */
export function useLocalManagedIdentity(endpoint: string, header: string): void {
  process.env.IDENTITY_ENDPOINT = endpoint;
  process.env.IDENTITY_HEADER = header;
}

export function loadConfig(env: Env = environment(), overrides: Env = {}): AuditorConfig {
  const get = (name: string): string | undefined => {
    const v = overrides[name] ?? env[name];
    return v === undefined || v.trim() === '' ? defaultOf(name) || undefined : v.trim();
  };
  const problems: string[] = [];

  const int = (name: string, min: number, max: number): number => {
    const raw = get(name) ?? defaultOf(name) ?? '';
    if (!/^-?\d+$/.test(raw)) {
      problems.push(`${name}: expected a whole number, got ${showValue(raw)}`);
      return Number.NaN;
    }
    const n = Number(raw);
    if (n < min || n > max) problems.push(`${name}: ${n} is outside ${min}..${max}`);
    return n;
  };
  const url = (name: string, opts: { allowLoopbackHttp?: boolean } = {}): string => {
    const raw = get(name) ?? '';
    const problem = urlProblem(name, raw, opts);
    if (problem) problems.push(problem);
    return raw.replace(/\/+$/, '');
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
    if (!m) problems.push(`AUDITOR_STALE_OVERRIDES: ${showValue(entry)} is not repositoryPattern=days (a-z, 0-9, . _ - / * and 1-4 digits)`);
    else staleOverrides.push({ repository: m[1]!, days: Number(m[2]) });
  }

  const vulnMinSeverity = (get('AUDITOR_VULN_MIN_SEVERITY') ?? 'high').toLowerCase();
  if (!['low', 'medium', 'high', 'critical'].includes(vulnMinSeverity)) problems.push(`AUDITOR_VULN_MIN_SEVERITY: expected low, medium, high or critical, got ${showValue(vulnMinSeverity)}`);
  const vulnGraceDays: Record<string, number> = {};
  for (const entry of list(get('AUDITOR_VULN_GRACE_DAYS'))) {
    const m = /^(low|medium|high|critical)=(\d{1,4})$/i.exec(entry);
    if (!m) problems.push(`AUDITOR_VULN_GRACE_DAYS: ${showValue(entry)} is not severity=days (low, medium, high or critical, and 1-4 digits)`);
    else vulnGraceDays[m[1]!.toLowerCase()] = Number(m[2]);
  }
  const unfixedRaw = (get('AUDITOR_VULN_INCLUDE_UNFIXED') ?? 'false').toLowerCase();
  if (unfixedRaw !== 'true' && unfixedRaw !== 'false') problems.push(`AUDITOR_VULN_INCLUDE_UNFIXED: expected true or false, got ${showValue(unfixedRaw)}`);
  const vulnParams = { vulnMinSeverity: vulnMinSeverity as 'high', vulnGraceDays, vulnIncludeUnfixed: unfixedRaw === 'true' };

  // Workload hardening (issue 14).
  const allowedCapabilities: string[] = [];
  for (const c of list(get('AUDITOR_ALLOWED_CAPABILITIES'))) {
    if (!/^(CAP_)?[A-Z_]{2,32}$/i.test(c)) problems.push(`AUDITOR_ALLOWED_CAPABILITIES: ${showValue(c)} is not a Linux capability name (e.g. NET_BIND_SERVICE)`);
    else allowedCapabilities.push(c.toUpperCase());
  }
  const pinPolicy = (get('AUDITOR_PIN_POLICY') ?? 'tag').toLowerCase();
  if (pinPolicy !== 'tag' && pinPolicy !== 'digest') problems.push(`AUDITOR_PIN_POLICY: expected digest or tag, got ${showValue(pinPolicy)}`);
  const workloadParams = { allowedCapabilities, pinPolicy: pinPolicy === 'digest' ? ('digest' as const) : ('tag' as const) };

  // Supply chain (issue 15).
  const signatureRequired = list(get('AUDITOR_SIGNATURE_REQUIRED'));
  for (const p of signatureRequired) if (!/^[a-z0-9*._/-]{1,256}$/.test(p)) problems.push(`AUDITOR_SIGNATURE_REQUIRED: ${showValue(p)} is not a repository pattern (a-z, 0-9, . _ - / *)`);
  const approvedSigners = list(get('AUDITOR_APPROVED_SIGNERS'));
  for (const t of approvedSigners) if (!/^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i.test(t)) problems.push(`AUDITOR_APPROVED_SIGNERS: ${showValue(t)} is not a SHA-256 thumbprint (64 hex digits)`);
  const supplyChainParams = { signatureRequired, approvedSigners, signatureGraceMinutes: int('AUDITOR_SIGNATURE_GRACE_MINUTES', 0, 10_080) };
  const lockedTagPatterns = lockedTagPatternsOf(get('AUDITOR_LOCKED_TAG_PATTERNS'), problems);
  const tagParams = { lockedTagPatterns, untaggedMaxDays: int('AUDITOR_UNTAGGED_MAX_DAYS', 1, 3650) };

  // Registry hardening (issue 13).
  const retentionMaxDays = int('AUDITOR_RETENTION_MAX_DAYS', 0, 365);
  const trustedSubscriptions = list(get('AUDITOR_TRUSTED_SUBSCRIPTIONS')).map((s) => s.toLowerCase());
  for (const s of trustedSubscriptions) if (!GUID.test(s)) problems.push(`AUDITOR_TRUSTED_SUBSCRIPTIONS: ${showValue(s)} is not a subscription id (GUID)`);
  const inScope = list(get('AUDITOR_SUBSCRIPTION_IDS')).map((s) => s.toLowerCase());
  const registryParams = { retentionMaxDays, trustedSubscriptions: [...inScope, ...trustedSubscriptions].filter((s) => GUID.test(s)), tokenMaxDays: int('AUDITOR_TOKEN_MAX_DAYS', 1, 3650) };
  // Who may write and who pushed (issue 13): identities or patterns, each bounded; never echoed unless harmless.
  const identityList = (name: 'AUDITOR_REGISTRY_WRITERS' | 'AUDITOR_APPROVED_PUSHERS'): string[] => {
    const out = list(get(name));
    if (out.length > 256) problems.push(`${name}: ${out.length} entries, at most 256`);
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    for (const v of out) if (v.length > 256 || /[\u0000-\u001f\u007f]/.test(v)) problems.push(`${name}: ${showValue(v)} is not an identity or pattern (at most 256 printable characters)`);
    return out.slice(0, 256);
  };
  const accessParams = { registryWriters: identityList('AUDITOR_REGISTRY_WRITERS'), approvedPushers: identityList('AUDITOR_APPROVED_PUSHERS') };

  let params: RuleParams = ruleParams();
  try {
    // Validate each pattern on its own so that every bad one is named.
    for (const p of approvedRegistries) {
      try {
        ruleParams({ approvedRegistries: [p] });
      } catch (e) {
        problems.push(`AUDITOR_APPROVED_REGISTRIES: ${patternProblem(p, e)}`);
      }
    }
    for (const p of approvedBaseImages) {
      try {
        ruleParams({ approvedBaseImages: [p] });
      } catch (e) {
        problems.push(`AUDITOR_APPROVED_BASE_IMAGES: ${patternProblem(p, e)}`);
      }
    }
    if (!problems.length) {
      params = ruleParams({ approvedRegistries, approvedBaseImages, staleAfterDays, staleOverrides, adminLookbackDays, ...vulnParams, ...workloadParams, ...registryParams, ...supplyChainParams, ...tagParams, ...accessParams });
    }
  } catch (e) {
    problems.push(`rule parameters: ${e instanceof Error ? e.message : String(e)}`);
  }

  const profile = (get('AUDITOR_PROFILE') ?? 'baseline').toLowerCase();
  if (!(RULE_PROFILES as readonly string[]).includes(profile)) problems.push(`AUDITOR_PROFILE: expected ${RULE_PROFILES.join(' or ')}, got ${showValue(profile)}`);
  const rulePatterns = (name: 'AUDITOR_RULES_ENABLED' | 'AUDITOR_RULES_DISABLED'): string[] => {
    const out: string[] = [];
    for (const p of list(get(name)).map((x) => x.toLowerCase())) {
      if (!isRulePattern(p)) problems.push(`${name}: ${showValue(p)} is not a rule id or glob (a-z, 0-9, '.', '-', '*')`);
      else if (!RULE_IDS.some((id) => rulePatternMatches(p, id))) problems.push(`${name}: ${showValue(p)} matches no rule; rules: ${RULE_IDS.join(', ')}`);
      else out.push(p);
    }
    return out;
  };
  const ruleSelection: RuleSelection = { profile: profile === 'strict' ? 'strict' : ('baseline' as RuleProfile), enabled: rulePatterns('AUDITOR_RULES_ENABLED'), disabled: rulePatterns('AUDITOR_RULES_DISABLED') };

  const subscriptionIds = list(get('AUDITOR_SUBSCRIPTION_IDS')).map((s) => s.toLowerCase());
  for (const s of subscriptionIds) if (!GUID.test(s)) problems.push(`AUDITOR_SUBSCRIPTION_IDS: ${showValue(s)} is not a subscription id (GUID)`);

  let storage: StorageConfig = { kind: 'none' };
  const cs = get('AUDITOR_STORAGE');
  const tableUri = get('AUDITOR_STORAGE__tableServiceUri');
  const queueUri = get('AUDITOR_STORAGE__queueServiceUri');
  if (cs && (tableUri || queueUri)) {
    problems.push('AUDITOR_STORAGE: set either the connection string or the AUDITOR_STORAGE__* service URIs, not both');
  } else if (cs) {
    problems.push(...storageConnectionStringProblems(cs));
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
  if (!TABLE_NAME.test(findingsTable)) problems.push(`AUDITOR_FINDINGS_TABLE: ${showValue(findingsTable)} is not a valid table name (3-63 letters and digits, starting with a letter)`);

  const registryCacheSeconds = int('AUDITOR_REGISTRY_CACHE_SECONDS', 0, 3600);
  const concurrency = int('AUDITOR_CONCURRENCY', 1, 64);

  const waivers = parseWaivers(get('AUDITOR_WAIVERS') ?? '[]', problems);

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
    if (!/^https:\/\/[^\s@]+\/\.default$/.test(v)) problems.push(`${name}: expected https://<resource>/.default, got ${showValue(v)}`);
  }
  if (!cloud.logsEndpoint.endsWith('/v1')) problems.push('AUDITOR_LOGS_ENDPOINT: must end in /v1');

  const authTenant = get('AUDITOR_AUTH_TENANT_ID')?.toLowerCase();
  const authClient = get('AUDITOR_AUTH_CLIENT_ID')?.toLowerCase();
  if (authTenant && !GUID.test(authTenant)) problems.push('AUDITOR_AUTH_TENANT_ID: not a GUID');
  if (authClient && !GUID.test(authClient)) problems.push('AUDITOR_AUTH_CLIENT_ID: not a GUID');
  const findingsAccess: FindingsAccessConfig = {
    ...(authTenant ? { tenantId: authTenant } : {}),
    ...(authClient ? { clientId: authClient } : {}),
    readers: list(get('AUDITOR_FINDINGS_READERS')),
  };
  const localStoreRaw = get('AUDITOR_LOCAL_STORE') ?? '.acr-auditor';
  // A directory path: never something that looks like a pasted secret (it would become a folder name and be printed).
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (localStoreRaw.toLowerCase() !== 'ephemeral' && (/[;=@?#"'[\]{}\u0000-\u001f]|:\/\//.test(localStoreRaw) || /[A-Za-z0-9+_]{24,}/.test(localStoreRaw))) {
    problems.push(`AUDITOR_LOCAL_STORE: ${showValue(localStoreRaw)} is not a directory path (or \`ephemeral\`)`);
  }
  const localStore: AuditorConfig['localStore'] = localStoreRaw.toLowerCase() === 'ephemeral' ? { kind: 'ephemeral' } : { kind: 'directory', dir: localStoreRaw };

  if (problems.length) throw new ConfigError(problems);
  return {
    params,
    ruleSelection,
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
    findingsAccess,
    localStore,
  };
}

/** Severity setting helper for other configuration sections. */
export function parseSeverity(name: string, raw: string | undefined, fallback: Severity, problems: string[]): Severity {
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (!isSeverity(v)) {
    problems.push(`${name}: expected one of informational, low, medium, high, critical; got ${showValue(raw)}`);
    return fallback;
  }
  return v;
}

/**
 * AUDITOR_LOCKED_TAG_PATTERNS (issue 15): `none` for no pattern, else every pattern compiled on its own so that each bad one
 * is named, by position and, when it reads like a tag regex, its value (anything else, e.g. a URL pasted by mistake, only described).
 */
function lockedTagPatternsOf(raw: string | undefined, problems: string[]): string[] {
  if (raw?.trim().toLowerCase() === 'none') return [];
  const patterns = list(raw);
  if (patterns.length > 32) problems.push(`AUDITOR_LOCKED_TAG_PATTERNS: ${patterns.length} patterns, at most 32`);
  patterns.forEach((p, i) => {
    try {
      compileTagPattern(p);
    } catch (e) {
      // Shown when it reads like a tag regex (no URL, credential or key=value characters), else described only.
      const shown = /^[A-Za-z0-9._\-\\?*+()[\]|^$]{1,64}$/.test(p) && !/[A-Za-z0-9+_=]{24,}/.test(p) ? JSON.stringify(p) : showValue(p);
      problems.push(`AUDITOR_LOCKED_TAG_PATTERNS: pattern ${i + 1} ${shown} is not a tag pattern: ${e instanceof PatternError ? e.reason : String(e)}`);
    }
  });
  return patterns;
}

/** A PatternError without echoing a value that could be a secret: the pattern only when harmless. */
export function patternProblem(pattern: string, e: unknown): string {
  return e instanceof PatternError ? `invalid pattern ${showValue(pattern)}: ${e.reason}` : 'invalid pattern (value not shown)';
}

/**
 * AUDITOR_WAIVERS: every waiver checked, every problem named with the waiver's index and id: required
 * fields, a rule id of the catalog (or "*"), a full ISO 8601 expiry.
 */
function parseWaivers(raw: string, problems: string[]): Waiver[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    problems.push(`AUDITOR_WAIVERS: ${jsonProblem(e)}`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push('AUDITOR_WAIVERS: expected a JSON array of waivers');
    return [];
  }
  const out: Waiver[] = [];
  parsed.forEach((w: unknown, i) => {
    if (typeof w !== 'object' || w === null || Array.isArray(w)) {
      problems.push(`AUDITOR_WAIVERS[${i}]: expected an object {"id","ruleId","resource","reason",...}`);
      return;
    }
    const o = w as Record<string, unknown>;
    const id = typeof o.id === 'string' && /^[\w.:-]{1,64}$/.test(o.id) ? ` (id ${JSON.stringify(o.id)})` : '';
    const at = `AUDITOR_WAIVERS[${i}]${id}`;
    const before = problems.length;
    for (const k of ['id', 'ruleId', 'resource', 'reason']) {
      if (typeof o[k] !== 'string' || !(o[k] as string).trim()) problems.push(`${at}.${k}: required, a non-empty string`);
    }
    if (typeof o.ruleId === 'string' && o.ruleId.trim() && o.ruleId !== '*' && !RULE_IDS.includes(o.ruleId)) {
      problems.push(`${at}.ruleId: ${showValue(o.ruleId)} is not a rule; use "*" or one of ${RULE_IDS.join(', ')}`);
    }
    if (o.expiresAt !== undefined && (typeof o.expiresAt !== 'string' || !isIsoDateOrDateTime(o.expiresAt))) {
      const got = typeof o.expiresAt === 'string' ? showValue(o.expiresAt) : `a ${o.expiresAt === null ? 'null' : typeof o.expiresAt}`;
      problems.push(`${at}.expiresAt: ${got} is not a full ISO 8601 date or date-time with a time zone; write e.g. 2027-01-31 or 2027-01-31T00:00:00Z`);
    }
    if (o.subject !== undefined && typeof o.subject !== 'string') problems.push(`${at}.subject: must be a string`);
    if (problems.length === before) out.push(o as unknown as Waiver);
  });
  return out;
}

/**
 * How the CLI may colour its output: NO_COLOR set to anything non-empty (https://no-color.org) or
 * TERM=dumb turns colours off. Read here, as every other environment value.
 */
export function terminalSettings(env: NodeJS.ProcessEnv = process.env): { noColor: boolean } {
  return { noColor: Boolean(env.NO_COLOR) || env.TERM === 'dumb' };
}
