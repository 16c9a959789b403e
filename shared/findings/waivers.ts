/**
 * Waivers (suppressions) are data. `applyWaivers` runs after evaluation: a matching, unexpired waiver
 * keeps the finding but marks it suppressed with the waiver reference. Rules never know about waivers.
 */
import type { Suppression } from '../domain/finding.js';
import { glob } from '../domain/patterns.js';

export interface WaiverSpec {
  id: string;
  ruleId: string;
  /** ARM id or login server; `*` matches any run of characters; case-insensitive. */
  resource: string;
  /** Optional subject glob (`*` wildcard); absent = every subject of the resource. */
  subject?: string;
  reason: string;
  expiresAt?: string;
}

/** Case-insensitive glob, linear in the text (no regex: a waiver's stars must not make matching backtrack). */
function waiverGlob(pattern: string): { test(text: string): boolean } {
  const matches = glob(pattern, { caseInsensitive: true });
  return { test: matches };
}

export interface WaiverMatcher {
  match(f: { ruleId: string; resourceId: string; subject: string; registry?: string; evidence?: Record<string, unknown> }, now: Date): Suppression | undefined;
}

/**
 * An exemption recorded in the source system itself (e.g. a Defender for Cloud exemption on a
 * vulnerability sub-assessment): the rule puts `sourceExemption: { id, reason }` in the evidence of a
 * failing result, and the finding is kept as suppressed, naming it. Configured waivers match first.
 */
function sourceExemption(evidence: Record<string, unknown> | undefined): Suppression | undefined {
  const e = evidence?.sourceExemption;
  if (typeof e !== 'object' || e === null) return undefined;
  const { id, reason } = e as { id?: unknown; reason?: unknown };
  return typeof id === 'string' && typeof reason === 'string' ? { waiverId: id.slice(0, 200), reason: reason.slice(0, 500) } : undefined;
}

export function compileWaivers(waivers: readonly WaiverSpec[]): WaiverMatcher {
  const compiled = waivers.map((w) => ({ w, resource: waiverGlob(w.resource), subject: w.subject ? waiverGlob(w.subject) : undefined }));
  return {
    match(f, now) {
      for (const { w, resource, subject } of compiled) {
        if (w.ruleId !== f.ruleId && w.ruleId !== '*') continue;
        if (w.expiresAt && Date.parse(w.expiresAt) <= now.getTime()) continue;
        if (!resource.test(f.resourceId) && !(f.registry && resource.test(f.registry))) continue;
        if (subject && !subject.test(f.subject)) continue;
        return { waiverId: w.id, reason: w.reason, ...(w.expiresAt ? { expiresAt: w.expiresAt } : {}) };
      }
      return sourceExemption(f.evidence);
    },
  };
}
