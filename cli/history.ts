/** `acr-auditor findings`: each finding's history under the table, one line per transition, within 100 columns. */
import type { StoredFinding } from '../shared/findings/diff.js';
import { compareFindings } from '../shared/findings/query.js';
import type { FindingsStore } from '../shared/usecases/ports.js';
import { cutAtWord, terminalSafe, type StatusFilter } from './output.js';

const WIDTH = 100;

function when(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

export function historyLines(findings: readonly StoredFinding[]): string {
  if (!findings.length) return '';
  const out = ['', `History (${findings.length} finding${findings.length === 1 ? '' : 's'}, newest transition first):`];
  for (const f of [...findings].sort(compareFindings)) {
    out.push(cutAtWord(terminalSafe(`  ${f.severity} ${f.ruleId}  ${f.subject}  [${f.id.slice(0, 12)}]`), WIDTH));
    const entries = [...(f.history ?? [])].reverse();
    for (const e of entries.slice(0, 5)) out.push(cutAtWord(terminalSafe(`    ${when(e.at)}  ${e.kind.replace(/_/g, ' ')} (${e.severity})  ${e.message}`), WIDTH));
    if (entries.length > 5) out.push(`    … ${entries.length - 5} earlier`);
    out.push(`    first seen ${when(f.firstSeen)}, last seen ${when(f.lastSeen)}${f.resolvedAt ? `, resolved ${when(f.resolvedAt)}` : ''}`);
  }
  return out.join('\n');
}

export async function renderHistories(store: Pick<FindingsStore, 'listFindings'>, status: StatusFilter): Promise<string> {
  const findings: StoredFinding[] = [];
  for await (const f of store.listFindings(status === 'all' ? {} : { status })) findings.push(f);
  return historyLines(findings);
}
