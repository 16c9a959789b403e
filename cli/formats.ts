/**
 * The CLI's output formats for findings: a table that fits 100 columns, SARIF 2.1.0 (GitHub code
 * scanning), CSV and JUnit XML. PURE: strings in, a string out. `--format json` is output.ts's
 * documented document; `--format html` is the findings page (shared/findings/page.ts).
 */
import { SEVERITIES, severityRank, type Severity } from '../shared/domain/severity.js';
import { resourceGroupOf } from '../shared/notify/plan.js';
import { readableUtc, resourceName, shortImage } from '../shared/notify/templates.js';
import type { Rule } from '../shared/rules/kit.js';
import { terminalSafe, type AuditReport, type FindingOut, type RunSummary } from './output.js';

export const FINDING_FORMATS = ['table', 'json', 'sarif', 'csv', 'junit', 'html'] as const;
export type FindingFormat = (typeof FINDING_FORMATS)[number];

export const TABLE_WIDTH = 100;

const ORDER: Severity[] = [...SEVERITIES].reverse();
const COLORS: Record<Severity, string> = { critical: '\x1b[1;31m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', informational: '\x1b[2m' };

function sev(f: FindingOut): Severity {
  return (SEVERITIES as readonly string[]).includes(f.severity) ? (f.severity as Severity) : 'medium';
}

/** `9 high, 21 medium` (most severe first). */
export function severityCounts(findings: readonly FindingOut[]): string {
  const n: Partial<Record<Severity, number>> = {};
  for (const f of findings) n[sev(f)] = (n[sev(f)] ?? 0) + 1;
  return ORDER.filter((s) => n[s]).map((s) => `${n[s]} ${s}`).join(', ');
}

function subscriptionOfId(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
}

function tagsOf(f: FindingOut): string[] {
  const t = f.evidence?.tags;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** What a finding is about, short: the resource name and, when it says more, the image (tag rather than digest). */
export function shortWhat(f: FindingOut): string {
  const name = resourceName(f.resourceId);
  if (f.subject.toLowerCase() === f.resourceId.toLowerCase()) return name;
  const loginServer = /^([a-z0-9-]+\.azurecr\.[a-z.]+)\//i.exec(f.subject)?.[1];
  const container = /^container (\S+) image (\S+)$/.exec(f.subject);
  if (container) return `${name} ${container[1]}: ${shortImage(container[2]!)}`;
  return `${name}: ${shortImage(f.subject, loginServer, tagsOf(f))}`;
}

/** Words wrapped to `width` columns; a word longer than the width is cut into pieces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (cur) {
        lines.push(cur);
        cur = '';
      }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!cur) cur = word;
    else if (cur.length + 1 + word.length <= width) cur += ` ${word}`;
    else {
      lines.push(cur);
      cur = word;
    }
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

export interface TableOptions {
  /** ANSI colours (a terminal, and NO_COLOR unset). */
  color?: boolean;
  width?: number;
}

function runLines(run: RunSummary): string[] {
  const lines = [`Run ${run.id}: ${run.complete ? 'complete' : 'PARTIAL (gaps below)'}; ${readableUtc(run.startedAt)} -> ${readableUtc(run.finishedAt)}`,
    `  opened ${run.counts.opened}, still open ${run.counts.stillOpen}, resolved ${run.counts.resolved}, suppressed ${run.counts.suppressed}`];
  if (run.gaps.length) {
    lines.push('', `Gaps (${run.gaps.length}): not read, so their findings were left as they were`);
    for (const g of run.gaps) lines.push(...wrap(terminalSafe(`- ${g.scope}: ${g.reason}`), TABLE_WIDTH - 4).map((l, i) => `${i ? '    ' : '  '}${l}`));
  }
  return lines;
}

/**
 * Findings as a table of at most 100 columns: grouped by subscription and resource group, one row per
 * finding (severity, rule, then what and why, wrapped, never cut), and the counts per severity.
 * `run` is printed only when there is one (`audit`, `event`); `findings` has none.
 */
export function renderFindingsTable(findings: readonly FindingOut[], run?: RunSummary, o: TableOptions = {}): string {
  const width = o.width ?? TABLE_WIDTH;
  const lines: string[] = run ? [...runLines(run), ''] : [];
  if (!findings.length) {
    lines.push('No findings.');
    return lines.join('\n');
  }
  lines.push(`${findings.length} finding${findings.length === 1 ? '' : 's'}: ${severityCounts(findings)}`);
  const ruleWidth = Math.min(44, Math.max(...findings.map((f) => f.ruleId.length)));
  const prefix = 9 + ruleWidth + 1;
  const groups = new Map<string, FindingOut[]>();
  for (const f of findings) {
    const key = `${subscriptionOfId(f.resourceId) ?? '-'}|${resourceGroupOf(f.resourceId) ?? '-'}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const sorted = [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [key, fs] of sorted) {
    const [sub, rg] = key.split('|');
    const where = rg === '-' ? `subscription ${sub} (subscription scope)` : `subscription ${sub} resource group ${rg}`;
    lines.push('', ...wrap(terminalSafe(`${where}: ${severityCounts(fs)}`), width).map((l, i) => (i ? `  ${l}` : l)));
    for (const f of [...fs].sort((a, b) => severityRank(sev(b)) - severityRank(sev(a)) || a.ruleId.localeCompare(b.ruleId))) {
      const s = sev(f);
      const label = (f.status === 'open' ? s : `${s}/${f.status.slice(0, 4)}`).toUpperCase().padEnd(8).slice(0, 8);
      const rule = terminalSafe(f.ruleId.length > ruleWidth ? `${f.ruleId.slice(0, ruleWidth - 1)}…` : f.ruleId.padEnd(ruleWidth));
      const body = wrap(terminalSafe(`${shortWhat(f)} - ${f.message}`), width - prefix);
      const shownLabel = o.color ? `${COLORS[s]}${label}\x1b[0m` : label;
      lines.push(`${shownLabel} ${rule} ${body[0]}`.trimEnd());
      for (const more of body.slice(1)) lines.push(`${' '.repeat(prefix)}${more}`);
    }
  }
  return lines.join('\n');
}

export function renderReportTable(report: AuditReport, o: TableOptions = {}): string {
  return renderFindingsTable(report.findings, report.run, o);
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', informational: 'note' };
/** GitHub code scanning reads `security-severity` (0.0-10.0): >9 critical, 7-8.9 high, 4-6.9 medium, <4 low. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', informational: '0.0' };

function pascal(id: string): string {
  return id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** A stable pseudo-path per resource (`azure/<subscription>/<resource group>/<name>`): GitHub needs a location to show a result. */
function artifactUri(resourceId: string): string {
  const parts = [subscriptionOfId(resourceId), resourceGroupOf(resourceId), resourceName(resourceId)].filter(Boolean).map((p) => encodeURIComponent(p!));
  return `azure/${parts.join('/')}`;
}

export interface SarifOptions {
  rules: readonly Rule[];
  version: string;
  /** Findings page, for a link per result. */
  findingUrl?: (id: string) => string | undefined;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: every catalog rule with its help text (rationale, remediation,
 * az CLI) and severity properties; one result per open or suppressed finding, with a logical location
 * (the ARM resource) and a stable pseudo-path as physical location; resolved findings are left out.
 */
export function renderSarif(findings: readonly FindingOut[], o: SarifOptions): string {
  const index = new Map(o.rules.map((r, i) => [r.id, i]));
  const rules = o.rules.map((r) => ({
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.title },
    fullDescription: { text: r.rationale },
    ...(r.references[0] ? { helpUri: r.references[0] } : {}),
    help: {
      text: `${r.remediation.description}\n\n${r.remediation.cli}`,
      markdown: `${r.rationale}\n\n**Remediation.** ${r.remediation.description}\n\n\`\`\`sh\n${r.remediation.cli}\n\`\`\`${r.references.length ? `\n\n${r.references.map((u) => `- ${u}`).join('\n')}` : ''}`,
    },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      'security-severity': SECURITY_SEVERITY[r.severity],
      'problem.severity': r.severity === 'critical' || r.severity === 'high' ? 'error' : r.severity === 'medium' ? 'warning' : 'recommendation',
      precision: 'high',
      severity: r.severity,
      tags: ['security', 'azure', 'container-registry', r.guidance, ...r.mcsb.map((c) => `mcsb/${c}`)],
    },
  }));
  const results = findings.filter((f) => f.status !== 'resolved').map((f) => {
    const s = sev(f);
    const link = o.findingUrl?.(f.id);
    return {
      ruleId: f.ruleId,
      ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId)! } : {}),
      level: LEVEL[s],
      message: { text: `${f.message} (${shortWhat(f)})` },
      locations: [{
        physicalLocation: { artifactLocation: { uri: artifactUri(f.resourceId) }, region: { startLine: 1 } },
        logicalLocations: [{ name: resourceName(f.resourceId), fullyQualifiedName: f.resourceId, kind: 'resource' }],
      }],
      partialFingerprints: { 'acrAuditorFindingId/v1': f.id },
      ...(f.status === 'suppressed' ? { suppressions: [{ kind: 'external', status: 'accepted', justification: 'waived (AUDITOR_WAIVERS)' }] } : {}),
      properties: {
        severity: s, 'security-severity': SECURITY_SEVERITY[s], status: f.status, subject: f.subject, firstSeen: f.firstSeen, lastSeen: f.lastSeen,
        ...(link ? { findingUrl: link } : {}),
      },
    };
  });
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'acr-auditor', version: o.version, semanticVersion: o.version, rules } },
      automationDetails: { id: 'acr-auditor/' },
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
  return JSON.stringify(log, null, 2);
}

// ---------------------------------------------------------------------------------------------
// CSV and JUnit

/** RFC 4180 cell; a cell a spreadsheet would run as a formula (`= + - @`, tab, CR) is prefixed with `'`. */
function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(findings: readonly FindingOut[]): string {
  const header = ['severity', 'status', 'ruleId', 'subscriptionId', 'resourceGroup', 'resource', 'subject', 'message', 'firstSeen', 'lastSeen', 'resolvedAt', 'id', 'resourceId'];
  const rows = findings.map((f) => [f.severity, f.status, f.ruleId, subscriptionOfId(f.resourceId) ?? '', resourceGroupOf(f.resourceId) ?? '', resourceName(f.resourceId),
    f.subject, f.message, f.firstSeen, f.lastSeen, f.resolvedAt ?? '', f.id, f.resourceId]);
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function xml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JUnit XML: a test suite per rule, a failing test case per open finding, a skipped one per suppressed finding, a passing one for a rule without findings. */
export function renderJunit(findings: readonly FindingOut[], rules: readonly Rule[]): string {
  const live = findings.filter((f) => f.status !== 'resolved');
  const ids = [...new Set([...rules.map((r) => r.id), ...live.map((f) => f.ruleId)])];
  const suites = ids.map((id) => {
    const rule = rules.find((r) => r.id === id);
    const fs = live.filter((f) => f.ruleId === id);
    const cases = fs.length
      ? fs.map((f) => `    <testcase classname="${xml(id)}" name="${xml(shortWhat(f))}">\n${f.status === 'suppressed'
        ? '      <skipped message="waived"/>'
        : `      <failure type="${xml(f.severity)}" message="${xml(f.message)}">${xml(`${f.severity.toUpperCase()} ${f.ruleId}\n${f.message}\nresource: ${f.resourceId}\nsubject: ${f.subject}\nfinding: ${f.id}${rule ? `\nremediation: ${rule.remediation.description}` : ''}`)}</failure>`}\n    </testcase>`)
      : [`    <testcase classname="${xml(id)}" name="no findings"/>`];
    const failures = fs.filter((f) => f.status === 'open').length;
    const skipped = fs.filter((f) => f.status === 'suppressed').length;
    return `  <testsuite name="${xml(id)}" tests="${Math.max(1, fs.length)}" failures="${failures}" errors="0" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const failures = live.filter((f) => f.status === 'open').length;
  const tests = suites.length + live.length - ids.filter((id) => live.some((f) => f.ruleId === id)).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="acr-auditor" tests="${tests}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}
