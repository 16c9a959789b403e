/**
 * Run records stay within Table Storage's limits whatever the gaps contain: a record keeps at most
 * MAX_GAPS_JSON characters of gaps (an entity holds 1 MiB, strings count 2 bytes per UTF-16 unit), the
 * rest is counted, and what is kept reads back whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { boundGaps, MAX_GAPS, MAX_GAPS_JSON, TableRunStore } from '../../shared/runs/tableRunStore.js';

describe('TableRunStore gaps', () => {
  let azurite: RunningAzurite;
  let store: TableRunStore;
  let client: TableClient;
  beforeAll(async () => {
    azurite = await startAzurite();
    client = TableClient.fromConnectionString(azurite.connectionString, 'runs', { allowInsecureConnection: true });
    store = new TableRunStore(client);
  });
  afterAll(async () => azurite.close());

  // 2,000 gaps with long scopes and reasons full of astral, non-ASCII and line-separator characters.
  const hostile = Array.from({ length: 2_000 }, (_, i) => ({
    scope: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r${i}/${'𝄞é\u2028'.repeat(900)}`,
    reason: `${'€\u2029'.repeat(2_000)} ${i}`,
    status: 403,
  }));

  it('bounds the kept gaps by count and by size, counting the rest', () => {
    const { kept, omitted } = boundGaps(hostile);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(MAX_GAPS);
    expect(kept.length + omitted).toBe(hostile.length);
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(MAX_GAPS_JSON);
    expect(JSON.stringify(kept)).not.toMatch(/[\u2028\u2029]/);
  });

  it('stores a run and a shard with such gaps within the entity limit, and reads them back', async () => {
    await store.createRun({ runId: 'r-big', status: 'running', startedAt: '2026-11-30T00:00:00Z', expectedShards: 1, planningGaps: hostile }, { workspaces: {}, registries: [] }, [{ key: 'k', kind: 'registry' }]);
    await store.finishShard('r-big', { key: 'k', kind: 'registry', status: 'done', gaps: hostile });
    const run = (await store.getRun('r-big'))!;
    const shard = (await store.listShards('r-big'))[0]!;
    const { kept, omitted } = boundGaps(hostile);
    expect(run.planningGaps).toHaveLength(kept.length);
    expect(run.planningGapsOmitted).toBe(omitted);
    expect(shard.gaps).toHaveLength(kept.length);
    expect(shard.gapsOmitted).toBe(omitted);
    // Every stored entity's string properties, counted as Table Storage counts them (2 bytes per UTF-16 unit), stay under 1 MiB.
    for await (const e of client.listEntities<Record<string, unknown>>()) {
      const bytes = Object.values(e).reduce<number>((n, v) => n + (typeof v === 'string' ? v.length * 2 : 8), 0);
      expect(bytes).toBeLessThan(1_048_576);
    }
  });
});
