/**
 * The notification planner. PURE: no SDK, no I/O, the time is passed in.
 *
 * It turns the changes of one nightly run or one push event into `PlannedNotification`s, each with
 * a deterministic id (the outbox dedupe key), so re-planning the same origin yields the same ids and
 * the outbox's insert-if-absent makes a re-run or a redelivered event silent.
 *
 * Policy:
 * - Alerting kinds: opened, reopened, unsuppressed, escalated; resolved only when enabled.
 *   still_open, still_suppressed and suppressed never alert.
 * - Nightly run: ONE digest per route and channel (capped list + "and N more" + link).
 * - Push event: findings at or above the immediate threshold (default high) -> ONE immediate
 *   notification per event, route and channel (a push is one thing that happened; its findings are
 *   shown together, detailed, capped). Findings of the event below that threshold (and event-time
 *   resolutions) are `held`: the outbox keeps them and `composeDailyDigest` folds them into one
 *   daily digest per route and channel after the UTC day ends. Nothing is dropped.
 * - Routing: every explicit route whose subscription/registry match fits receives the finding; a
 *   finding no explicit route matched goes to the `default` route (global webhook / recipients).
 *   A route's `minSeverity` replaces the digest threshold for that route.
 * - Event Grid (when enabled): every opened/escalated/resolved change, unfiltered, as CloudEvents.
 */
import type { ChangeKind, Finding, FindingChange } from '../domain/finding.js';
import { stableHash } from '../domain/hash.js';
import { compileRegistryPattern, type RegistryMatcher } from '../domain/patterns.js';
import { atLeast, severityRank, type Severity } from '../domain/severity.js';
import { boundJsonTotal, boundText, EVIDENCE_BOUNDS, utf8Bytes } from './bound.js';
import { escapeCardText, escapeHtml } from './escape.js';
import {
  renderEmail, renderTeamsMessage, TEAMS_MAX_MESSAGE_CHARS,
  type AlertChange, type AlertItem, type AlertView, type TeamsMessage,
} from './templates.js';

export type Channel = 'teams' | 'email' | 'eventgrid';
export type Origin = { kind: 'nightly'; runId: string } | { kind: 'event'; eventId: string };

export interface RouteMatch {
  subscriptionIds?: string[];
  /** Login-server patterns (`contoso*.azurecr.io`). */
  registries?: string[];
  minSeverity?: Severity;
}

/** A recipient group. `teams` says whether a webhook is configured for it (the URL itself is a secret resolved at send time). */
export interface RouteTarget {
  name: string;
  match: RouteMatch;
  teams: boolean;
  emailTo: string[];
}

export interface NotifyPolicy {
  routes: RouteTarget[];
  /** Threshold for digests (nightly and daily). */
  digestMinSeverity: Severity;
  /** Push-time findings at or above this alert immediately. */
  immediateMinSeverity: Severity;
  notifyResolutions: boolean;
  digestMaxItems: number;
  /** Detailed findings shown in one immediate notification. */
  immediateMaxItems: number;
  eventGrid: boolean;
  /** Recipients per email message (ACS and most relays: 50). */
  emailMaxRecipients: number;
}

export const DEFAULT_POLICY: NotifyPolicy = {
  routes: [],
  digestMinSeverity: 'medium',
  immediateMinSeverity: 'high',
  notifyResolutions: false,
  digestMaxItems: 25,
  immediateMaxItems: 5,
  eventGrid: false,
  emailMaxRecipients: 50,
};

export type Remediation = { description: string; cli: string };

export interface PlanContext {
  origin: Origin;
  now: Date;
  /** Azure portal base URL (https://portal.azure.com). */
  portalUrl: string;
  /** Link to the full list of findings. */
  findingsUrl?: string;
  remediationFor?: (ruleId: string) => Remediation | undefined;
}

/** A CloudEvent 1.0 as published to Event Grid. */
export interface FindingCloudEvent {
  id: string;
  source: string;
  type: 'AcrAuditor.Finding.Opened' | 'AcrAuditor.Finding.Escalated' | 'AcrAuditor.Finding.Resolved';
  subject: string;
  time: string;
  specversion: '1.0';
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export type NotificationPayload =
  | { channel: 'teams'; message: TeamsMessage }
  | { channel: 'email'; to: string[]; subject: string; text: string; html: string }
  | { channel: 'eventgrid'; events: FindingCloudEvent[] }
  /** Held items, folded into the daily digest of `bucket` by `composeDailyDigest`. */
  | { channel: 'held'; target: 'teams' | 'email'; to?: string[]; bucket: string; items: AlertItem[]; findingsUrl?: string; omitted?: number };

export type NotificationKind = 'immediate' | 'digest' | 'held';

export interface PlannedNotification {
  /** Dedupe key: 32 hex characters, deterministic for (channel, route, origin, content). */
  id: string;
  channel: Channel;
  route: string;
  kind: NotificationKind;
  /** `nightly:<runId>`, `event:<eventId>` or `daily:<yyyy-mm-dd>`. */
  originKey: string;
  /** Outbox partition: a key-safe encoding of the origin. */
  partition: string;
  createdAt: string;
  /** Not to be sent (or composed, for held items) before this time. */
  notBefore: string;
  /** Highest severity inside. */
  severity: Severity;
  /** Findings covered (before capping). */
  total: number;
  /** One line for listings (trusted wording + counts, no untrusted strings). */
  summary: string;
  /** The full list of findings (from settings), for a summary that replaces an oversized payload. */
  findingsUrl?: string;
  payload: NotificationPayload;
}

const ALERTING: ReadonlySet<ChangeKind> = new Set(['opened', 'reopened', 'unsuppressed', 'escalated']);
export const EVENTGRID_BATCH = 100;
/**
 * UTF-8 bytes of one Event Grid batch (the JSON array). Event Grid accepts 1 MB per event and per
 * array (413 above); we stay at half of it, which also keeps the stored payload (UTF-16 in Table
 * Storage) well inside the outbox's entity budget.
 */
export const EVENTGRID_MAX_BATCH_BYTES = 512 * 1024;
/** Bounds of the untrusted strings of one finding, applied where alert items and CloudEvents are built. */
export const FIELD_BOUNDS = {
  title: 300, message: 2_000, resourceId: 1_000, subject: 1_000, registry: 300, subscriptionId: 100, ruleId: 200, findingId: 100,
  evidenceKey: 100, evidenceValue: 1_000, remediation: 2_000,
  /** Evidence entries kept per item (the rest is counted in a last "…" entry). */
  evidenceEntries: 16,
  /** JSON characters of one CloudEvent's evidence object. */
  evidenceJson: 8_000,
} as const;
/** Longest portal link we emit; a longer one (from a hostile resource id) is dropped rather than cut. */
export const MAX_LINK_CHARS = 2_048;
/** Items kept per held notification (one push event): bounds the stored payload. */
export const HELD_MAX_ITEMS = 100;
export const EVENT_SOURCE = '/acr-auditor';

export function originKey(origin: Origin): string {
  return origin.kind === 'nightly' ? `nightly:${origin.runId}` : `event:${origin.eventId}`;
}

function partitionFor(key: string): string {
  const [kind] = key.split(':');
  if (kind === 'daily') return key.replace(':', '-');
  return `${kind}-${stableHash([key], 16)}`;
}

/** Link to a resource in the Azure portal; every id segment is URL-encoded. */
export function portalLink(portalUrl: string, resourceId: string): string | undefined {
  if (!resourceId.startsWith('/')) return undefined;
  if (resourceId.length > MAX_LINK_CHARS) return undefined;
  const path = resourceId.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  const link = `${portalUrl.replace(/\/+$/, '')}/#resource/${path}`;
  return link.length <= MAX_LINK_CHARS ? link : undefined;
}

/** Evidence as bounded [key, value] facts: at most `evidenceEntries`, each key and value cut with a marker. */
function evidenceFacts(evidence: Record<string, unknown>): Array<[string, string]> {
  const keys = Object.keys(evidence ?? {}).sort();
  const facts = keys.slice(0, FIELD_BOUNDS.evidenceEntries).map((k) => {
    const v = evidence[k];
    // Bound before stringifying: a value may be a huge array of huge strings.
    const text = typeof v === 'string' ? v : JSON.stringify(boundJsonTotal(v, EVIDENCE_BOUNDS, FIELD_BOUNDS.evidenceValue * 2)) ?? String(v);
    return [boundText(k, FIELD_BOUNDS.evidenceKey), boundText(text, FIELD_BOUNDS.evidenceValue)] as [string, string];
  });
  if (keys.length > FIELD_BOUNDS.evidenceEntries) facts.push(['…', `and ${keys.length - FIELD_BOUNDS.evidenceEntries} more`]);
  return facts;
}

export function toAlertItem(change: FindingChange, ctx: Pick<PlanContext, 'portalUrl' | 'remediationFor'>): AlertItem {
  const f = change.finding;
  const remediation = ctx.remediationFor?.(f.ruleId);
  const link = portalLink(ctx.portalUrl, f.resourceId);
  const b = FIELD_BOUNDS;
  return {
    findingId: boundText(f.id, b.findingId),
    ruleId: boundText(f.ruleId, b.ruleId),
    title: boundText(f.title, b.title),
    severity: f.severity,
    ...(change.kind === 'escalated' && change.previous && change.previous.severity !== f.severity ? { previousSeverity: change.previous.severity } : {}),
    change: change.kind as AlertChange,
    resourceId: boundText(f.resourceId, b.resourceId),
    subject: boundText(f.subject, b.subject),
    ...(f.registry ? { registry: boundText(f.registry, b.registry) } : {}),
    ...(f.subscriptionId ? { subscriptionId: boundText(f.subscriptionId, b.subscriptionId) } : {}),
    message: boundText(f.message, b.message),
    evidence: evidenceFacts(f.evidence),
    ...(remediation ? { remediation: { description: boundText(remediation.description, b.remediation), cli: boundText(remediation.cli, b.remediation) } } : {}),
    ...(link ? { portalUrl: link } : {}),
  };
}

function compareItems(a: AlertItem, b: AlertItem): number {
  return severityRank(b.severity) - severityRank(a.severity)
    || (a.change === 'resolved' ? 1 : 0) - (b.change === 'resolved' ? 1 : 0)
    || a.ruleId.localeCompare(b.ruleId)
    || a.resourceId.localeCompare(b.resourceId)
    || a.subject.localeCompare(b.subject)
    || a.findingId.localeCompare(b.findingId);
}

function maxSeverity(items: AlertItem[]): Severity {
  return items.reduce<Severity>((m, i) => (severityRank(i.severity) > severityRank(m) ? i.severity : m), 'informational');
}

/**
 * Builds the view (capped), shrinking the cap until the Teams card fits the message limit (UTF-8
 * bytes). If even one item does not fit, the view lists none: counts, "and N more" and the link.
 * `omitted` counts findings left out before (a capped held notification); they are in the total.
 */
export function buildView(kind: 'immediate' | 'digest', originLabel: string, all: AlertItem[], cap: number, generatedAt: string, findingsUrl?: string, omitted = 0): AlertView {
  const sorted = [...all].sort(compareItems);
  const countsByChange: AlertView['countsByChange'] = {};
  const countsBySeverity: AlertView['countsBySeverity'] = {};
  for (const i of sorted) {
    countsByChange[i.change] = (countsByChange[i.change] ?? 0) + 1;
    if (i.change !== 'resolved') countsBySeverity[i.severity] = (countsBySeverity[i.severity] ?? 0) + 1;
  }
  let n = Math.max(1, cap);
  for (;;) {
    const view: AlertView = { kind, originLabel, items: sorted.slice(0, n), total: sorted.length + Math.max(0, omitted), countsByChange, countsBySeverity, generatedAt, ...(findingsUrl ? { findingsUrl } : {}) };
    if (n <= 0 || utf8Bytes(JSON.stringify(renderTeamsMessage(view))) <= TEAMS_MAX_MESSAGE_CHARS) return view;
    n = Math.floor(n / 2);
  }
}

interface CompiledRoute {
  route: RouteTarget;
  registries?: RegistryMatcher[];
  subscriptions?: Set<string>;
}

function compileRoutes(routes: RouteTarget[]): CompiledRoute[] {
  return routes.map((route) => ({
    route,
    ...(route.match.registries?.length ? { registries: route.match.registries.map(compileRegistryPattern) } : {}),
    ...(route.match.subscriptionIds?.length ? { subscriptions: new Set(route.match.subscriptionIds.map((s) => s.toLowerCase())) } : {}),
  }));
}

function matches(c: CompiledRoute, f: Finding): boolean {
  if (c.subscriptions && !(f.subscriptionId && c.subscriptions.has(f.subscriptionId.toLowerCase()))) return false;
  if (c.registries && !(f.registry && c.registries.some((m) => m.matches(f.registry!)))) return false;
  return true;
}

/** Routes that receive a finding: every matching explicit route, else `default` when configured. */
export function routesFor(f: Finding, routes: readonly CompiledRoute[]): RouteTarget[] {
  const explicit = routes.filter((c) => c.route.name !== 'default' && matches(c, f)).map((c) => c.route);
  if (explicit.length) return explicit;
  return routes.filter((c) => c.route.name === 'default').map((c) => c.route);
}

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function nextUtcMidnight(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
}

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function contentKeys(items: AlertItem[]): string[] {
  return items.map((i) => `${i.findingId}:${i.change}`).sort();
}

function deliverables(
  base: Omit<PlannedNotification, 'id' | 'channel' | 'payload'>,
  route: RouteTarget,
  view: AlertView,
  idParts: string[],
  policy: NotifyPolicy,
): PlannedNotification[] {
  const out: PlannedNotification[] = [];
  if (route.teams) {
    out.push({ ...base, id: stableHash(['notify', 'teams', ...idParts]), channel: 'teams', payload: { channel: 'teams', message: renderTeamsMessage(view) } });
  }
  if (route.emailTo.length) {
    const email = renderEmail(view);
    const groups = chunk([...route.emailTo].sort(), Math.max(1, policy.emailMaxRecipients));
    groups.forEach((to, i) => {
      out.push({ ...base, id: stableHash(['notify', 'email', ...idParts, `part${i}`]), channel: 'email', payload: { channel: 'email', to, ...email } });
    });
  }
  return out;
}

function cloudEvent(change: FindingChange, key: string, now: Date): FindingCloudEvent {
  const f = change.finding;
  const type = change.kind === 'resolved' ? 'AcrAuditor.Finding.Resolved' : change.kind === 'escalated' ? 'AcrAuditor.Finding.Escalated' : 'AcrAuditor.Finding.Opened';
  const b = FIELD_BOUNDS;
  return {
    id: stableHash(['cloudevent', f.id, change.kind, key]),
    source: EVENT_SOURCE,
    type,
    subject: boundText(f.resourceId, b.resourceId),
    time: now.toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/json',
    data: {
      findingId: boundText(f.id, b.findingId), ruleId: boundText(f.ruleId, b.ruleId), title: boundText(f.title, b.title), severity: f.severity, change: change.kind, status: f.status,
      outcome: f.outcome, resourceId: boundText(f.resourceId, b.resourceId), subject: boundText(f.subject, b.subject),
      registry: f.registry === undefined ? undefined : boundText(f.registry, b.registry),
      subscriptionId: f.subscriptionId === undefined ? undefined : boundText(f.subscriptionId, b.subscriptionId),
      message: boundText(f.message, b.message), evidence: boundJsonTotal(f.evidence, EVIDENCE_BOUNDS, b.evidenceJson),
      firstSeen: f.firstSeen, lastSeen: f.lastSeen, resolvedAt: f.resolvedAt,
      ...(change.previous && change.kind === 'escalated' ? { previousSeverity: change.previous.severity } : {}),
      origin: key,
    },
  };
}

/**
 * Splits events into batches of at most EVENTGRID_BATCH events and EVENTGRID_MAX_BATCH_BYTES (UTF-8
 * JSON). Every event is bounded where it is built (far below the limit), so each batch holds one at least.
 */
function eventBatches<T extends { event: FindingCloudEvent }>(xs: T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 2;
  for (const x of xs) {
    const size = utf8Bytes(JSON.stringify(x.event)) + 1;
    if (cur.length && (cur.length >= EVENTGRID_BATCH || bytes + size > EVENTGRID_MAX_BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 2;
    }
    cur.push(x);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Plans the notifications of one nightly run or one push event. Deterministic for the same input. */
export function planNotifications(changes: readonly FindingChange[], ctx: PlanContext, policy: NotifyPolicy = DEFAULT_POLICY): PlannedNotification[] {
  const key = originKey(ctx.origin);
  const nowIso = ctx.now.toISOString();
  const routes = compileRoutes(policy.routes);
  const relevant = changes.filter((c) => ALERTING.has(c.kind) || c.kind === 'resolved');
  const out: PlannedNotification[] = [];
  const link = ctx.findingsUrl ? { findingsUrl: ctx.findingsUrl } : {};

  // Per route: the items it should see, split into immediate / digest / held.
  const perRoute = new Map<string, { route: RouteTarget; now: AlertItem[]; later: AlertItem[] }>();
  for (const change of relevant) {
    const f = change.finding;
    const isResolution = change.kind === 'resolved';
    if (isResolution && !policy.notifyResolutions) continue;
    for (const route of routesFor(f, routes)) {
      const threshold = route.match.minSeverity ?? policy.digestMinSeverity;
      if (!atLeast(f.severity, threshold)) continue;
      let slot = perRoute.get(route.name);
      if (!slot) perRoute.set(route.name, (slot = { route, now: [], later: [] }));
      const item = toAlertItem(change, ctx);
      if (ctx.origin.kind === 'event' && !isResolution && atLeast(f.severity, policy.immediateMinSeverity)) slot.now.push(item);
      else slot.later.push(item);
    }
  }

  for (const { route, now, later } of [...perRoute.values()].sort((a, b) => a.route.name.localeCompare(b.route.name))) {
    if (ctx.origin.kind === 'nightly') {
      const items = [...now, ...later];
      if (!items.length) continue;
      const view = buildView('digest', 'Nightly audit', items, policy.digestMaxItems, nowIso, ctx.findingsUrl);
      const base = {
        route: route.name, kind: 'digest' as const, originKey: key, partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
        severity: maxSeverity(items), total: items.length, summary: `Nightly digest: ${fmt(items.length)} change(s)`, ...link,
      };
      out.push(...deliverables(base, route, view, [route.name, key, 'digest'], policy));
      continue;
    }
    if (now.length) {
      const view = buildView('immediate', 'Image push', now, policy.immediateMaxItems, nowIso, ctx.findingsUrl);
      const base = {
        route: route.name, kind: 'immediate' as const, originKey: key, partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
        severity: maxSeverity(now), total: now.length, summary: `Push alert: ${fmt(now.length)} finding(s)`, ...link,
      };
      out.push(...deliverables(base, route, view, [route.name, key, 'immediate', ...contentKeys(now)], policy));
    }
    if (later.length) {
      const bucket = utcDay(ctx.now);
      const held = {
        route: route.name, kind: 'held' as const, originKey: key, partition: partitionFor(`daily:${bucket}`), createdAt: nowIso,
        notBefore: nextUtcMidnight(ctx.now).toISOString(), severity: maxSeverity(later), total: later.length,
        summary: `Held for the daily digest of ${bucket}: ${fmt(later.length)} change(s)`, ...link,
      };
      const sorted = [...later].sort(compareItems).slice(0, HELD_MAX_ITEMS);
      const findingsUrl = { ...link, ...(later.length > sorted.length ? { omitted: later.length - sorted.length } : {}) };
      if (route.teams) {
        out.push({ ...held, id: stableHash(['notify', 'held', 'teams', route.name, key, ...contentKeys(later)]), channel: 'teams',
          payload: { channel: 'held', target: 'teams', bucket, items: sorted, ...findingsUrl } });
      }
      if (route.emailTo.length) {
        out.push({ ...held, id: stableHash(['notify', 'held', 'email', route.name, key, ...contentKeys(later)]), channel: 'email',
          payload: { channel: 'held', target: 'email', to: [...route.emailTo].sort(), bucket, items: sorted, ...findingsUrl } });
      }
    }
  }

  if (policy.eventGrid) {
    const published = [...relevant].sort((a, b) => a.finding.id.localeCompare(b.finding.id) || a.kind.localeCompare(b.kind));
    eventBatches(published.map((c) => ({ change: c, event: cloudEvent(c, key, ctx.now) }))).forEach((pairs, i) => {
      const batch = pairs.map((p) => p.change);
      const events = pairs.map((p) => p.event);
      out.push({
        id: stableHash(['notify', 'eventgrid', key, String(i), ...events.map((e) => e.id)]),
        channel: 'eventgrid', route: 'eventgrid', kind: ctx.origin.kind === 'nightly' ? 'digest' : 'immediate', originKey: key,
        partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
        severity: batch.reduce<Severity>((m, c) => (severityRank(c.finding.severity) > severityRank(m) ? c.finding.severity : m), 'informational'),
        total: batch.length, summary: `Event Grid: ${fmt(batch.length)} CloudEvent(s)`, ...link,
        payload: { channel: 'eventgrid', events },
      });
    });
  }
  return out;
}

/** A held notification as read back from the outbox, for `composeDailyDigest`. */
export interface HeldNotification {
  id: string;
  route: string;
  channel: 'teams' | 'email';
  payload: Extract<NotificationPayload, { channel: 'held' }>;
}

/**
 * Folds held items of one day, route and channel into ONE daily digest. The id depends on the held
 * ids, so composing the same held set again (after a crash) yields the same notification; held items
 * that arrive later make a separate, smaller digest instead of repeating the first one.
 */
export function composeDailyDigest(
  held: readonly HeldNotification[],
  opts: { now: Date; digestMaxItems: number; emailMaxRecipients?: number },
): PlannedNotification[] {
  const first = held[0];
  if (!first) return [];
  const { route, channel } = first;
  const bucket = first.payload.bucket;
  if (held.some((h) => h.route !== route || h.channel !== channel || h.payload.bucket !== bucket)) {
    throw new Error('composeDailyDigest: held notifications of one route, channel and day only');
  }
  // One finding may be held twice in a day (two events): keep its latest state once.
  const byFinding = new Map<string, AlertItem>();
  for (const h of [...held].sort((a, b) => a.id.localeCompare(b.id))) for (const i of h.payload.items) byFinding.set(`${i.findingId}:${i.change}`, i);
  const items = [...byFinding.values()];
  const key = `daily:${bucket}`;
  const nowIso = opts.now.toISOString();
  const findingsUrl = held.find((h) => h.payload.findingsUrl)?.payload.findingsUrl;
  const omitted = held.reduce((n, h) => n + (h.payload.omitted ?? 0), 0);
  const view = buildView('digest', `Daily (${bucket})`, items, opts.digestMaxItems, nowIso, findingsUrl, omitted);
  const base = {
    route, kind: 'digest' as const, originKey: key, partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
    severity: maxSeverity(items), total: view.total, summary: `Daily digest ${bucket}: ${fmt(view.total)} change(s)`,
    ...(findingsUrl ? { findingsUrl } : {}),
  };
  const target: RouteTarget = {
    name: route, match: {}, teams: channel === 'teams',
    emailTo: channel === 'email' ? [...new Set(held.flatMap((h) => h.payload.to ?? []))] : [],
  };
  const ids = held.map((h) => h.id).sort();
  return deliverables(base, target, view, [route, key, 'daily', ...ids],
    { ...DEFAULT_POLICY, emailMaxRecipients: opts.emailMaxRecipients ?? DEFAULT_POLICY.emailMaxRecipients });
}

/**
 * The payload that replaces one still too large for the outbox after bounding (should not happen:
 * every payload is bounded where it is built; this is the last line of defence, so `enqueue` never
 * fails for size). It carries counts, the trusted summary line and the link to the full list.
 */
export function summaryPayload(n: PlannedNotification): NotificationPayload {
  const what = `${n.summary} (the full notification was too large to store; ${fmt(n.total)} finding(s), highest severity ${n.severity})`;
  const link = n.findingsUrl;
  const p = n.payload;
  if (p.channel === 'eventgrid') {
    // Keep one event per finding, reduced to its identifiers.
    return {
      channel: 'eventgrid',
      events: p.events.slice(0, EVENTGRID_BATCH).map((e) => ({
        ...e, subject: boundText(e.subject, 200),
        data: { findingId: boundText(String(e.data.findingId ?? ''), 100), ruleId: boundText(String(e.data.ruleId ?? ''), 200), severity: e.data.severity, change: e.data.change, origin: e.data.origin, truncated: true },
      })),
    };
  }
  if (p.channel === 'held') {
    return { ...p, items: [], omitted: n.total };
  }
  const view: AlertView = {
    kind: n.kind === 'immediate' ? 'immediate' : 'digest', originLabel: n.kind === 'immediate' ? 'Image push' : 'Oversized', items: [],
    total: n.total, countsByChange: {}, countsBySeverity: { [n.severity]: n.total }, generatedAt: n.createdAt, ...(link ? { findingsUrl: link } : {}),
  };
  if (p.channel === 'teams') {
    const message = renderTeamsMessage(view);
    const body = message.attachments[0]!.content.body as Array<Record<string, unknown>>;
    body.splice(1, 0, { type: 'TextBlock', text: escapeCardText(what, 600), wrap: true });
    return { channel: 'teams', message };
  }
  const email = renderEmail(view);
  return { channel: 'email', to: p.to, subject: email.subject, text: `${what}\n\n${email.text}`, html: email.html.replace('</h2>', `</h2>\n<p>${escapeHtml(what, 600)}</p>`) };
}
