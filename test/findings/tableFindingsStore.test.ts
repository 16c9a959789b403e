import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { TableFindingsStore } from '../../shared/findings/tableFindingsStore.js';
import { absentFrom, diffFindings } from '../../shared/findings/diff.js';
import type { RuleResult } from '../../shared/domain/finding.js';

const REG = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso';

function imageResult(i: number, status: RuleResult['status'] = 'fail'): RuleResult {
  return {
    scopeId: REG.toLowerCase(),
    resourceId: REG,
    subject: `contoso.azurecr.io/team/app#${i}?x\\y@sha256:${String(i).padStart(64, '0')}`,
    ruleId: 'image.fresh',
    status,
    message: `image ${i} is stale`,
    evidence: { tags: [`v${i}\r\nX-Injected: 1`], ageInDays: 200 + i },
    severity: 'low',
    conclusive: true,
  };
}

describe('TableFindingsStore on Azurite', () => {
  let azurite: RunningAzurite;
  let store: TableFindingsStore;
  beforeAll(async () => {
    azurite = await startAzurite();
    store = new TableFindingsStore(TableClient.fromConnectionString(azurite.connectionString, 'findings', { allowInsecureConnection: true }));
  });
  afterAll(async () => azurite.close());

  it('round-trips 250 findings with hostile subjects in batched transactions, with history', async () => {
    const results = Array.from({ length: 250 }, (_, i) => imageResult(i));
    const d1 = diffFindings({ auditId: 'run-1', now: new Date('2026-11-22T02:00:00Z'), results, existing: [], titleOf: () => 'Tagged images are fresh' });
    await store.save(REG.toLowerCase(), d1.upserts);
    const stored = await store.listScope(REG);
    expect(stored).toHaveLength(250);
    const byId = new Map(stored.map((f) => [f.id, f]));
    for (const f of d1.upserts) {
      const { etag, ...row } = byId.get(f.id)!;
      expect(etag).toEqual(expect.any(String));
      expect(row).toEqual(f);
    }

    // The next audit: half pass, the rest are gone from an enumerated scope -> all resolved.
    const d2 = diffFindings({ auditId: 'run-2', now: new Date('2026-11-23T02:00:00Z'), results: results.slice(0, 125).map((r) => ({ ...r, status: 'pass' as const })), absence: absentFrom(new Set(['image.fresh']), '2026-11-23T02:00:00.000Z'), existing: stored, titleOf: () => 'Tagged images are fresh' });
    await store.save(REG.toLowerCase(), d2.upserts);
    const open = [];
    for await (const f of store.listFindings({ status: 'open' })) open.push(f);
    expect(open).toHaveLength(0);
    const resolved = [];
    for await (const f of store.listFindings({ status: 'resolved' })) resolved.push(f);
    expect(resolved).toHaveLength(250);
    expect(new Set(resolved.map((f) => f.resolution))).toEqual(new Set(['passed', 'gone']));

    const history = await store.listHistory(REG, d1.upserts[0]!.id);
    expect(history.map((h) => [h.auditId, h.kind])).toEqual([['run-1', 'opened'], ['run-2', 'resolved']]);
  });

  it('getFindings looks up exactly the given ids (in groups), ignoring unknown ones', async () => {
    const all = await store.listScope(REG);
    const wanted = all.slice(0, 40).map((f) => f.id);
    const got = await store.getFindings(REG, [...wanted, 'f'.repeat(32), wanted[0]!]);
    expect(got.map((f) => f.id).sort()).toEqual([...wanted].sort());
    expect(await store.getFindings(REG, [])).toEqual([]);
  });

  it('saving the same audit twice leaves the same rows (the second create is a conflict)', async () => {
    const scope = '/subscriptions/s2';
    const r: RuleResult = { ...imageResult(1), scopeId: scope, resourceId: '/subscriptions/s2/resourceGroups/x/providers/Microsoft.App/containerApps/app', ruleId: 'workload.image-fresh' };
    const d = diffFindings({ auditId: 'evt-9', now: new Date('2026-11-22T02:00:00Z'), results: [r], existing: [], titleOf: String });
    expect(await store.save(scope, d.upserts)).toEqual({ conflicts: [], failed: [] });
    // The same write again is a create of a row that exists now: refused as a conflict, nothing changes.
    expect(await store.save(scope, d.upserts)).toEqual({ conflicts: [d.upserts[0]!.id], failed: [] });
    const rows = await store.listScope(scope);
    expect(rows).toHaveLength(1);
    expect(await store.listHistory(scope, rows[0]!.id)).toHaveLength(1);
  });
});
