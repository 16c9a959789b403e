/** Builders for the vulnerability rules' facts (Defender summaries), shared by their tests. */
import type { ImageVulnerabilityFacts } from '../../shared/domain/snapshots.js';
import type { CveFacts, ImageVulnerabilities } from '../../shared/domain/vulnerabilities.js';
import { daysAgo, DIGEST } from './builders.js';

/** Overrides where `undefined` removes the default (e.g. `fixedVersion: undefined`: no fixed version). */
export type Overrides<T> = { [K in keyof T]?: T[K] | undefined };
export function withOverrides<T extends object>(base: T, o: Overrides<T>): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out as T;
}

export const aCve = (o: Overrides<CveFacts> = {}): CveFacts => withOverrides<CveFacts>({
  cve: 'CVE-2026-0001', severity: 'critical', packageName: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.9', fixAvailable: true, cvss: 9.8, publishedDate: daysAgo(60),
}, o);

export const summary = (cves: CveFacts[]): ImageVulnerabilities => ({
  registryHost: 'contosoprod.azurecr.io', repository: 'team/api', digest: DIGEST,
  counts: cves.reduce<ImageVulnerabilities['counts']>((c, x) => (x.exemption ? c : { ...c, [x.severity]: (c[x.severity] ?? 0) + 1 }), {}),
  worst: cves,
});

export const scanned = (cves: CveFacts[] | null, pushedDaysAgo = 10): ImageVulnerabilityFacts => ({
  scanning: { effective: true, why: 'plan on' }, vulnerabilities: cves ? summary(cves) : null, lastUpdateTime: daysAgo(pushedDaysAgo),
});
