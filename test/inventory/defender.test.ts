/**
 * The Defender adapter's summaries are compact (issue 18, memory): rows that say the same CVE facts share
 * one frozen object, repeated strings are shared, and the summaries are exactly what folding the rows one by
 * one gives. (The wire path, Resource Graph over the emulator, is covered by test/cli/vulnerabilities.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { addCve, qualifies, type ImageVulnerabilities, type VulnerabilityPolicy } from '../../shared/domain/vulnerabilities.js';
import { DefenderSource, toProjectedRow, type GraphQuery } from '../../shared/inventory/defender.js';
import type { Obj } from '../../shared/inventory/connection.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const POLICY: VulnerabilityPolicy = { minSeverity: 'high', graceDays: {}, includeUnfixed: false };
const HOST = 'contoso.azurecr.io';

/** Projected sub-assessment rows (the shape imageVulnerabilitiesQuery projects). */
function row(digest: string, cve: string, o: Partial<Obj> = {}): Obj {
  return {
    registryHost: 'Contoso.azurecr.io', repository: 'team/api', digest, severity: 'High', statusCode: 'Unhealthy', cve, fixStatus: 'FixAvailable',
    fixedVersion: '1.2.4', version: '1.2.3', packageName: 'openssl', cvss: 7.5, published: '2026-01-01T00:00:00Z', timeGenerated: '2026-11-21T00:00:00Z', ...o,
  };
}

const ROWS: Obj[] = [
  row('sha256:a', 'CVE-2026-0001'), row('sha256:a', 'CVE-2026-0002', { severity: 'Critical' }),
  row('sha256:b', 'CVE-2026-0001'), row('sha256:b', 'CVE-2026-0002', { severity: 'Critical' }),
  row('sha256:c', 'CVE-2026-0001', { fixedVersion: '1.2.5' }), // other facts: its own object
  row('sha256:c', 'CVE-2026-0003', { statusCode: 'Healthy' }), // resolved: not kept
];

const graph = (rows: Obj[]): GraphQuery => ({
  async *query() {
    yield* rows.map((r) => structuredClone(r));
  },
});

/** The same fold without any sharing: what the summaries must equal. */
function reference(rows: Obj[], key: (r: NonNullable<ReturnType<typeof toProjectedRow>>) => string): Map<string, ImageVulnerabilities> {
  const out = new Map<string, ImageVulnerabilities>();
  for (const raw of rows) {
    const r = toProjectedRow(raw);
    if (!r) continue;
    let v = out.get(key(r));
    if (!v) out.set(key(r), (v = { registryHost: r.registryHost, repository: r.repository, digest: r.digest, counts: {}, worst: [] }));
    addCve(v, r.cve, (c) => qualifies(c, POLICY, NOW));
    if (r.timeGenerated && (!v.lastAssessed || r.timeGenerated > v.lastAssessed)) v.lastAssessed = r.timeGenerated;
  }
  return out;
}

describe('DefenderSource summaries', () => {
  it('registryVulnerabilities: the same summaries as a plain fold, one shared frozen object per distinct CVE facts', async () => {
    const got = await new DefenderSource(graph(ROWS)).registryVulnerabilities(HOST, 's1', POLICY, NOW);
    expect(got).toEqual(reference(ROWS, (r) => r.digest));
    const [a, b, c] = ['sha256:a', 'sha256:b', 'sha256:c'].map((d) => got.get(d)!);
    const byCve = (v: ImageVulnerabilities, cve: string) => v.worst.find((x) => x.cve === cve)!;
    expect(byCve(a!, 'CVE-2026-0001')).toBe(byCve(b!, 'CVE-2026-0001'));
    expect(byCve(a!, 'CVE-2026-0002')).toBe(byCve(b!, 'CVE-2026-0002'));
    expect(byCve(c!, 'CVE-2026-0001')).not.toBe(byCve(a!, 'CVE-2026-0001'));
    expect(Object.isFrozen(byCve(a!, 'CVE-2026-0001'))).toBe(true);
    expect(c!.worst.map((x) => x.cve)).toEqual(['CVE-2026-0001']);
    // Repeated strings are one string (the lower-cased host of every row).
    expect(a!.registryHost).toBe(HOST);
  });

  it('digestVulnerabilities: keyed by host and digest, the same summaries as a plain fold', async () => {
    const got = await new DefenderSource(graph(ROWS)).digestVulnerabilities(['sha256:a', 'sha256:b', 'sha256:c'], undefined, POLICY, NOW);
    expect(got).toEqual(reference(ROWS, (r) => `${r.registryHost}@${r.digest}`));
    expect([...got.keys()].sort()).toEqual([`${HOST}@sha256:a`, `${HOST}@sha256:b`, `${HOST}@sha256:c`]);
  });
});
