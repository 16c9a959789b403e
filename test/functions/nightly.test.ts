import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { TableClient } from '@azure/data-tables';
import { DEMO_APPROVED_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { makeNightlyHandler } from '../../functions/nightlyAudit.js';
import { makeShardHandler, MAX_DEQUEUE_COUNT } from '../../functions/auditShard.js';
import { decodeQueueMessage } from '../../shared/services.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');

function ctx(name: string, dequeueCount = 1): InvocationContext {
  return new InvocationContext({ invocationId: 'abcdef0123456789', functionName: name, logHandler: () => undefined, triggerMetadata: { dequeueCount } });
}

async function drain(h: Harness): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const got = await h.host.services.shardQueue.receiveMessages({ numberOfMessages: 32 });
    if (!got.receivedMessageItems.length) return out;
    for (const m of got.receivedMessageItems) {
      out.push(decodeQueueMessage(m.messageText));
      await h.host.services.shardQueue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

describe('nightlyAudit timer and auditShard queue functions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ estate: demoEstate(NOW), now: NOW, settings: { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(',') } });
  });
  afterAll(async () => h.close());

  it('MAX_DEQUEUE_COUNT matches host.json', () => {
    const host = JSON.parse(readFileSync('host.json', 'utf8'));
    expect(host.extensions.queues.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
  });

  it('the timer enqueues one base64 message per registry and per subscription; the shards complete the run', async () => {
    await makeNightlyHandler(() => h.host)({ isPastDue: false, scheduleStatus: undefined } as never, ctx('nightlyAudit'));
    const messages = await drain(h);
    expect(messages).toHaveLength(7 + 3);
    const runId = (messages[0] as { runId: string }).runId;
    const shard = makeShardHandler(() => h.host);
    for (const m of messages) await shard(m, ctx('auditShard'));
    const run = await h.host.services.runs.getRun(runId);
    expect(run).toMatchObject({ status: 'complete', expectedShards: 10 });
    expect(run!.counts!.opened).toBeGreaterThan(0);
  });

  it('a shard that keeps failing is recorded as failed on its last attempt; the run completes as partial', async () => {
    await makeNightlyHandler(() => h.host)({ isPastDue: false } as never, ctx('nightlyAudit'));
    const messages = await drain(h);
    const runId = (messages[0] as { runId: string }).runId;
    const shard = makeShardHandler(() => h.host);
    for (const m of messages.slice(1)) await shard(m, ctx('auditShard'));
    // Break the run's context rows (real storage), so the remaining shard fails every attempt.
    const runs = TableClient.fromConnectionString(h.azurite.connectionString, 'runs', { allowInsecureConnection: true });
    for await (const e of runs.listEntities({ queryOptions: { filter: `RowKey ge 'ctx-' and RowKey lt 'ctx.'` } })) {
      if (String(e.partitionKey).includes(runId.replace(/[^A-Za-z0-9-]/g, ''))) await runs.deleteEntity(e.partitionKey!, e.rowKey!);
    }
    for (let attempt = 1; attempt < MAX_DEQUEUE_COUNT; attempt++) {
      await expect(shard(messages[0], ctx('auditShard', attempt))).rejects.toThrow(/no context rows/);
      expect((await h.host.services.runs.getRun(runId))!.status).toBe('running');
    }
    await expect(shard(messages[0], ctx('auditShard', MAX_DEQUEUE_COUNT))).rejects.toThrow(/no context rows/);
    const run = await h.host.services.runs.getRun(runId);
    expect(run!.status).toBe('partial');
    const failed = (await h.host.services.runs.listShards(runId)).filter((s) => s.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.gaps[0]!.reason).toMatch(/shard failed after 5 attempts/);
  });

  it('a malformed shard message is rejected naming the field', async () => {
    await expect(makeShardHandler(() => h.host)({ v: 1, runId: 'x', kind: 'workloads', subscriptionId: 'not-a-guid' }, ctx('auditShard'))).rejects.toThrow(/subscriptionId/);
  });
});
