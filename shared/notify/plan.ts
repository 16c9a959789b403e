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
 * - Nightly run: ONE digest per route and channel (capped list + "and N more" + link). In addition, the
 *   alerting changes of the rules in `NIGHTLY_IMMEDIATE_RULES` (a running workload newly vulnerable,
 *   issue 12) at or above the immediate threshold -> ONE immediate notification per run, route and
 *   channel, the same items the digest lists (dedupe id: route, run, `immediate`, sorted findingId:change).
 * - Push event: findings at or above the immediate threshold (default high) -> ONE immediate
 *   notification per event, route and channel (a push is one thing that happened; its findings are
 *   shown together, detailed, capped). Findings of the event below that threshold (and event-time
 *   resolutions) are `held`: the outbox keeps them and `composeDailyDigest` folds them into one
 *   daily digest per route and channel after the UTC day ends. Nothing is dropped.
 * - Routing: every explicit route whose subscription/registry match fits receives the finding; a
 *   finding no explicit route matched goes to the `default` route (global webhook / recipients).
 *   A route's `minSeverity` replaces the digest threshold for that route.
 * - Unrouted channels (`feeds`, e.g. Event Grid): every opened/escalated/resolved change, unfiltered.
 *
 * The planner knows no channel: it iterates the channel renderers of the policy (`policy.channels`,
 * see channels/types.ts). A route is `{ name, match, targets: { <channel id>: target } }`.
 */
import type { ChangeKind, Finding, FindingChange } from '../domain/finding.js';
import { stableHash } from '../domain/hash.js';
import { compileRegistryPattern, type RegistryMatcher } from '../domain/patterns.js';
import { atLeast, severityRank, type Severity } from '../domain/severity.js';
import { boundJsonTotal, boundText, EVIDENCE_BOUNDS } from './bound.js';
import { findingLink } from './links.js';
import { PUSH_LABEL, VULNERABLE_WORKLOADS_LABEL, type AlertChange, type AlertItem, type AlertView } from './templates.js';
import { leadWithVulnerabilities, NIGHTLY_IMMEDIATE_RULES } from './renderVulnerableWorkloads.js';
import type { ChannelId, ChannelRenderer, HeldPayload, NotificationPayload, RouteTargets } from './channels/types.js';

export type { ChannelId, ChannelRenderer, HeldPayload, NotificationPayload, RouteTargets } from './channels/types.js';
/** @deprecated use ChannelId */
export type Channel = ChannelId;
export type Origin = { kind: 'nightly'; runId: string } | { kind: 'event'; eventId: string };

export interface RouteMatch {
  subscriptionIds?: string[];
  /** Login-server patterns (`contoso*.azurecr.io`). */
  registries?: string[];
  minSeverity?: Severity;
}

/** A recipient group: channel id -> that channel's target (secrets such as webhook URLs are resolved at send time, never here). */
export interface RouteTarget {
  name: string;
  match: RouteMatch;
  targets: RouteTargets;
}

export interface NotifyPolicy {
  /** The channels the planner renders for (their pure half); a target of a channel not listed is ignored. */
  channels: readonly ChannelRenderer[];
  routes: RouteTarget[];
  /** Unrouted channels (every alerting change, unfiltered): channel id -> target. */
  feeds: RouteTargets;
  /** Threshold for digests (nightly and daily). */
  digestMinSeverity: Severity;
  /** Push-time findings at or above this alert immediately. */
  immediateMinSeverity: Severity;
  notifyResolutions: boolean;
  digestMaxItems: number;
  /** Detailed findings shown in one immediate notification. */
  immediateMaxItems: number;
}

export const DEFAULT_POLICY: NotifyPolicy = {
  channels: [],
  routes: [],
  feeds: {},
  digestMinSeverity: 'medium',
  immediateMinSeverity: 'high',
  notifyResolutions: false,
  digestMaxItems: 25,
  immediateMaxItems: 5,
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

export type NotificationKind = 'immediate' | 'digest' | 'held';

export interface PlannedNotification {
  /** Dedupe key: 32 hex characters, deterministic for (channel, route, origin, content). */
  id: string;
  channel: ChannelId;
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
/** Bounds of the untrusted strings of one finding, applied where alert items and CloudEvents are built. */
export const FIELD_BOUNDS = {
  title: 300, message: 2_000, resourceId: 1_000, subject: 1_000, registry: 300, subscriptionId: 100, ruleId: 200, findingId: 100,
  resourceGroup: 100, owner: 200,
  evidenceKey: 100, evidenceValue: 1_000, remediation: 2_000,
  /** Evidence entries kept per item (the rest is counted in a last "…" entry). */
  evidenceEntries: 16,
  /** JSON characters of one CloudEvent's evidence object. */
  evidenceJson: 8_000,
} as const;
/** Longest portal link we emit; a longer one (from a hostile resource id) is dropped rather than cut. */
export { MAX_LINK_CHARS } from './linkLimits.js';
import { MAX_LINK_CHARS } from './linkLimits.js';
/** Items kept per held notification (one push event): bounds the stored payload. */
export const HELD_MAX_ITEMS = 100;

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

export { findingLink } from './links.js';

/** The resource group of an ARM id (`/subscriptions/x/resourceGroups/<rg>/...`), or undefined. */
export function resourceGroupOf(resourceId: string): string | undefined {
  return /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i.exec(resourceId)?.[1];
}

/**
 * A placeholder value is filled into a remediation command only when it is plainly a name (letters,
 * digits and `. _ - / : @ +`, no URL): a value from the estate can never add shell syntax to a
 * command a person pastes. Otherwise the placeholder stays.
 */
const SHELL_SAFE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]{0,199}$/;

/** What a finding tells about the remediation's placeholders (`<registry>`, `<rg>`, ...). */
export function placeholderValues(f: Pick<Finding, 'resourceId' | 'subject' | 'registry' | 'subscriptionId' | 'ruleId'>): Record<string, string> {
  const v: Record<string, string> = {};
  const parts = f.resourceId.split('/').filter(Boolean);
  const name = parts[parts.length - 1];
  const rg = resourceGroupOf(f.resourceId);
  const isRegistry = /\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i.test(f.resourceId);
  if (rg) Object.assign(v, { rg, 'resource-group': rg });
  if (f.subscriptionId) Object.assign(v, { subscription: f.subscriptionId, 'subscription-id': f.subscriptionId });
  const registryName = isRegistry ? name : f.registry?.split('.')[0];
  if (registryName) Object.assign(v, { registry: registryName, 'this-registry': registryName, 'registry-name': registryName });
  if (f.registry) v['login-server'] = f.registry;
  if (!isRegistry && name) Object.assign(v, { app: name, workload: name, name });
  // The image: `<login server>/<repository>@<digest>` (image rules) or `container <c> image <ref>` (workload rules).
  const image = /^container \S+ image (\S+)$/.exec(f.subject)?.[1] ?? (f.registry && f.subject.startsWith(`${f.registry}/`) ? f.subject : undefined);
  if (image) {
    const rest = image.slice(image.indexOf('/') + 1);
    const m = /^([^@:]+)(?::([^@]+))?(?:@(.+))?$/.exec(rest);
    if (m?.[1]) v.repository = m[1];
    if (m?.[2]) v.tag = m[2];
    if (m?.[3]) v.digest = m[3];
  }
  for (const [k, x] of Object.entries(v)) if (!SHELL_SAFE.test(x) || /:\/\/|^www\./i.test(x)) delete v[k];
  return v;
}

/** Fills `<name>` placeholders whose value is known and shell-safe; newlines and everything else are kept. */
export function fillPlaceholders(cli: string, values: Readonly<Record<string, string>>): string {
  return cli.replace(/<([a-z][a-z-]*)>/g, (m, k: string) => values[k] ?? m);
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

export function toAlertItem(change: FindingChange, ctx: Pick<PlanContext, 'portalUrl' | 'remediationFor' | 'findingsUrl'>): AlertItem {
  const f = change.finding;
  const remediation = ctx.remediationFor?.(f.ruleId);
  const link = portalLink(ctx.portalUrl, f.resourceId);
  const findingUrl = findingLink(ctx.findingsUrl, f.id);
  const rg = resourceGroupOf(f.resourceId);
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
    ...(rg ? { resourceGroup: boundText(rg, b.resourceGroup) } : {}),
    ...(f.owner ? { owner: boundText(f.owner, b.owner) } : {}),
    ...(f.firstSeen ? { firstSeen: boundText(f.firstSeen, 40) } : {}),
    message: boundText(f.message, b.message),
    evidence: evidenceFacts(f.evidence),
    ...(remediation ? { remediation: {
      description: boundText(remediation.description, b.remediation),
      cli: boundText(fillPlaceholders(remediation.cli, placeholderValues(f)), b.remediation),
    } } : {}),
    ...(link ? { portalUrl: link } : {}),
    ...(findingUrl ? { findingUrl } : {}),
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
 * Builds the view (capped), shrinking the cap until every channel's `fits` accepts it (Teams: the card
 * within the message limit, in UTF-8 bytes). If even one item does not fit, the view lists none:
 * counts, "and N more" and the link. `omitted` counts findings left out before (a capped held
 * notification); they are in the total.
 */
export function buildView(
  kind: 'immediate' | 'digest', originLabel: string, all: AlertItem[], cap: number, generatedAt: string, findingsUrl?: string, omitted = 0,
  channels: readonly ChannelRenderer[] = [],
  belowThreshold?: AlertView['belowThreshold'],
): AlertView {
  const sorted = [...all].sort(compareItems);
  const countsByChange: AlertView['countsByChange'] = {};
  const countsBySeverity: AlertView['countsBySeverity'] = {};
  for (const i of sorted) {
    countsByChange[i.change] = (countsByChange[i.change] ?? 0) + 1;
    if (i.change !== 'resolved') countsBySeverity[i.severity] = (countsBySeverity[i.severity] ?? 0) + 1;
  }
  let n = Math.max(1, cap);
  for (;;) {
    const view: AlertView = {
      kind, originLabel, items: sorted.slice(0, n), total: sorted.length + Math.max(0, omitted), countsByChange, countsBySeverity, generatedAt,
      ...(belowThreshold?.count ? { belowThreshold } : {}), ...(findingsUrl ? { findingsUrl } : {}),
    };
    if (n <= 0 || channels.every((c) => c.fits?.(view) ?? true)) return view;
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

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function contentKeys(items: AlertItem[]): string[] {
  return items.map((i) => `${i.findingId}:${i.change}`).sort();
}

/** The messages of every route channel with a target, for one view; ids from (channel, idParts, part). */
function deliverables(
  base: Omit<PlannedNotification, 'id' | 'channel' | 'payload'>,
  targetOf: (c: ChannelRenderer) => unknown,
  view: AlertView,
  idParts: string[],
  channels: readonly ChannelRenderer[],
): PlannedNotification[] {
  const out: PlannedNotification[] = [];
  for (const c of channels) {
    const target = targetOf(c);
    if (!c.render || !c.isTarget(target)) continue;
    for (const m of c.render(view, target)) {
      out.push({ ...base, id: stableHash(['notify', c.id, ...idParts, ...(m.part === undefined ? [] : [m.part])]), channel: c.id, payload: m.payload });
    }
  }
  return out;
}

/** What held items store about a target, and the target of a daily digest from its held rows. */
function holdTarget(c: ChannelRenderer, target: unknown): Pick<HeldPayload, 'to' | 'targetData'> | undefined {
  if (!c.render || !c.isTarget(target)) return undefined;
  return c.holdTarget ? c.holdTarget(target) : { targetData: target };
}

function heldTarget(c: ChannelRenderer, held: readonly HeldPayload[]): unknown {
  return c.heldTarget ? c.heldTarget(held) : held[0]?.targetData;
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
  // Alerting changes each route did not list because they are below its threshold: counted, and said.
  const below = new Map<string, { count: number; threshold: Severity }>();
  for (const change of relevant) {
    const f = change.finding;
    const isResolution = change.kind === 'resolved';
    if (isResolution && !policy.notifyResolutions) continue;
    for (const route of routesFor(f, routes)) {
      const threshold = route.match.minSeverity ?? policy.digestMinSeverity;
      if (!atLeast(f.severity, threshold)) {
        if (!isResolution) below.set(route.name, { count: (below.get(route.name)?.count ?? 0) + 1, threshold });
        continue;
      }
      let slot = perRoute.get(route.name);
      if (!slot) perRoute.set(route.name, (slot = { route, now: [], later: [] }));
      const nightlyNow = NIGHTLY_IMMEDIATE_RULES.has(f.ruleId);
      const item = nightlyNow ? leadWithVulnerabilities(toAlertItem(change, ctx), f.evidence ?? {}, FIELD_BOUNDS.evidenceValue) : toAlertItem(change, ctx);
      const immediate = !isResolution && atLeast(f.severity, policy.immediateMinSeverity);
      if (ctx.origin.kind === 'event' && immediate) slot.now.push(item);
      else {
        slot.later.push(item);
        // Nightly: also sent at once (the digest still lists it).
        if (ctx.origin.kind === 'nightly' && immediate && nightlyNow) slot.now.push(item);
      }
    }
  }

  const channels = policy.channels;
  for (const { route, now, later } of [...perRoute.values()].sort((a, b) => a.route.name.localeCompare(b.route.name))) {
    const targetOf = (c: ChannelRenderer): unknown => route.targets[c.id];
    if (ctx.origin.kind === 'nightly') {
      if (now.length) {
        const view = buildView('immediate', VULNERABLE_WORKLOADS_LABEL, now, policy.immediateMaxItems, nowIso, ctx.findingsUrl, 0, channels);
        const base = {
          route: route.name, kind: 'immediate' as const, originKey: key, partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
          severity: maxSeverity(now), total: now.length, summary: `Vulnerable running workloads: ${fmt(now.length)} finding(s)`, ...link,
        };
        out.push(...deliverables(base, targetOf, view, [route.name, key, 'immediate', ...contentKeys(now)], channels));
      }
      const items = later;
      if (!items.length) continue;
      const view = buildView('digest', 'Nightly audit', items, policy.digestMaxItems, nowIso, ctx.findingsUrl, 0, channels, below.get(route.name));
      const base = {
        route: route.name, kind: 'digest' as const, originKey: key, partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
        severity: maxSeverity(items), total: items.length, summary: `Nightly digest: ${fmt(items.length)} change(s)`, ...link,
      };
      out.push(...deliverables(base, targetOf, view, [route.name, key, 'digest'], channels));
      continue;
    }
    if (now.length) {
      const view = buildView('immediate', PUSH_LABEL, now, policy.immediateMaxItems, nowIso, ctx.findingsUrl, 0, channels);
      const base = {
        route: route.name, kind: 'immediate' as const, originKey: key, partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
        severity: maxSeverity(now), total: now.length, summary: `Push alert: ${fmt(now.length)} finding(s)`, ...link,
      };
      out.push(...deliverables(base, targetOf, view, [route.name, key, 'immediate', ...contentKeys(now)], channels));
    }
    if (later.length) {
      const bucket = utcDay(ctx.now);
      const held = {
        route: route.name, kind: 'held' as const, originKey: key, partition: partitionFor(`daily:${bucket}`), createdAt: nowIso,
        notBefore: nextUtcMidnight(ctx.now).toISOString(), severity: maxSeverity(later), total: later.length,
        summary: `Held for the daily digest of ${bucket}: ${fmt(later.length)} change(s)`, ...link,
      };
      const sorted = [...later].sort(compareItems).slice(0, HELD_MAX_ITEMS);
      const findingsUrl = {
        ...link, ...(later.length > sorted.length ? { omitted: later.length - sorted.length } : {}),
        ...(below.get(route.name) ? { belowThreshold: below.get(route.name)! } : {}),
      };
      for (const c of channels) {
        const hold = holdTarget(c, targetOf(c));
        if (!hold) continue;
        out.push({ ...held, id: stableHash(['notify', 'held', c.id, route.name, key, ...contentKeys(later)]), channel: c.id,
          payload: { channel: 'held', target: c.id, ...hold, bucket, items: sorted, ...findingsUrl } });
      }
    }
  }

  // Unrouted channels (Event Grid): every alerting change, unfiltered; route = the channel id.
  for (const c of channels) {
    const target = policy.feeds[c.id];
    if (!c.feed || !c.isTarget(target)) continue;
    for (const m of c.feed(relevant, { key, now: ctx.now })) {
      out.push({
        id: stableHash(['notify', c.id, key, ...m.idParts]),
        channel: c.id, route: c.id, kind: ctx.origin.kind === 'nightly' ? 'digest' : 'immediate', originKey: key,
        partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
        severity: m.severity, total: m.total, summary: m.summary, ...link,
        payload: m.payload,
      });
    }
  }
  return out;
}

/** A held notification as read back from the outbox, for `composeDailyDigest`. */
export interface HeldNotification {
  id: string;
  route: string;
  channel: ChannelId;
  payload: HeldPayload;
}

/**
 * Folds held items of one day, route and channel into ONE daily digest. The id depends on the held
 * ids, so composing the same held set again (after a crash) yields the same notification; held items
 * that arrive later make a separate, smaller digest instead of repeating the first one.
 */
export function composeDailyDigest(
  held: readonly HeldNotification[],
  opts: { now: Date; digestMaxItems: number; channels: readonly ChannelRenderer[] },
): PlannedNotification[] {
  const first = held[0];
  if (!first) return [];
  const { route, channel } = first;
  const bucket = first.payload.bucket;
  if (held.some((h) => h.route !== route || h.channel !== channel || h.payload.bucket !== bucket)) {
    throw new Error('composeDailyDigest: held notifications of one route, channel and day only');
  }
  const c = opts.channels.find((x) => x.id === channel);
  if (!c) throw new Error(`composeDailyDigest: no channel ${channel}`);
  // One finding may be held twice in a day (two events): keep its latest state once.
  const byFinding = new Map<string, AlertItem>();
  for (const h of [...held].sort((a, b) => a.id.localeCompare(b.id))) for (const i of h.payload.items) byFinding.set(`${i.findingId}:${i.change}`, i);
  const items = [...byFinding.values()];
  const key = `daily:${bucket}`;
  const nowIso = opts.now.toISOString();
  const findingsUrl = held.find((h) => h.payload.findingsUrl)?.payload.findingsUrl;
  const omitted = held.reduce((n, h) => n + (h.payload.omitted ?? 0), 0);
  const belowCount = held.reduce((n, h) => n + (h.payload.belowThreshold?.count ?? 0), 0);
  const threshold = held.find((h) => h.payload.belowThreshold)?.payload.belowThreshold?.threshold;
  const view = buildView('digest', `Daily (${bucket})`, items, opts.digestMaxItems, nowIso, findingsUrl, omitted, opts.channels,
    threshold && belowCount ? { count: belowCount, threshold } : undefined);
  const base = {
    route, kind: 'digest' as const, originKey: key, partition: partitionFor(key), createdAt: nowIso, notBefore: nowIso,
    severity: maxSeverity(items), total: view.total, summary: `Daily digest ${bucket}: ${fmt(view.total)} change(s)`,
    ...(findingsUrl ? { findingsUrl } : {}),
  };
  const target = heldTarget(c, held.map((h) => h.payload));
  const ids = held.map((h) => h.id).sort();
  return deliverables(base, (x) => (x === c ? target : undefined), view, [route, key, 'daily', ...ids], [c]);
}

/**
 * The payload that replaces one still too large for the outbox after bounding (should not happen:
 * every payload is bounded where it is built; this is the last line of defence, so `enqueue` never
 * fails for size). It carries counts, the trusted summary line and the link to the full list.
 */
export function summaryPayload(n: PlannedNotification, channels: readonly ChannelRenderer[], minimal = false): NotificationPayload {
  const what = `${n.summary} (the full notification was too large to store; ${fmt(n.total)} finding(s), highest severity ${n.severity})`;
  const link = n.findingsUrl;
  const p = n.payload;
  if (p.channel === 'held') return { ...p, items: [], omitted: n.total };
  const view: AlertView = {
    kind: n.kind === 'immediate' ? 'immediate' : 'digest',
    originLabel: n.kind !== 'immediate' ? 'Oversized' : n.originKey.startsWith('nightly:') ? VULNERABLE_WORKLOADS_LABEL : PUSH_LABEL, items: [],
    total: n.total, countsByChange: {}, countsBySeverity: { [n.severity]: n.total }, generatedAt: n.createdAt, ...(link ? { findingsUrl: link } : {}),
  };
  const c = channels.find((x) => x.id === p.channel);
  if (!c?.isPayload(p)) throw new Error(`summaryPayload: no channel ${p.channel}`);
  return c.summarize(p, { view, what, minimal });
}
