import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { tableString, TableFindingsStore } from '../../shared/findings/tableFindingsStore.js';
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

  it('listScopeIndex reads id, rule, status and subject of every row, and nothing else', async () => {
    const all = await store.listScope(REG);
    const index = [];
    for await (const e of store.listScopeIndex(REG)) index.push(e);
    expect(index).toHaveLength(all.length);
    const byId = new Map(all.map((f) => [f.id, f]));
    for (const e of index) {
      expect(Object.keys(e).sort()).toEqual(['id', 'ruleId', 'status', 'subject']);
      const f = byId.get(e.id)!;
      expect(e).toEqual({ id: f.id, ruleId: f.ruleId, status: f.status, subject: f.subject });
    }
    const none = [];
    for await (const e of store.listScopeIndex('/subscriptions/nothing-here')) none.push(e);
    expect(none).toEqual([]);
  });

  it('listBySubjectPrefix reads exactly the rows whose subject starts with the prefix (one repository), whole', async () => {
    const scope = '/subscriptions/s3/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/prefixes';
    const at = (repo: string, i: number): RuleResult => ({ ...imageResult(i), scopeId: scope, resourceId: scope, subject: `prefixes.azurecr.io/${repo}@sha256:${String(i).padStart(64, '0')}` });
    // Repository names that share prefixes, and one whose name holds U+2028 (stored escaped: the range must match the stored form).
    const repos = ['a', 'a/b', 'ab', 'a-', 'b', 'x\u2028y'];
    const results = repos.flatMap((repo, r) => Array.from({ length: 3 }, (_, i) => at(repo, r * 10 + i)));
    results.push({ ...at('a', 99), subject: scope, ruleId: 'registry.admin-user-disabled' }); // not an image subject
    const d = diffFindings({ auditId: 'run-p', now: new Date('2026-11-22T02:00:00Z'), results, existing: [], titleOf: String });
    expect(await store.save(scope, d.upserts)).toEqual({ conflicts: [], failed: [] });
    const all = await store.listScope(scope);
    for (const repo of repos) {
      const prefix = `prefixes.azurecr.io/${repo}@`;
      const rows = await store.listBySubjectPrefix(scope, prefix);
      // Subjects come back as stored (U+2028 escaped, see tableString): the range matches that form.
      expect(rows.map((f) => f.subject).sort()).toEqual(all.filter((f) => f.subject.startsWith(tableString(prefix))).map((f) => f.subject).sort());
      expect(rows).toHaveLength(3);
      // Whole rows, as listScope reads them (etag included).
      for (const f of rows) expect(f).toEqual(all.find((x) => x.id === f.id));
    }
    expect(await store.listBySubjectPrefix(scope, 'prefixes.azurecr.io/none@')).toEqual([]);
    await expect(store.listBySubjectPrefix(scope, '')).rejects.toThrow(/empty prefix/);
  });

  it('save accepts findings whose scope id differs only in case, and refuses another scope', async () => {
    const scope = '/subscriptions/S4/resourceGroups/RG/providers/Microsoft.ContainerRegistry/registries/Mixed';
    const r: RuleResult = { ...imageResult(5), scopeId: scope.toLowerCase(), resourceId: scope, subject: 'mixed.azurecr.io/app@sha256:1' };
    const d = diffFindings({ auditId: 'run-c', now: new Date('2026-11-22T02:00:00Z'), results: [r], existing: [], titleOf: String });
    expect(await store.save(scope, d.upserts)).toEqual({ conflicts: [], failed: [] });
    expect((await store.listScope(scope.toLowerCase())).map((f) => f.id)).toEqual([d.upserts[0]!.id]);
    await expect(store.save('/subscriptions/other', d.upserts)).rejects.toThrow(/belongs to scope/);
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
