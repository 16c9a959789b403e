/** What the CLI prints: the JSON document (a contract) and a readable table. */
import type { ChangeCounts, FindingStatus } from '../shared/domain/finding.js';
import { severityRank } from '../shared/domain/severity.js';
import type { Gap } from '../shared/domain/snapshots.js';
import type { StoredFinding } from '../shared/findings/diff.js';
import type { FindingsStore } from '../shared/findings/tableFindingsStore.js';

export interface RunSummary {
  id: string;
  startedAt: string;
  finishedAt: string;
  complete: boolean;
  gaps: Array<{ scope: string; reason: string }>;
  counts: ChangeCounts;
}

export interface FindingOut {
  id: string;
  ruleId: string;
  severity: string;
  status: FindingStatus;
  resourceId: string;
  subject: string;
  title: string;
  message: string;
  evidence: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  /** Why a resolved finding resolved: `passed`, `not_applicable` or `gone` (null while open or suppressed). */
  resolution: string | null;
}

export interface AuditReport {
  run: RunSummary;
  findings: FindingOut[];
}

export function toFindingOut(f: StoredFinding): FindingOut {
  return {
    id: f.id,
    ruleId: f.ruleId,
    severity: f.severity,
    status: f.status,
    resourceId: f.resourceId,
    subject: f.subject,
    title: f.title,
    message: f.message,
    evidence: f.evidence,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    resolvedAt: f.resolvedAt ?? null,
    resolution: f.status === 'resolved' ? (f.resolution ?? null) : null,
  };
}

export type StatusFilter = FindingStatus | 'all';

export async function collectFindings(store: FindingsStore, status: StatusFilter): Promise<FindingOut[]> {
  const out: FindingOut[] = [];
  for await (const f of store.listFindings(status === 'all' ? {} : { status })) out.push(toFindingOut(f));
  return out.sort(
    (a, b) =>
      severityRank(b.severity as never) - severityRank(a.severity as never) ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.resourceId.localeCompare(b.resourceId) ||
      a.subject.localeCompare(b.subject),
  );
}

export function gapsOut(gaps: readonly Gap[]): Array<{ scope: string; reason: string }> {
  const seen = new Set<string>();
  const out = [];
  for (const g of gaps) {
    const key = `${g.scope}|${g.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ scope: g.scope, reason: g.reason });
  }
  return out;
}

/** Removes control and bidi characters so untrusted strings cannot rewrite the terminal. */
export function terminalSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
}

function shortResource(id: string): string {
  const parts = id.split('/');
  return parts.length > 2 ? `${parts[parts.length - 2]}/${parts[parts.length - 1]}` : id;
}

/** At most `max` characters, cut at a word boundary (never mid-word) and marked with an ellipsis. */
export function cutAtWord(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = s.slice(0, max - 1);
  const space = head.search(/\s\S*$/);
  // A single word longer than the half of the room is cut where it must be (a URL, an id).
  return `${(space > max / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** Hides what must never be printed from an error text: SAS signatures, keys and URL credentials. */
export function redactSecrets(s: string): string {
  return s
    .replace(/\b(sig|signature|accountkey|accesskey|sharedaccesskey|sharedaccesssignature|password|client_secret)=[^&;\s"']*/gi, '$1=<redacted>')
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1<credentials>@');
}

/**
 * One line for an error message: a service's XML error body becomes its code and message, then the first
 * line only, secrets redacted, cut at a word boundary, terminal-safe.
 */
export function errorLine(message: string, max = 240): string {
  let text = message;
  if (/^\s*<\?xml|<Error>/i.test(text)) {
    const code = /<Code>([^<]*)<\/Code>/i.exec(text)?.[1];
    const detail = /<Message>([^<]*)/i.exec(text)?.[1];
    text = [code, detail?.split('\n')[0]].filter(Boolean).join(': ') || 'the service answered with an error document';
  }
  const first = text.split(/\r?\n/).find((l) => l.trim()) ?? '';
  return cutAtWord(terminalSafe(redactSecrets(first.trim())), max);
}

function clip(s: string, n: number): string {
  return cutAtWord(terminalSafe(s), n);
}

export function renderTable(report: AuditReport): string {
  const { run, findings } = report;
  const lines: string[] = [];
  lines.push(`Run ${run.id}: ${run.complete ? 'complete' : 'PARTIAL (gaps below)'}; ${run.startedAt} -> ${run.finishedAt}`);
  lines.push(`  opened ${run.counts.opened}, still open ${run.counts.stillOpen}, resolved ${run.counts.resolved}, suppressed ${run.counts.suppressed}`);
  if (run.gaps.length) {
    lines.push('', `Gaps (${run.gaps.length}): not read, so their findings were left as they were`);
    for (const g of run.gaps) lines.push(`  - ${clip(g.scope, 100)}: ${clip(g.reason, 140)}`);
  }
  lines.push('');
  if (!findings.length) {
    lines.push('No findings.');
    return lines.join('\n');
  }
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
  lines.push(`Findings (${findings.length}) by rule:`);
  for (const [rule, n] of [...byRule.entries()].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(n).padStart(5)}  ${rule}`);
  lines.push('');
  const header = ['SEVERITY', 'STATUS', 'RULE', 'RESOURCE', 'SUBJECT / MESSAGE'];
  const rows = findings.map((f) => [
    f.severity,
    f.status,
    f.ruleId,
    clip(shortResource(f.resourceId), 40),
    clip(f.subject === f.resourceId ? f.message : `${f.subject} — ${f.message}`, 110),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  widths[4] = Math.min(widths[4]!, 110);
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  lines.push(fmt(header));
  for (const r of rows) lines.push(fmt(r));
  return lines.join('\n');
}
