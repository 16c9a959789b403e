/** The verdict shared by image.vulnerabilities-resolved and workload.image-vulnerabilities-resolved (PURE). */
import type { Severity } from '../domain/severity.js';
import type { ImageVulnerabilityFacts } from '../domain/snapshots.js';
import {
  cveEvidence,
  judgeImage,
  SCAN_NEW_PUSH_HOURS,
  SCAN_WINDOW_PUSHED_DAYS,
  worstSeverity,
  type VulnerabilityPolicy,
} from '../domain/vulnerabilities.js';
import { fail, notApplicable, pass, type Evaluation } from './kit.js';

const HOUR_MS = 3_600_000;

/** Evaluates one digest's Defender facts; `base` is merged into the evidence. */
export function vulnerabilityVerdict(facts: ImageVulnerabilityFacts | undefined, policy: VulnerabilityPolicy, now: Date, base: Record<string, unknown>): Evaluation {
  if (!facts) return notApplicable('Defender results were not read in this audit', { conclusive: false, evidence: base });
  const threshold = { minSeverity: policy.minSeverity, graceDays: policy.graceDays, includeUnfixed: policy.includeUnfixed };
  if (!facts.scanning.effective) {
    return notApplicable(`not assessed by Defender: ${facts.scanning.why}`, { conclusive: false, evidence: { ...base, notAssessed: facts.scanning.why } });
  }
  const v = facts.vulnerabilities;
  if (!v) {
    // Nothing listed: clean, unless Defender may not have scanned this digest (too new, or outside its rescan window).
    const pushed = facts.lastUpdateTime ? Date.parse(facts.lastUpdateTime) : Number.NaN;
    if (!Number.isNaN(pushed) && now.getTime() - pushed < SCAN_NEW_PUSH_HOURS * HOUR_MS) {
      return notApplicable('pushed less than a day ago: Defender may not have scanned it yet', { conclusive: false, evidence: { ...base, notAssessed: 'new push' } });
    }
    if (!Number.isNaN(pushed) && now.getTime() - pushed > SCAN_WINDOW_PUSHED_DAYS * 24 * HOUR_MS) {
      return notApplicable(`pushed more than ${SCAN_WINDOW_PUSHED_DAYS} days ago and Defender lists no result: it may no longer be rescanned (only images pushed in the last 90 days or pulled in the last 30 are)`, {
        conclusive: false,
        evidence: { ...base, notAssessed: 'outside the rescan window' },
      });
    }
    return pass(`no vulnerability at or above ${policy.minSeverity} listed by Defender`, { ...base, threshold });
  }
  const { failing, exempted, inGrace } = judgeImage(v, policy, now);
  const evidence = {
    ...base,
    counts: v.counts,
    worstCves: (failing.length ? failing : exempted.length ? exempted : inGrace.length ? inGrace : v.worst).slice(0, 5).map(cveEvidence),
    ...(v.lastAssessed ? { lastAssessed: v.lastAssessed } : {}),
    threshold,
  };
  if (failing.length) {
    const sev = worstSeverity(failing)!;
    return withSeverity(fail(`unresolved vulnerabilities at or above ${policy.minSeverity} past their grace period (worst: ${failing[0]!.cve}, ${sev}${failing[0]!.fixedVersion ? `, fixed in ${failing[0]!.packageName ?? ''} ${failing[0]!.fixedVersion}` : ''})`, evidence), sev);
  }
  if (exempted.length) {
    const sev = worstSeverity(exempted)!;
    const exemption = exempted[0]!.exemption!;
    // The failing CVEs are all exempted in Defender: the finding is kept, suppressed, naming the exemption.
    return withSeverity(fail(`every qualifying vulnerability is exempted in Defender (${exemption})`, { ...evidence, sourceExemption: { id: `defender:${exempted[0]!.cve}`, reason: exemption } }), sev);
  }
  if (inGrace.length) return pass(`${inGrace.length} vulnerabilities at or above ${policy.minSeverity} are still inside their grace period`, evidence);
  return pass(`no vulnerability at or above ${policy.minSeverity} needs action (no fix available, or exempted)`, evidence);
}

function withSeverity(e: Evaluation, severity: Severity): Evaluation {
  return e.status === 'fail' ? { ...e, severity } : e;
}
