/**
 * The notifications section of the configuration: its settings catalog and a loader that reports
 * every problem at once (`ConfigError`). Secret values (webhook URLs, SMTP URL) never appear in an
 * error message: only the setting's name and what is wrong.
 *
 * Channel settings belong to the channels (registry.ts): each descriptor lists its settings and
 * reads them (`configured`), including its own AUDITOR_ROUTES fields. This module reads what is
 * common to every channel: thresholds, routes (name, match), the findings link, attempts.
 */
import { ConfigError, jsonProblem, parseSeverity, patternProblem, showValue, urlProblem, type SettingSpec } from '../config.js';
import { compileRegistryPattern } from '../domain/patterns.js';
import { atLeast, type Severity } from '../domain/severity.js';
import type { ChannelDescriptor, RawRoute } from './channel.js';
import type { ChannelTargets } from './channels/types.js';
import { DEFAULT_POLICY, type ChannelId, type NotifyPolicy, type RouteMatch, type RouteTarget, type RouteTargets } from './plan.js';
import { CHANNELS } from './registry.js';

export { checkWebhookUrl } from './teams.js';
export { MAX_RECIPIENTS_PER_MESSAGE as MAX_RECIPIENTS } from './email.js';

/** Settings common to every channel: what alerts (policy) and how delivery retries. */
const POLICY_SETTINGS: SettingSpec[] = [
  { name: 'AUDITOR_ALERT_MIN_SEVERITY', readBy: 'app', default: 'medium', description: 'Lowest severity included in digests (nightly and daily).' },
  { name: 'AUDITOR_IMMEDIATE_MIN_SEVERITY', readBy: 'app', default: 'high', description: 'Push-time findings at or above this severity alert immediately; lower ones go to the daily digest.' },
  { name: 'AUDITOR_NOTIFY_RESOLUTIONS', readBy: 'app', default: 'false', description: 'Also notify resolved findings (true/false).' },
  { name: 'AUDITOR_ROUTES', readBy: 'app', default: '[]',
    example: '[{"name":"platform","match":{"registries":["contosoplatform*.azurecr.io"],"minSeverity":"high"},"teamsWebhookSetting":"AUDITOR_TEAMS_WEBHOOK_URL_PLATFORM","emailTo":["platform@contoso.com"]}]',
    description: 'JSON routes: [{name, match:{subscriptionIds?, registries? (login-server globs), minSeverity?}, teamsWebhookSetting? (name of a setting holding a webhook URL), emailTo?}]. Findings no route matches go to the default route.' },
  { name: 'AUDITOR_DIGEST_MAX_ITEMS', readBy: 'app', default: '25', description: 'Findings listed in one digest; the rest is "and N more" plus a link.' },
  { name: 'AUDITOR_FINDINGS_URL', readBy: 'app', example: 'https://<workbook or report>', description: 'Link to the full list of findings, shown in digests.' },
];
const DELIVERY_SETTINGS: SettingSpec[] = [
  { name: 'AUDITOR_NOTIFY_MAX_ATTEMPTS', readBy: 'app', default: '8', description: 'Delivery attempts before a notification is marked failed.' },
];

/**
 * Every notification setting, in documentation order: the route channels' settings (who receives),
 * the policy (what alerts), the unrouted channels' settings (feeds), delivery.
 */
export function notifySettings(channels: readonly ChannelDescriptor[] = CHANNELS): SettingSpec[] {
  return [
    ...channels.filter((c) => c.render).flatMap((c) => c.settings),
    ...POLICY_SETTINGS,
    ...channels.filter((c) => !c.render).flatMap((c) => c.settings),
    ...DELIVERY_SETTINGS,
  ];
}

export const NOTIFY_SETTINGS: SettingSpec[] = notifySettings();

export interface NotifyConfig {
  /** Routes with their channel targets, thresholds, and the channels' renderers. */
  policy: NotifyPolicy;
  /** Channel id -> the configuration its notifier is built from (may hold secrets). Only configured channels. */
  channels: Partial<Record<ChannelId, unknown>>;
  findingsUrl?: string;
  maxAttempts: number;
}

type Env = Record<string, string | undefined>;

const ROUTE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function setTarget<K extends ChannelId>(targets: RouteTargets, id: K, target: ChannelTargets[K]): void {
  targets[id] = target;
}

/** True when at least one channel is configured. */
export function hasChannel(c: NotifyConfig): boolean {
  return Object.keys(c.channels).length > 0;
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
export function loadNotifyConfig(env: Env = process.env, channels: readonly ChannelDescriptor[] = CHANNELS): NotifyConfig {
  const catalog = notifySettings(channels);
  const defaultOf = (name: string): string | undefined => catalog.find((s) => s.name === name)?.default;
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

  // Routes: name and match here; each channel reads its own fields (teamsWebhookSetting, emailTo, ...).
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
  const explicit: Array<RawRoute & { match: RouteMatch }> = [];
  (parsed as unknown[]).forEach((r, i) => {
    const at = `AUDITOR_ROUTES[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      problems.push(`${at}: expected an object`);
      return;
    }
    const o = r as Record<string, unknown>;
    const name = typeof o.name === 'string' ? o.name.trim() : '';
    if (!ROUTE_NAME.test(name)) problems.push(`${at}.name: required, lowercase letters, digits and '-' (1-63)`);
    else if (name === 'default') problems.push(`${at}.name: "default" is reserved for the route of the channels' own settings (e.g. AUDITOR_TEAMS_WEBHOOK_URL, AUDITOR_EMAIL_TO)`);
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
    explicit.push({ name, at, raw: o, match });
  });

  // Every channel reads its settings and its route fields.
  const configs: Partial<Record<ChannelId, unknown>> = {};
  const targets = new Map<string, RouteTargets>();
  const feeds: RouteTargets = {};
  const ctx = {
    get,
    lookup: (name: string) => env[name]?.trim() || undefined,
    problem: (message: string) => void problems.push(message),
    routes: explicit.map(({ name, at, raw }) => ({ name, at, raw })),
  };
  for (const c of channels) {
    const r = c.configured(ctx);
    if (!r) continue;
    configs[c.id] = r.config;
    if (r.feed !== undefined) setTarget(feeds, c.id, r.feed);
    for (const [route, target] of Object.entries(r.targets ?? {})) targets.set(route, { ...targets.get(route), [c.id]: target });
  }
  const routeFields = channels.flatMap((c) => c.routeFields ?? []);
  const routes: RouteTarget[] = explicit.map(({ name, at, match }) => {
    const t = targets.get(name) ?? {};
    const reported = problems.some((p) => routeFields.some((f) => p.startsWith(`${at}.${f}`)));
    if (!Object.keys(t).length && !reported) problems.push(`${at}: needs ${routeFields.join(' or ')}`);
    return { name, match, targets: t };
  });
  const defaults = targets.get('default');
  if (defaults && Object.keys(defaults).length) routes.push({ name: 'default', match: {}, targets: defaults });

  // Shown in every digest: never with credentials inside.
  let findingsUrl = get('AUDITOR_FINDINGS_URL');
  if (findingsUrl) {
    const problem = urlProblem('AUDITOR_FINDINGS_URL', findingsUrl, { allowLoopbackHttp: true });
    if (problem) {
      problems.push(problem);
      findingsUrl = undefined;
    }
  }

  if (problems.length) throw new ConfigError(problems);
  return {
    policy: {
      ...DEFAULT_POLICY,
      channels,
      routes,
      feeds,
      digestMinSeverity,
      immediateMinSeverity,
      notifyResolutions,
      digestMaxItems,
    },
    channels: configs,
    ...(findingsUrl ? { findingsUrl } : {}),
    maxAttempts,
  };
}
