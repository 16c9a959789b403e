/**
 * Issue 12: a running workload newly exposed to a vulnerability at or above the immediate threshold
 * (`AUDITOR_IMMEDIATE_MIN_SEVERITY`, default high) is alerted at once by the nightly run, not only in its
 * digest. This module says which rules do that and how their alert item reads: the workload (the item's
 * resource), the image and the top CVEs with their fixed versions lead the evidence, so the card and the
 * email show them within their first facts. PURE.
 */
import { boundText } from './bound.js';
import type { AlertItem } from './templates.js';

/** Rules whose opened / reopened / unsuppressed / escalated findings the nightly run also sends immediately. */
export const NIGHTLY_IMMEDIATE_RULES: ReadonlySet<string> = new Set(['workload.image-vulnerabilities-resolved']);

/** CVEs named in an alert. */
export const TOP_CVES = 3;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' && x ? x : undefined);

/** `CVE-2026-0001 critical, CVSS 9.8: openssl 3.0.1, fixed in 3.0.9` per CVE of the finding's `worstCves` evidence. */
export function topCvesText(evidence: Readonly<Obj>, n = TOP_CVES): string | undefined {
  const list = Array.isArray(evidence.worstCves) ? evidence.worstCves.filter(isObj) : [];
  const lines = list.slice(0, n).flatMap((c) => {
    const id = str(c.cve);
    if (!id) return [];
    const sev = [str(c.severity), typeof c.cvss === 'number' ? `CVSS ${c.cvss}` : undefined].filter(Boolean).join(', ');
    const pkg = [str(c.packageName), str(c.installedVersion)].filter(Boolean).join(' ');
    const fix = str(c.fixedVersion) ? `fixed in ${str(c.fixedVersion)}` : 'no fixed version';
    return [`${id}${sev ? ` ${sev}` : ''}: ${pkg ? `${pkg}, ` : ''}${fix}`];
  });
  if (!lines.length) return undefined;
  return lines.join('; ') + (list.length > n ? `; and ${list.length - n} more` : '');
}

/** Evidence keys that lead, in this order (after `topCves`, which replaces `worstCves`). */
const LEAD = ['image', 'container', 'digest', 'internetReachable'];

/** The alert item of a vulnerable-workload finding: the image, the top CVEs and the exposure first. */
export function leadWithVulnerabilities(item: AlertItem, evidence: Readonly<Obj>, maxValue: number): AlertItem {
  const cves = topCvesText(evidence);
  const byKey = new Map(item.evidence);
  const lead: Array<[string, string]> = [];
  const take = (k: string) => {
    const v = byKey.get(k);
    if (v !== undefined) lead.push([k, v]);
  };
  take('image');
  if (cves) lead.push(['topCves', boundText(cves, maxValue)]);
  for (const k of LEAD.slice(1)) take(k);
  const skip = new Set([...LEAD, 'worstCves']);
  return { ...item, evidence: [...lead, ...item.evidence.filter(([k]) => !skip.has(k))] };
}
