/**
 * Rendering of notifications: Adaptive Cards (Teams Workflows) and email (subject, text, HTML). PURE.
 *
 * Every untrusted value goes through `escape.ts` at the point where it is written; the only
 * unescaped text is our own fixed wording. Cards use Adaptive Card schema 1.4: Teams renders up
 * to 1.5, and nothing here needs 1.5 (1.4 also renders on older mobile clients and in Outlook).
 */
import type { Severity } from '../domain/severity.js';
import { escapeCardText, escapeHtml, headerSafe, plainText, safeUrl } from './escape.js';

export const CARD_VERSION = '1.4';
/** Teams rejects messages above ~28 KB; keep a margin for the envelope and encoding. */
export const TEAMS_MAX_MESSAGE_CHARS = 24_000;
export const MAX_EVIDENCE_FACTS = 8;

export type AlertChange = 'opened' | 'reopened' | 'unsuppressed' | 'escalated' | 'resolved';

/** One finding as shown in a notification. Strings are raw (untrusted); templates escape them. */
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
  message: string;
  evidence: Array<[string, string]>;
  remediation?: { description: string; cli: string };
  /** Link to the resource in the Azure portal (built by the planner from trusted parts). */
  portalUrl?: string;
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
const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];

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

function expected(item: AlertItem): string | undefined {
  return item.change === 'resolved' ? undefined : `Expected: ${item.title}`;
}

/** The subject, unless it only repeats the resource (registry-level findings). */
function subjectOf(item: AlertItem): string | undefined {
  return item.subject.toLowerCase() === item.resourceId.toLowerCase() ? undefined : item.subject;
}

export function resourceName(resourceId: string): string {
  const parts = resourceId.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? resourceId;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
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
  return SEVERITY_ORDER.filter((s) => view.countsBySeverity[s]).map((s) => `${s} ${fmt(view.countsBySeverity[s]!)}`).join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Adaptive Cards

function text(t: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'TextBlock', text: t, wrap: true, ...extra };
}

function facts(item: AlertItem): Array<{ title: string; value: string }> {
  const out = [
    { title: 'Severity', value: item.previousSeverity ? `${item.previousSeverity} → ${item.severity}` : item.severity },
    { title: 'Change', value: CHANGE_WORDS[item.change] },
    { title: 'Rule', value: escapeCardText(item.ruleId, 120) },
    { title: 'Resource', value: escapeCardText(resourceName(item.resourceId), 200) },
    { title: 'Subject', value: escapeCardText(item.subject, 300) },
  ];
  if (item.registry) out.push({ title: 'Registry', value: escapeCardText(item.registry, 200) });
  if (item.subscriptionId) out.push({ title: 'Subscription', value: escapeCardText(item.subscriptionId, 64) });
  for (const [k, v] of item.evidence.slice(0, MAX_EVIDENCE_FACTS)) {
    out.push({ title: escapeCardText(k, 40), value: escapeCardText(v, 200) });
  }
  return out;
}

function detailedItem(item: AlertItem, first: boolean): Record<string, unknown> {
  const items: Record<string, unknown>[] = [
    text(`${item.severity.toUpperCase()} · ${CHANGE_WORDS[item.change]}`, { weight: 'Bolder', color: severityColor(item.severity), size: 'Small' }),
    text(escapeCardText(headline(item), 500), { weight: 'Bolder', size: 'Medium' }),
    text(item.change === 'resolved' ? escapeCardText(item.message, 300) : `Expected: ${escapeCardText(item.title, 200)}`, { isSubtle: true }),
    { type: 'FactSet', facts: facts(item) },
  ];
  if (item.remediation && item.change !== 'resolved') {
    items.push(text('Remediation', { weight: 'Bolder', spacing: 'Medium' }));
    items.push(text(escapeCardText(item.remediation.description, 600)));
    if (item.remediation.cli) items.push(text(escapeCardText(item.remediation.cli, 600), { fontType: 'Monospace', size: 'Small' }));
  }
  const url = safeUrl(item.portalUrl);
  if (url) items.push({ type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: 'Open in the Azure portal', url }] });
  return { type: 'Container', separator: !first, spacing: first ? 'Default' : 'Large', items };
}

function compactItem(item: AlertItem): Record<string, unknown> {
  const sev = item.previousSeverity ? `${item.previousSeverity}→${item.severity}` : item.severity;
  const subject = subjectOf(item);
  const line = `**${sev.toUpperCase()}** ${CHANGE_WORDS[item.change]} · ${escapeCardText(resourceName(item.resourceId), 80)}: ${escapeCardText(headline(item), 200)}` +
    `${subject ? ` · ${escapeCardText(subject, 160)}` : ''} (${escapeCardText(item.ruleId, 60)})`;
  return text(line, { spacing: 'Small' });
}

/** The Workflows webhook message (an Adaptive Card attachment) for a notification. */
export function renderTeamsMessage(view: AlertView): TeamsMessage {
  const heading = view.kind === 'immediate'
    ? `ACR auditor: ${view.total === 1 ? 'finding' : `${fmt(view.total)} findings`} at image push`
    : `ACR auditor: ${view.originLabel} digest`;
  const body: Record<string, unknown>[] = [
    text(heading, { size: 'Large', weight: 'Bolder' }),
    text(`${summaryLine(view)}${severityLine(view) ? ` (${severityLine(view)})` : ''}`, { isSubtle: true, spacing: 'None' }),
  ];
  view.items.forEach((item, i) => body.push(view.kind === 'immediate' ? detailedItem(item, i === 0) : compactItem(item)));
  const more = moreText(view);
  if (more) body.push(text(`… ${more}`, { weight: 'Bolder', spacing: 'Medium' }));
  body.push(text(`Generated ${view.generatedAt}`, { isSubtle: true, size: 'Small', spacing: 'Medium' }));
  const actions: Record<string, unknown>[] = [];
  const list = safeUrl(view.findingsUrl);
  if (list) actions.push({ type: 'Action.OpenUrl', title: more ? 'Open the full list' : 'Open findings', url: list });
  const content: Record<string, unknown> = {
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

/** Subject: fixed wording plus header-safe values only. */
export function emailSubject(view: AlertView): string {
  if (view.kind === 'immediate') {
    const top = view.items[0];
    const what = view.total === 1 && top ? `${top.severity.toUpperCase()}: ${headerSafe(headline(top), 80)}` : `${fmt(view.total)} findings`;
    const where = top ? ` on ${headerSafe(top.registry ?? resourceName(top.resourceId), 60)}` : '';
    return headerSafe(`[ACR auditor] ${what}${where}`, 160);
  }
  return headerSafe(`[ACR auditor] ${view.originLabel} digest: ${summaryLine(view)}`, 160);
}

function textItem(item: AlertItem, detailed: boolean): string {
  const sev = item.previousSeverity ? `${item.previousSeverity} -> ${item.severity}` : item.severity;
  const subject = subjectOf(item);
  const lines = [`- [${sev.toUpperCase()}] ${CHANGE_WORDS[item.change]}: ${plainText(headline(item), 300)}`];
  const exp = expected(item);
  if (exp) lines.push(`  ${plainText(exp, 200)}`);
  lines.push(`  Resource: ${plainText(resourceName(item.resourceId), 200)}`);
  if (subject) lines.push(`  Subject:  ${plainText(subject, 300)}`);
  if (detailed) {
    lines.push(`  Rule:     ${plainText(item.ruleId, 120)}`);
    if (item.registry) lines.push(`  Registry: ${plainText(item.registry, 200)}`);
    for (const [k, v] of item.evidence.slice(0, MAX_EVIDENCE_FACTS)) lines.push(`  ${plainText(k, 40)}: ${plainText(v, 200)}`);
    if (item.remediation && item.change !== 'resolved') {
      lines.push(`  Remediation: ${plainText(item.remediation.description, 600)}`);
      if (item.remediation.cli) lines.push(`    ${plainText(item.remediation.cli, 600)}`);
    }
    const url = safeUrl(item.portalUrl);
    if (url) lines.push(`  Portal: ${url}`);
  }
  return lines.join('\n');
}

function htmlItem(item: AlertItem, detailed: boolean): string {
  const sev = item.previousSeverity ? `${item.previousSeverity} &rarr; ${item.severity}` : item.severity;
  const subject = subjectOf(item);
  const rows: string[] = [
    `<tr><th align="left">Rule</th><td>${escapeHtml(item.ruleId, 120)}</td></tr>`,
    `<tr><th align="left">Resource</th><td>${escapeHtml(resourceName(item.resourceId), 200)}</td></tr>`,
    ...(subject ? [`<tr><th align="left">Subject</th><td>${escapeHtml(subject, 300)}</td></tr>`] : []),
  ];
  if (detailed) {
    if (item.registry) rows.push(`<tr><th align="left">Registry</th><td>${escapeHtml(item.registry, 200)}</td></tr>`);
    for (const [k, v] of item.evidence.slice(0, MAX_EVIDENCE_FACTS)) {
      rows.push(`<tr><th align="left">${escapeHtml(k, 40)}</th><td>${escapeHtml(v, 200)}</td></tr>`);
    }
  }
  let html = `<h3 style="margin-bottom:4px">[${sev.toUpperCase()}] ${CHANGE_WORDS[item.change]}: ${escapeHtml(headline(item), 300)}</h3>`;
  const exp = expected(item);
  if (exp) html += `<p style="margin-top:0">${escapeHtml(exp, 200)}</p>`;
  html += `<table cellpadding="2">${rows.join('')}</table>`;
  if (detailed && item.remediation && item.change !== 'resolved') {
    html += `<p><b>Remediation:</b> ${escapeHtml(item.remediation.description, 600)}</p>`;
    if (item.remediation.cli) html += `<pre>${escapeHtml(item.remediation.cli, 600)}</pre>`;
  }
  const url = safeUrl(item.portalUrl);
  if (detailed && url) html += `<p><a href="${escapeHtml(url, 2000)}">Open in the Azure portal</a></p>`;
  return html;
}

export function renderEmail(view: AlertView): EmailContent {
  const detailed = view.kind === 'immediate';
  const more = moreText(view);
  const list = safeUrl(view.findingsUrl);
  const title = view.kind === 'immediate' ? 'ACR auditor: findings at image push' : `ACR auditor: ${view.originLabel} digest`;
  const sevLine = severityLine(view);
  const text = [
    title,
    `${summaryLine(view)}${sevLine ? ` (${sevLine})` : ''}`,
    '',
    ...view.items.map((i) => textItem(i, detailed)),
    ...(more ? ['', `... ${more}${list ? `: ${list}` : ''}`] : list ? ['', `All findings: ${list}`] : []),
    '',
    `Generated ${view.generatedAt}`,
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif">',
    `<h2>${escapeHtml(title)}</h2>`,
    `<p>${escapeHtml(summaryLine(view))}${sevLine ? ` (${escapeHtml(sevLine)})` : ''}</p>`,
    ...view.items.map((i) => htmlItem(i, detailed)),
    more ? `<p><b>${escapeHtml(more)}</b>${list ? ` &mdash; <a href="${escapeHtml(list)}">open the full list</a>` : ''}</p>` : list ? `<p><a href="${escapeHtml(list)}">All findings</a></p>` : '',
    `<p style="color:#666;font-size:small">Generated ${escapeHtml(view.generatedAt)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: emailSubject(view), text, html };
}
