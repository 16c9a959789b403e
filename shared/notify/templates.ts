/**
 * Rendering of notifications: Adaptive Cards (Teams Workflows) and email (subject, text, HTML). PURE.
 *
 * Cards: every untrusted value is the text of a `TextRun` inside a `RichTextBlock`, which Microsoft's
 * schema says is not parsed as markdown, so nothing is backslash-escaped (Teams mobile shows such
 * backslashes, see STACK.md "Notifications"). `TextBlock`s carry only our own fixed wording and
 * numbers. Facts are column sets of text runs (a FactSet is markdown too). Email: HTML entity-escaped,
 * the plain-text part cleaned (`escape.ts`). Cards use Adaptive Card schema 1.4: Teams renders up to
 * 1.5, and nothing here needs 1.5 (1.4 also renders on older mobile clients and in Outlook).
 */
import { SEVERITIES, type Severity } from '../domain/severity.js';
import { cardRunText, escapeHtml, headerSafe, plainText, safeUrl, textLines } from './escape.js';

export const CARD_VERSION = '1.4';
/** Teams rejects messages above ~28 KB; keep a margin for the envelope and encoding. */
export const TEAMS_MAX_MESSAGE_CHARS = 24_000;
export const MAX_EVIDENCE_FACTS = 8;
/** Portal buttons on one card: one per resource (Teams shows at most six actions in a row set). */
export const MAX_PORTAL_BUTTONS = 4;

export type AlertChange = 'opened' | 'reopened' | 'unsuppressed' | 'escalated' | 'resolved';

/** One finding as shown in a notification. Strings are raw (untrusted); templates clean them where written. */
export interface AlertItem {
  findingId: string;
  ruleId: string;
  title: string;
  severity: Severity;
  previousSeverity?: Severity;
  change: AlertChange;
  resourceId: string;
  subject: string;
  registry?: string;
  subscriptionId?: string;
  /** Resource group of the resource (from its ARM id). */
  resourceGroup?: string;
  /** The resource's `owner` tag, when it has one. */
  owner?: string;
  /** When the finding was first seen (ISO 8601, UTC). */
  firstSeen?: string;
  message: string;
  evidence: Array<[string, string]>;
  /** `cli` has its placeholders filled from the finding where the value is known and shell-safe; newlines kept. */
  remediation?: { description: string; cli: string };
  /** Link to the resource in the Azure portal (built by the planner from trusted parts). */
  portalUrl?: string;
  /** Link to this finding on the findings page (`findingLink`). */
  findingUrl?: string;
}

/** `originLabel` of a push-time immediate notification. */
export const PUSH_LABEL = 'Image push';
/** `originLabel` of the nightly run's immediate notification: running workloads newly exposed to a vulnerability (issue 12). */
export const VULNERABLE_WORKLOADS_LABEL = 'Vulnerable running workloads';

/** The heading of an immediate notification (`counted`: with the number of findings), in our own words. */
function immediateTitle(view: AlertView, counted: boolean): string {
  const n = view.total === 1 ? 'finding' : `${fmt(view.total)} findings`;
  if (view.originLabel === VULNERABLE_WORKLOADS_LABEL) return `ACR auditor: newly vulnerable running workloads${counted ? ` (${fmt(view.total)} finding${view.total === 1 ? '' : 's'})` : ''}`;
  return `ACR auditor: ${counted ? n : 'findings'} at image push`;
}

export interface AlertView {
  kind: 'immediate' | 'digest';
  /** Trusted, fixed wording such as "Nightly audit" or "Image push". */
  originLabel: string;
  /** Items shown (already capped). */
  items: AlertItem[];
  /** Items in the notification before capping. */
  total: number;
  countsByChange: Partial<Record<AlertChange, number>>;
  countsBySeverity: Partial<Record<Severity, number>>;
  /** Alerting changes of the same origin and route below the alert threshold: counted, not listed. */
  belowThreshold?: { count: number; threshold: Severity };
  findingsUrl?: string;
  generatedAt: string;
}

export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: Record<string, unknown>;
  }>;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const CHANGE_WORDS: Record<AlertChange, string> = {
  opened: 'New',
  reopened: 'Reopened',
  unsuppressed: 'Waiver ended',
  escalated: 'Escalated',
  resolved: 'Resolved',
};
const SEVERITY_ORDER: Severity[] = [...SEVERITIES].reverse();

function severityColor(s: Severity): 'Attention' | 'Warning' | 'Accent' | 'Default' {
  return s === 'critical' || s === 'high' ? 'Attention' : s === 'medium' ? 'Warning' : s === 'low' ? 'Accent' : 'Default';
}

/**
 * What a recipient reads first. Rule titles state the compliant condition ("Registry admin user is
 * disabled"), so a new or reopened finding leads with what is wrong (its message) and shows the title as
 * what is expected; a resolution leads with the title (now true).
 */
function headline(item: AlertItem): string {
  return item.change === 'resolved' ? item.title : item.message;
}

/** The subject, unless it only repeats the resource (registry-level findings). */
function subjectOf(item: AlertItem): string | undefined {
  return item.subject.toLowerCase() === item.resourceId.toLowerCase() ? undefined : item.subject;
}

/**
 * An image reference as a person reads it: without the login server when the registry is known (it is
 * shown as the resource), a tag instead of the digest where one is known, else the digest cut to 12
 * hex digits. `registry.azurecr.io/team/app@sha256:9f…` with tag 1.4 -> `team/app:1.4`.
 */
export function shortImage(subject: string, registry?: string, tags: readonly string[] = []): string {
  let s = registry && subject.toLowerCase().startsWith(`${registry.toLowerCase()}/`) ? subject.slice(registry.length + 1) : subject;
  const at = /^([^@\s]+)@(sha256:[0-9a-f]{12})[0-9a-f]{52}$/i.exec(s);
  if (at) s = tags[0] ? `${at[1]}:${tags[0]}` : `${at[1]}@${at[2]}…`;
  return s.replace(/(sha256:[0-9a-f]{12})[0-9a-f]{52}/gi, '$1…');
}

function tagsOf(item: AlertItem): string[] {
  const v = item.evidence.find(([k]) => k === 'tags')?.[1];
  try {
    const xs = v ? (JSON.parse(v) as unknown) : undefined;
    return Array.isArray(xs) ? xs.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The subject for display (see `shortImage`), unless it only repeats the resource. */
function shownSubject(item: AlertItem): string | undefined {
  const s = subjectOf(item);
  return s === undefined ? undefined : shortImage(s, item.registry, tagsOf(item));
}

export function resourceName(resourceId: string): string {
  const parts = resourceId.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? resourceId;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Tue 4 Mar 2025, 02:00 UTC` for an ISO time; anything else unchanged. */
export function readableUtc(iso: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso)) return iso;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** `adminUserEnabled` -> `Admin user enabled`; `ageInDays` -> `Age in days`. */
export function humanKey(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/** An evidence value as a person reads it: a JSON list as `a, b`, true/false as yes/no, an ISO time readable. */
export function humanValue(value: string): string {
  if (value === 'true') return 'yes';
  if (value === 'false') return 'no';
  if (value.startsWith('[') && value.endsWith(']')) {
    try {
      const xs = JSON.parse(value) as unknown;
      if (Array.isArray(xs) && xs.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) return xs.length ? xs.join(', ') : '(none)';
    } catch {
      // not JSON: shown as it is
    }
  }
  return readableUtc(value);
}

export function moreText(view: AlertView): string | undefined {
  const more = view.total - view.items.length;
  return more > 0 ? `and ${fmt(more)} more` : undefined;
}

function summaryLine(view: AlertView): string {
  const parts: string[] = [];
  for (const c of ['opened', 'reopened', 'unsuppressed', 'escalated', 'resolved'] as AlertChange[]) {
    const n = view.countsByChange[c];
    if (n) parts.push(`${fmt(n)} ${CHANGE_WORDS[c].toLowerCase()}`);
  }
  return parts.join(', ') || 'no changes';
}

function severityLine(view: AlertView): string {
  return SEVERITY_ORDER.filter((s) => view.countsBySeverity[s]).map((s) => `${fmt(view.countsBySeverity[s]!)} ${s}`).join(', ');
}

function worst(view: AlertView): { severity: Severity; count: number } | undefined {
  const s = SEVERITY_ORDER.find((x) => view.countsBySeverity[x]);
  return s ? { severity: s, count: view.countsBySeverity[s]! } : undefined;
}

function belowLine(view: AlertView): string | undefined {
  const b = view.belowThreshold;
  if (!b?.count) return undefined;
  return `${fmt(b.count)} more ${b.count === 1 ? 'finding' : 'findings'} below the alert threshold (${b.threshold}) ${b.count === 1 ? 'is' : 'are'} not listed here.`;
}

/** Items of a digest, grouped by rule (groups in the items' order, which is by severity). */
interface RuleGroup {
  ruleId: string;
  title: string;
  items: AlertItem[];
  counts: Partial<Record<Severity, number>>;
}

function groupByRule(items: readonly AlertItem[]): RuleGroup[] {
  const groups = new Map<string, RuleGroup>();
  for (const i of items) {
    let g = groups.get(i.ruleId);
    if (!g) groups.set(i.ruleId, (g = { ruleId: i.ruleId, title: i.title, items: [], counts: {} }));
    g.items.push(i);
    g.counts[i.severity] = (g.counts[i.severity] ?? 0) + 1;
  }
  return [...groups.values()];
}

function countsText(counts: Partial<Record<Severity, number>>): string {
  return SEVERITY_ORDER.filter((s) => counts[s]).map((s) => `${fmt(counts[s]!)} ${s}`).join(', ');
}

function sevText(item: AlertItem, arrow = '→'): string {
  return (item.previousSeverity ? `${item.previousSeverity} ${arrow} ${item.severity}` : item.severity).toUpperCase();
}

/** Where a finding is: resource name, resource group, subscription (untrusted, raw). */
function placeFacts(item: AlertItem): Array<[string, string]> {
  const out: Array<[string, string]> = [['Resource', resourceName(item.resourceId)]];
  if (item.resourceGroup) out.push(['Resource group', item.resourceGroup]);
  if (item.subscriptionId) out.push(['Subscription', item.subscriptionId]);
  if (item.owner) out.push(['Owner', item.owner]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Adaptive Cards

type Json = Record<string, unknown>;

/** Our own fixed wording (no untrusted text, nothing markdown could change). */
function text(t: string, extra: Json = {}): Json {
  return { type: 'TextBlock', text: t, wrap: true, ...extra };
}

/** A text run: untrusted values are cleaned by `cardRunText` (no markdown in TextRuns, nothing to escape). */
function run(t: string, extra: Json = {}): Json {
  return { type: 'TextRun', text: t, ...extra };
}

function rich(inlines: Json[], extra: Json = {}): Json {
  return { type: 'RichTextBlock', inlines, ...extra };
}

/** A fact as a two-column row of text runs (a FactSet would be markdown). */
function factRow(label: string, value: string, max = 300): Json {
  return {
    type: 'ColumnSet',
    spacing: 'None',
    columns: [
      { type: 'Column', width: '110px', items: [rich([run(cardRunText(label, 40), { weight: 'Bolder', isSubtle: true })])] },
      { type: 'Column', width: 'stretch', items: [rich([run(cardRunText(value, max))])] },
    ],
  };
}

function findingLinkRun(item: AlertItem, label = 'Open finding'): Json[] {
  const url = safeUrl(item.findingUrl);
  return url ? [run(label, { color: 'Accent', selectAction: { type: 'Action.OpenUrl', url, title: label } })] : [];
}

/** A remediation command: one monospace run per line (newlines kept, so a `\` continuation or a `#` comment stays on its line). */
function commandBlock(cli: string): Json {
  return {
    type: 'Container',
    style: 'emphasis',
    spacing: 'Small',
    items: textLines(cli).map((line) => rich([run(line || ' ', { fontType: 'Monospace', size: 'Small' })], { spacing: 'None' })),
  };
}

function detailedItem(item: AlertItem, first: boolean, showPlace: boolean): Json {
  const items: Json[] = [
    rich([run(sevText(item), { weight: 'Bolder', color: severityColor(item.severity) }), run(` · ${CHANGE_WORDS[item.change]}`, { weight: 'Bolder' })]),
    rich([run(cardRunText(headline(item), 500), { weight: 'Bolder', size: 'Medium' })], { spacing: 'Small' }),
    rich(item.change === 'resolved'
      ? [run(cardRunText(item.message, 300), { isSubtle: true })]
      : [run('Expected: ', { isSubtle: true }), run(cardRunText(item.title, 200), { isSubtle: true })], { spacing: 'Small' }),
  ];
  // The place is said once above when every finding is on one resource.
  const facts: Array<[string, string]> = showPlace ? [...placeFacts(item)] : [];
  const subject = shownSubject(item);
  if (subject) facts.push(['Subject', subject]);
  facts.push(['Rule', item.ruleId]);
  // A new finding was first seen now: the date only says something for a reopened or escalated one.
  if (item.firstSeen && item.change !== 'opened') facts.push(['First seen', readableUtc(item.firstSeen)]);
  for (const [k, v] of item.evidence.slice(0, MAX_EVIDENCE_FACTS)) facts.push([humanKey(k), humanValue(v)]);
  items.push({ type: 'Container', spacing: 'Small', items: facts.map(([k, v]) => factRow(k, v)) });
  if (item.remediation && item.change !== 'resolved') {
    items.push(rich([run('Remediation: ', { weight: 'Bolder' }), run(cardRunText(item.remediation.description, 600))], { spacing: 'Medium' }));
    if (item.remediation.cli) items.push(commandBlock(item.remediation.cli));
  }
  const link = findingLinkRun(item);
  if (link.length) items.push(rich(link, { spacing: 'Small' }));
  return { type: 'Container', separator: !first, spacing: first ? 'Default' : 'Large', items };
}

/** One line of a digest group: where (resource, group, subscription, owner), what (message), the link. */
function compactItem(item: AlertItem): Json[] {
  const where: Json[] = [
    run(sevText(item), { weight: 'Bolder', color: severityColor(item.severity), size: 'Small' }),
    run(` ${CHANGE_WORDS[item.change]} · `, { size: 'Small' }),
    run(cardRunText(resourceName(item.resourceId), 80), { weight: 'Bolder', size: 'Small' }),
  ];
  const place = [item.resourceGroup && `rg ${item.resourceGroup}`, item.subscriptionId && `sub ${item.subscriptionId}`].filter(Boolean).join(' · ');
  if (place) where.push(run(` · ${cardRunText(place, 200)}`, { isSubtle: true, size: 'Small' }));
  if (item.owner) where.push(run(` · owner ${cardRunText(item.owner, 80)}`, { size: 'Small' }));
  const subject = shownSubject(item);
  const what: Json[] = [run(cardRunText(headline(item), 240), { size: 'Small' })];
  if (subject) what.push(run(` · ${cardRunText(subject, 160)}`, { isSubtle: true, size: 'Small' }));
  const link = findingLinkRun(item, 'Open');
  if (link.length) what.push(run(' · ', { size: 'Small' }), ...link.map((l) => ({ ...l, size: 'Small' })));
  return [rich(where, { spacing: 'Small' }), rich(what, { spacing: 'None' })];
}

function groupCount(g: RuleGroup, capped: boolean): string {
  const n = g.items.length;
  return `${fmt(n)} ${capped ? 'shown' : n === 1 ? 'finding' : 'findings'} (${countsText(g.counts)})`;
}

function groupBlock(g: RuleGroup, capped: boolean): Json {
  const items: Json[] = [
    rich([
      run(cardRunText(g.title, 200), { weight: 'Bolder' }),
      run(` · ${groupCount(g, capped)}`, { isSubtle: true }),
    ]),
    rich([run(cardRunText(g.ruleId, 120), { isSubtle: true, size: 'Small', fontType: 'Monospace' })], { spacing: 'None' }),
  ];
  for (const i of g.items) items.push(...compactItem(i));
  return { type: 'Container', separator: true, spacing: 'Medium', items };
}

/** One "Open <name> in the Azure portal" button per distinct resource (capped). */
function portalActions(items: readonly AlertItem[]): Json[] {
  const seen = new Map<string, Json>();
  for (const i of items) {
    const url = safeUrl(i.portalUrl);
    const key = i.resourceId.toLowerCase();
    if (!url || seen.has(key) || seen.size >= MAX_PORTAL_BUTTONS) continue;
    seen.set(key, { type: 'Action.OpenUrl', title: `Portal: ${plainText(resourceName(i.resourceId), 40)}`, url });
  }
  return [...seen.values()];
}

/** The Workflows webhook message (an Adaptive Card attachment) for a notification. */
export function renderTeamsMessage(view: AlertView): TeamsMessage {
  const heading = view.kind === 'immediate'
    ? immediateTitle(view, true)
    : `ACR auditor: ${view.originLabel} digest`;
  const sev = severityLine(view);
  const body: Json[] = [
    text(heading, { size: 'Large', weight: 'Bolder' }),
    text(`${summaryLine(view)}${sev ? ` (${sev})` : ''}`, { isSubtle: true, spacing: 'None' }),
  ];
  const below = belowLine(view);
  if (below) body.push(text(below, { isSubtle: true, spacing: 'None', size: 'Small' }));
  if (view.kind === 'immediate') {
    // One push is usually one resource: say where once, not per finding.
    const first = view.items[0];
    const oneResource = view.items.length > 1 && first && view.items.every((i) => i.resourceId === first.resourceId);
    if (oneResource) body.push({ type: 'Container', spacing: 'Medium', items: placeFacts(first).map(([k, v]) => factRow(k, v)) });
    view.items.forEach((item, i) => body.push(detailedItem(item, i === 0, !oneResource)));
  }
  else for (const g of groupByRule(view.items)) body.push(groupBlock(g, moreText(view) !== undefined));
  const more = moreText(view);
  if (more) body.push(text(`… ${more}`, { weight: 'Bolder', spacing: 'Medium' }));
  body.push(text(`Generated ${readableUtc(view.generatedAt)}`, { isSubtle: true, size: 'Small', spacing: 'Medium' }));
  const actions: Json[] = view.kind === 'immediate' ? portalActions(view.items) : [];
  const list = safeUrl(view.findingsUrl);
  if (list) actions.push({ type: 'Action.OpenUrl', title: more || below ? 'Open the full list' : 'Open findings', url: list });
  const content: Json = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    body,
    ...(actions.length ? { actions } : {}),
    msteams: { width: 'Full' },
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}

// ---------------------------------------------------------------------------------------------
// Email

/**
 * Subject: fixed wording plus header-safe values only. It names the worst severity and its count
 * first ("9 high of 30 new"), so the inbox line says how urgent the message is.
 */
export function emailSubject(view: AlertView): string {
  const top = view.items[0];
  if (view.kind === 'immediate') {
    const what = view.total === 1 && top ? `${top.severity.toUpperCase()}: ${headerSafe(headline(top), 80)}` : `${fmt(view.total)} findings${worstText(view)}`;
    const where = top ? ` on ${headerSafe(top.registry ?? resourceName(top.resourceId), 60)}` : '';
    return headerSafe(`[ACR auditor] ${what}${where}`, 160);
  }
  const w = worst(view);
  const lead = w ? `${fmt(w.count)} ${w.severity}${w.count === view.total ? '' : ` of ${fmt(view.total)}`}` : fmt(view.total);
  return headerSafe(`[ACR auditor] ${view.originLabel} digest: ${lead} (${summaryLine(view)})`, 160);
}

function worstText(view: AlertView): string {
  const w = worst(view);
  return w && w.count < view.total ? `, ${fmt(w.count)} ${w.severity}` : w ? `, all ${w.severity}` : '';
}

function textItem(item: AlertItem, detailed: boolean): string {
  const lines = [`- [${sevText(item, '->')}] ${CHANGE_WORDS[item.change]}: ${plainText(headline(item), 300)}`];
  if (detailed && item.change !== 'resolved') lines.push(`  Expected: ${plainText(item.title, 200)}`);
  for (const [k, v] of placeFacts(item)) lines.push(`  ${k}: ${plainText(v, 200)}`);
  const subject = subjectOf(item);
  if (subject) lines.push(`  Subject: ${plainText(subject, 300)}`);
  if (detailed) {
    lines.push(`  Rule: ${plainText(item.ruleId, 120)}`);
    if (item.firstSeen) lines.push(`  First seen: ${readableUtc(item.firstSeen)}`);
    for (const [k, v] of item.evidence.slice(0, MAX_EVIDENCE_FACTS)) lines.push(`  ${plainText(humanKey(k), 40)}: ${plainText(humanValue(v), 200)}`);
    if (item.remediation && item.change !== 'resolved') {
      lines.push(`  Remediation: ${plainText(item.remediation.description, 600)}`);
      if (item.remediation.cli) lines.push('', ...textLines(item.remediation.cli).map((l) => `    ${l}`), '');
    }
    const portal = safeUrl(item.portalUrl);
    if (portal) lines.push(`  Portal: ${portal}`);
  }
  const url = safeUrl(item.findingUrl);
  if (url) lines.push(`  Finding: ${url}`);
  return lines.join('\n');
}

const CELL = 'padding:2px 8px 2px 0;vertical-align:top;overflow-wrap:anywhere;word-break:break-word';
const PRE = 'background:#f3f3f3;border:1px solid #ddd;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-family:Consolas,Menlo,monospace;font-size:13px';

function htmlRows(rows: Array<[string, string]>): string {
  return `<table role="presentation" cellspacing="0" style="border-collapse:collapse;width:100%;table-layout:fixed"><colgroup><col style="width:8.5em"><col></colgroup>${rows
    .map(([k, v]) => `<tr><th align="left" style="${CELL};color:#555;font-weight:600">${escapeHtml(k, 60)}</th><td style="${CELL}">${escapeHtml(v, 300)}</td></tr>`)
    .join('')}</table>`;
}

function htmlItem(item: AlertItem, detailed: boolean): string {
  const rows: Array<[string, string]> = [...placeFacts(item)];
  const subject = subjectOf(item);
  if (subject) rows.push(['Subject', subject]);
  if (detailed) {
    rows.push(['Rule', item.ruleId]);
    if (item.firstSeen) rows.push(['First seen', readableUtc(item.firstSeen)]);
    for (const [k, v] of item.evidence.slice(0, MAX_EVIDENCE_FACTS)) rows.push([humanKey(k), humanValue(v)]);
  }
  const color = item.severity === 'critical' || item.severity === 'high' ? '#a4262c' : item.severity === 'medium' ? '#8a5a00' : '#444';
  let html = `<div style="margin:12px 0;padding-top:8px;border-top:1px solid #ddd"><p style="margin:0;font-weight:600;overflow-wrap:anywhere"><span style="color:${color}">${escapeHtml(sevText(item))}</span> ${CHANGE_WORDS[item.change]}: ${escapeHtml(headline(item), 300)}</p>`;
  if (detailed && item.change !== 'resolved') html += `<p style="margin:2px 0 6px;color:#555;overflow-wrap:anywhere">Expected: ${escapeHtml(item.title, 200)}</p>`;
  html += htmlRows(rows);
  if (detailed && item.remediation && item.change !== 'resolved') {
    html += `<p style="margin:8px 0 4px;overflow-wrap:anywhere"><b>Remediation:</b> ${escapeHtml(item.remediation.description, 600)}</p>`;
    if (item.remediation.cli) html += `<pre style="${PRE}"><code>${textLines(item.remediation.cli).map((l) => escapeHtml(l, 400)).join('\n')}</code></pre>`;
  }
  const links: string[] = [];
  const finding = safeUrl(item.findingUrl);
  if (finding) links.push(`<a href="${escapeHtml(finding)}">Open the finding</a>`);
  const portal = safeUrl(item.portalUrl);
  if (detailed && portal) links.push(`<a href="${escapeHtml(portal)}">Open in the Azure portal</a>`);
  if (links.length) html += `<p style="margin:6px 0">${links.join(' &middot; ')}</p>`;
  return `${html}</div>`;
}

function htmlGroup(g: RuleGroup, capped: boolean): string {
  return `<h3 style="margin:20px 0 0;font-size:16px;overflow-wrap:anywhere">${escapeHtml(g.title, 200)} <span style="font-weight:normal;color:#555">&middot; ${escapeHtml(groupCount(g, capped))}</span></h3>` +
    `<p style="margin:0;color:#555;font-family:Consolas,Menlo,monospace;font-size:12px;overflow-wrap:anywhere">${escapeHtml(g.ruleId, 120)}</p>` +
    g.items.map((i) => htmlItem(i, false)).join('\n');
}

function textGroup(g: RuleGroup, capped: boolean): string {
  return [`${plainText(g.title, 200)} (${plainText(g.ruleId, 120)}): ${groupCount(g, capped)}`, ...g.items.map((i) => textItem(i, false))].join('\n');
}

export function renderEmail(view: AlertView): EmailContent {
  const detailed = view.kind === 'immediate';
  const more = moreText(view);
  const below = belowLine(view);
  const list = safeUrl(view.findingsUrl);
  const title = view.kind === 'immediate' ? immediateTitle(view, false) : `ACR auditor: ${view.originLabel} digest`;
  const sevLine = severityLine(view);
  const generated = `Generated ${readableUtc(view.generatedAt)}`;
  const text = [
    title,
    `${summaryLine(view)}${sevLine ? ` (${sevLine})` : ''}`,
    ...(below ? [below] : []),
    '',
    ...(detailed ? view.items.map((i) => textItem(i, true)) : groupByRule(view.items).map((g) => `${textGroup(g, more !== undefined)}\n`)),
    ...(more ? ['', `... ${more}${list ? `: ${list}` : ''}`] : list ? ['', `All findings: ${list}`] : []),
    '',
    generated,
  ].join('\n');
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"></head>',
    '<body style="margin:0;padding:12px;font-family:Segoe UI,Arial,sans-serif;font-size:14px;line-height:1.4;color:#222">',
    '<div style="max-width:760px;margin:0 auto">',
    `<h2 style="margin:0 0 4px;font-size:20px">${escapeHtml(title)}</h2>`,
    `<p style="margin:0">${escapeHtml(summaryLine(view))}${sevLine ? ` (${escapeHtml(sevLine)})` : ''}</p>`,
    below ? `<p style="margin:4px 0;color:#555">${escapeHtml(below)}</p>` : '',
    ...(detailed ? view.items.map((i) => htmlItem(i, true)) : groupByRule(view.items).map((g) => htmlGroup(g, more !== undefined))),
    more ? `<p><b>${escapeHtml(more)}</b>${list ? ` &mdash; <a href="${escapeHtml(list)}">open the full list</a>` : ''}</p>` : list ? `<p><a href="${escapeHtml(list)}">All findings</a></p>` : '',
    `<p style="color:#666;font-size:12px">${escapeHtml(generated)}</p>`,
    '</div></body></html>',
  ].join('\n');
  return { subject: emailSubject(view), text, html };
}
