/**
 * The notifications section of the configuration: its settings catalog and a loader that reports
 * every problem at once (`ConfigError`). Secret values (webhook URLs, SMTP URL) never appear in an
 * error message: only the setting's name and what is wrong.
 */
import { ConfigError, jsonProblem, looksLike, parseSeverity, patternProblem, showValue, urlProblem, type SettingSpec } from '../config.js';
import { compileRegistryPattern } from '../domain/patterns.js';
import { atLeast, type Severity } from '../domain/severity.js';
import { DEFAULT_POLICY, type NotifyPolicy, type RouteMatch, type RouteTarget } from './plan.js';

export const NOTIFY_SETTINGS: SettingSpec[] = [
  { name: 'AUDITOR_TEAMS_WEBHOOK_URL', readBy: 'app', secret: true, example: '@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/teams-webhook)',
    description: 'Teams Workflows webhook ("When a Teams webhook request is received") of the default route. https only (http only on loopback). A secret: keep it in Key Vault.' },
  { name: 'AUDITOR_SMTP_URL', readBy: 'app', secret: true, example: '@Microsoft.KeyVault(VaultName=<vault>;SecretName=smtp-url)',
    description: 'SMTP relay for email where Azure Communication Services is not used: smtp:// (STARTTLS required unless loopback) or smtps://, credentials inside (smtps://user:password@smtp.example.com:465). A secret: in Azure a Key Vault reference (infra parameter notifySmtp).' },
  { name: 'AUDITOR_ACS_ENDPOINT', readBy: 'app', example: 'https://<resource>.communication.azure.com',
    description: 'Azure Communication Services endpoint for email, used with the managed identity (takes precedence over SMTP).' },
  { name: 'AUDITOR_EMAIL_FROM', readBy: 'app', example: 'DoNotReply@<domain>', description: 'Sender address (for ACS: a verified MailFrom address of the connected domain).' },
  { name: 'AUDITOR_EMAIL_TO', readBy: 'app', default: '', example: 'secops@contoso.com,platform@contoso.com',
    description: 'Comma-separated recipients of the default route (at most 50).' },
  { name: 'AUDITOR_ALERT_MIN_SEVERITY', readBy: 'app', default: 'medium', description: 'Lowest severity included in digests (nightly and daily).' },
  { name: 'AUDITOR_IMMEDIATE_MIN_SEVERITY', readBy: 'app', default: 'high', description: 'Push-time findings at or above this severity alert immediately; lower ones go to the daily digest.' },
  { name: 'AUDITOR_NOTIFY_RESOLUTIONS', readBy: 'app', default: 'false', description: 'Also notify resolved findings (true/false).' },
  { name: 'AUDITOR_ROUTES', readBy: 'app', default: '[]',
    example: '[{"name":"platform","match":{"registries":["contosoplatform*.azurecr.io"],"minSeverity":"high"},"teamsWebhookSetting":"AUDITOR_TEAMS_WEBHOOK_URL_PLATFORM","emailTo":["platform@contoso.com"]}]',
    description: 'JSON routes: [{name, match:{subscriptionIds?, registries? (login-server globs), minSeverity?}, teamsWebhookSetting? (name of a setting holding a webhook URL), emailTo?}]. Findings no route matches go to the default route.' },
  { name: 'AUDITOR_DIGEST_MAX_ITEMS', readBy: 'app', default: '25', description: 'Findings listed in one digest; the rest is "and N more" plus a link.' },
  { name: 'AUDITOR_FINDINGS_URL', readBy: 'app', example: 'https://<workbook or report>', description: 'Link to the full list of findings, shown in digests.' },
  { name: 'AUDITOR_EVENTGRID_TOPIC_ENDPOINT', readBy: 'app', example: 'https://<topic>.<region>-1.eventgrid.azure.net/api/events',
    description: 'Event Grid custom topic (CloudEvents schema) receiving every opened/escalated/resolved finding; managed identity (EventGrid Data Sender).' },
  { name: 'AUDITOR_NOTIFY_MAX_ATTEMPTS', readBy: 'app', default: '8', description: 'Delivery attempts before a notification is marked failed.' },
];

export interface NotifyConfig {
  policy: NotifyPolicy;
  /** Route name -> webhook URL (secret). `default` uses AUDITOR_TEAMS_WEBHOOK_URL. */
  teamsWebhooks: Record<string, string>;
  email?: { kind: 'acs'; endpoint: string; from: string } | { kind: 'smtp'; url: string; from: string };
  eventGridTopicEndpoint?: string;
  findingsUrl?: string;
  maxAttempts: number;
}

type Env = Record<string, string | undefined>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
/** An address: no scheme, no credentials, a host name after the @ (a URL with user:password@ is not an address). */
const EMAIL = /^[^\s@<>",;:/\\]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;
const SETTING_NAME = /^[A-Z][A-Z0-9_]{2,127}$/;
const ROUTE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_RECIPIENTS = 50;

/** True when at least one channel (Teams, email, Event Grid) is configured. */
export function hasChannel(c: NotifyConfig): boolean {
  return Object.keys(c.teamsWebhooks).length > 0 || c.email !== undefined || c.eventGridTopicEndpoint !== undefined;
}

function defaultOf(name: string): string | undefined {
  return NOTIFY_SETTINGS.find((s) => s.name === name)?.default;
}

/** Validates a webhook URL without ever echoing it: https, or http on loopback. */
export function checkWebhookUrl(name: string, raw: string, problems: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push(`${name}: not a URL (value not shown)`);
    return undefined;
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
    if (u.username || u.password) {
      problems.push(`${name}: must not contain credentials (value not shown)`);
      return undefined;
    }
    return raw;
  }
  problems.push(`${name}: must be an https URL (http only on loopback); got scheme ${u.protocol.replace(':', '')} (value not shown)`);
  return undefined;
}

function checkSmtpUrl(raw: string, problems: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push('AUDITOR_SMTP_URL: not a URL (value not shown)');
    return undefined;
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') {
    problems.push(`AUDITOR_SMTP_URL: must be smtp:// or smtps://; got scheme ${u.protocol.replace(':', '')} (value not shown)`);
    return undefined;
  }
  if (!u.hostname) {
    problems.push('AUDITOR_SMTP_URL: no host (value not shown)');
    return undefined;
  }
  return raw;
}

function emails(name: string, list: unknown, problems: string[]): string[] {
  const raw = Array.isArray(list) ? list : typeof list === 'string' ? list.split(',') : [];
  if (!Array.isArray(list) && typeof list !== 'string' && list !== undefined) problems.push(`${name}: expected a list of email addresses`);
  const out = raw.map((x) => (typeof x === 'string' ? x.trim() : '')).filter(Boolean);
  for (const e of out) if (!EMAIL.test(e)) problems.push(`${name}: ${showEmail(e)} is not an email address`);
  if (out.length > MAX_RECIPIENTS) problems.push(`${name}: ${out.length} recipients; at most ${MAX_RECIPIENTS}`);
  return [...new Set(out.map((e) => e.toLowerCase()))];
}

/** An address as it may appear in a message: quoted when it is plainly an address-like string, else described. */
function showEmail(raw: string): string {
  const plain = raw.length <= 100 && /^[A-Za-z0-9._%+-]*@?[A-Za-z0-9.-]*$/.test(raw) && !/[A-Za-z0-9+_]{24,}/.test(raw);
  return plain ? JSON.stringify(raw) : showValue(raw);
}

function severityOf(name: string, raw: unknown, problems: string[]): Severity | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') {
    problems.push(`${name}: expected a severity string`);
    return undefined;
  }
  const before = problems.length;
  const s = parseSeverity(name, raw, 'medium', problems);
  return problems.length === before ? s : undefined;
}

/** Reads and validates the notification settings; throws one ConfigError naming every bad setting. */
export function loadNotifyConfig(env: Env = process.env): NotifyConfig {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? defaultOf(name) || undefined : v.trim();
  };
  const problems: string[] = [];
  const int = (name: string, min: number, max: number): number => {
    const raw = get(name) ?? '';
    if (!/^\d+$/.test(raw)) {
      problems.push(`${name}: expected a whole number, got ${showValue(raw)}`);
      return Number(defaultOf(name));
    }
    const n = Number(raw);
    if (n < min || n > max) problems.push(`${name}: ${n} is outside ${min}..${max}`);
    return n;
  };

  const digestMinSeverity = parseSeverity('AUDITOR_ALERT_MIN_SEVERITY', get('AUDITOR_ALERT_MIN_SEVERITY'), 'medium', problems);
  const immediateMinSeverity = parseSeverity('AUDITOR_IMMEDIATE_MIN_SEVERITY', get('AUDITOR_IMMEDIATE_MIN_SEVERITY'), 'high', problems);
  if (!atLeast(immediateMinSeverity, digestMinSeverity)) {
    problems.push('AUDITOR_IMMEDIATE_MIN_SEVERITY: must be at or above AUDITOR_ALERT_MIN_SEVERITY');
  }
  const resolutionsRaw = (get('AUDITOR_NOTIFY_RESOLUTIONS') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(resolutionsRaw)) {
    problems.push(`AUDITOR_NOTIFY_RESOLUTIONS: expected true or false, got ${showValue(resolutionsRaw)}`);
  }
  const notifyResolutions = ['true', '1', 'yes'].includes(resolutionsRaw);
  const digestMaxItems = int('AUDITOR_DIGEST_MAX_ITEMS', 1, 200);
  const maxAttempts = int('AUDITOR_NOTIFY_MAX_ATTEMPTS', 1, 50);

  const teamsWebhooks: Record<string, string> = {};
  const defaultWebhookRaw = get('AUDITOR_TEAMS_WEBHOOK_URL');
  if (defaultWebhookRaw) {
    const u = checkWebhookUrl('AUDITOR_TEAMS_WEBHOOK_URL', defaultWebhookRaw, problems);
    if (u) teamsWebhooks.default = u;
  }

  const from = get('AUDITOR_EMAIL_FROM');
  if (from && !EMAIL.test(from)) problems.push(`AUDITOR_EMAIL_FROM: ${showEmail(from)} is not an email address`);
  const defaultTo = emails('AUDITOR_EMAIL_TO', get('AUDITOR_EMAIL_TO') ?? '', problems);
  let email: NotifyConfig['email'];
  const acs = get('AUDITOR_ACS_ENDPOINT');
  const smtp = get('AUDITOR_SMTP_URL');
  if (acs) {
    if (looksLike(acs) === 'it looks like a connection string') {
      // The likely mistake: the resource's connection string (endpoint=...;accesskey=...) pasted whole.
      problems.push('AUDITOR_ACS_ENDPOINT: this is a connection string (endpoint and access key), not an endpoint: set only the endpoint URL, https://<resource>.communication.azure.com; email uses the managed identity, so the access key is not needed and must not be stored in settings (value not shown)');
    } else {
      const problem = urlProblem('AUDITOR_ACS_ENDPOINT', acs);
      if (problem) problems.push(problem);
      else if (/[?&]sig=/i.test(acs)) problems.push('AUDITOR_ACS_ENDPOINT: must not carry a signature (sig=); email uses the managed identity (value not shown)');
    }
    if (from) email = { kind: 'acs', endpoint: acs.replace(/\/+$/, ''), from };
  } else if (smtp) {
    const u = checkSmtpUrl(smtp, problems);
    if (u && from) email = { kind: 'smtp', url: u, from };
  }
  if ((acs || smtp) && !from) problems.push('AUDITOR_EMAIL_FROM: required when email is configured (AUDITOR_ACS_ENDPOINT or AUDITOR_SMTP_URL)');

  const routes: RouteTarget[] = [];
  const rawRoutes = get('AUDITOR_ROUTES') ?? '[]';
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawRoutes);
    if (!Array.isArray(parsed)) {
      problems.push('AUDITOR_ROUTES: expected a JSON array');
      parsed = [];
    }
  } catch (e) {
    problems.push(`AUDITOR_ROUTES: ${jsonProblem(e)}`);
    parsed = [];
  }
  const seen = new Set<string>();
  (parsed as unknown[]).forEach((r, i) => {
    const at = `AUDITOR_ROUTES[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      problems.push(`${at}: expected an object`);
      return;
    }
    const o = r as Record<string, unknown>;
    const name = typeof o.name === 'string' ? o.name.trim() : '';
    if (!ROUTE_NAME.test(name)) problems.push(`${at}.name: required, lowercase letters, digits and '-' (1-63)`);
    else if (name === 'default') problems.push(`${at}.name: "default" is reserved for AUDITOR_TEAMS_WEBHOOK_URL / AUDITOR_EMAIL_TO`);
    else if (seen.has(name)) problems.push(`${at}.name: duplicate route ${JSON.stringify(name)}`);
    seen.add(name);
    const m = (o.match ?? {}) as Record<string, unknown>;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) problems.push(`${at}.match: expected an object`);
    const match: RouteMatch = {};
    if (m.subscriptionIds !== undefined) {
      if (!Array.isArray(m.subscriptionIds) || m.subscriptionIds.some((s) => typeof s !== 'string' || !GUID.test(s))) {
        problems.push(`${at}.match.subscriptionIds: expected an array of subscription ids (GUIDs)`);
      } else match.subscriptionIds = (m.subscriptionIds as string[]).map((s) => s.toLowerCase());
    }
    if (m.registries !== undefined) {
      if (!Array.isArray(m.registries) || m.registries.some((s) => typeof s !== 'string')) {
        problems.push(`${at}.match.registries: expected an array of login-server patterns`);
      } else {
        for (const p of m.registries as string[]) {
          try {
            compileRegistryPattern(p);
          } catch (e) {
            problems.push(`${at}.match.registries: ${patternProblem(p, e)}`);
          }
        }
        match.registries = m.registries as string[];
      }
    }
    const minSeverity = severityOf(`${at}.match.minSeverity`, m.minSeverity, problems);
    if (minSeverity) match.minSeverity = minSeverity;
    let teams = false;
    if (o.teamsWebhookSetting !== undefined) {
      const setting = o.teamsWebhookSetting;
      if (typeof setting !== 'string' || !SETTING_NAME.test(setting)) {
        problems.push(`${at}.teamsWebhookSetting: expected the NAME of a setting (e.g. AUDITOR_TEAMS_WEBHOOK_URL_PLATFORM), not a URL`);
      } else {
        const value = env[setting]?.trim();
        if (!value) problems.push(`${at}.teamsWebhookSetting: setting ${setting} is not set`);
        else {
          const u = checkWebhookUrl(setting, value, problems);
          if (u) {
            teamsWebhooks[name] = u;
            teams = true;
          }
        }
      }
    }
    const emailTo = o.emailTo === undefined ? [] : emails(`${at}.emailTo`, o.emailTo, problems);
    if (emailTo.length && !acs && !smtp) problems.push(`${at}.emailTo: no email transport configured (AUDITOR_ACS_ENDPOINT or AUDITOR_SMTP_URL)`);
    if (!teams && !emailTo.length && o.teamsWebhookSetting === undefined) problems.push(`${at}: needs teamsWebhookSetting or emailTo`);
    routes.push({ name, match, teams, emailTo: email ? emailTo : [] });
  });
  if (defaultWebhookRaw || defaultTo.length) {
    routes.push({ name: 'default', match: {}, teams: Boolean(teamsWebhooks.default), emailTo: email ? defaultTo : [] });
  }
  if (defaultTo.length && !acs && !smtp) problems.push('AUDITOR_EMAIL_TO: no email transport configured (AUDITOR_ACS_ENDPOINT or AUDITOR_SMTP_URL)');

  // Shown in every digest (findings URL) or called with the managed identity (topic): never with credentials inside.
  let findingsUrl = get('AUDITOR_FINDINGS_URL');
  if (findingsUrl) {
    const problem = urlProblem('AUDITOR_FINDINGS_URL', findingsUrl, { allowLoopbackHttp: true });
    if (problem) {
      problems.push(problem);
      findingsUrl = undefined;
    }
  }
  const eventGridTopicEndpoint = get('AUDITOR_EVENTGRID_TOPIC_ENDPOINT');
  if (eventGridTopicEndpoint) {
    const problem = urlProblem('AUDITOR_EVENTGRID_TOPIC_ENDPOINT', eventGridTopicEndpoint, { allowLoopbackHttp: true });
    if (problem) problems.push(problem);
  }

  if (problems.length) throw new ConfigError(problems);
  return {
    policy: {
      ...DEFAULT_POLICY,
      routes,
      digestMinSeverity,
      immediateMinSeverity,
      notifyResolutions,
      digestMaxItems,
      eventGrid: Boolean(eventGridTopicEndpoint),
      emailMaxRecipients: MAX_RECIPIENTS,
    },
    teamsWebhooks,
    ...(email ? { email } : {}),
    ...(eventGridTopicEndpoint ? { eventGridTopicEndpoint } : {}),
    ...(findingsUrl ? { findingsUrl } : {}),
    maxAttempts,
  };
}
