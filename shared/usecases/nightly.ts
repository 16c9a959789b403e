/**
 * The nightly estate audit, fanned out through a Storage queue:
 *   planNightlyAudit  -> lists subscriptions, registries and workspaces (Resource Graph), records the
 *                        run with one shard per registry and per subscription, enqueues the shards;
 *   processShard      -> audits one shard (the same code in Azure Functions and in the CLI's workers),
 *                        records it done or failed, and completes the run when the last shard is in;
 *   completeRun       -> exactly once per run: final status (complete / partial), counts, and the
 *                        nightly digest of what changed.
 */
import { z } from 'zod';
import type { ChangeCounts, FindingChange } from '../domain/finding.js';
import { countChanges } from '../domain/finding.js';
import type { AdminUserChangeFacts, Gap, RegistrySnapshot } from '../domain/snapshots.js';
import { ScopeReadError } from '../inventory/errors.js';
import type { TableRunStore } from '../runs/tableRunStore.js';
import { registryScope, subscriptionScope } from '../rules/subjects.js';
import { auditRegistry } from './auditRegistry.js';
import { auditWorkloads } from './auditWorkloads.js';
import { coverageResults, persistScope, type AuditDeps, type ScopeOutcome } from './common.js';

export type NotificationOrigin = { kind: 'nightly'; runId: string } | { kind: 'event'; eventId: string };

/** Where changes go to become alerts (the outbox); optional so audits run without notifications. */
export interface NotificationSink {
  publish(changes: readonly FindingChange[], origin: NotificationOrigin): Promise<void>;
}

/** A queue: the Functions host or the CLI's workers consume it. */
export interface ShardQueue {
  send(message: ShardMessage): Promise<void>;
}

export interface NightlyDeps extends AuditDeps {
  runs: TableRunStore;
  queue: ShardQueue;
  notify?: NotificationSink;
}

const registrySchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  subscriptionId: z.string().min(1),
  resourceGroup: z.string(),
  location: z.string(),
  sku: z.string(),
  loginServer: z.string().min(1),
  adminUserEnabled: z.boolean(),
  anonymousPullEnabled: z.boolean(),
  publicNetworkAccess: z.enum(['Enabled', 'Disabled']),
  networkRuleSet: z.object({ defaultAction: z.enum(['Allow', 'Deny']), ipRuleCount: z.number().int() }).optional(),
  privateEndpointCount: z.number().int(),
  tags: z.record(z.string(), z.string()),
});

export const shardMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    v: z.literal(1),
    runId: z.string().min(1).max(200),
    kind: z.literal('registry'),
    registry: registrySchema,
    adminUserChange: z
      .object({ timestamp: z.string(), changedBy: z.string().max(512).optional(), clientType: z.string().max(128).optional(), operation: z.string().max(512).optional() })
      .optional(),
  }),
  z.object({ v: z.literal(1), runId: z.string().min(1).max(200), kind: z.literal('workloads'), subscriptionId: z.string().regex(/^[0-9a-f-]{36}$/i) }),
]);
export type ShardMessage = z.infer<typeof shardMessageSchema>;

/** A message that can never be processed: the host moves it to the poison queue after its attempts. */
export class MessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageError';
  }
}

export function parseShardMessage(body: unknown): ShardMessage {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      throw new MessageError('shard message is not JSON');
    }
  }
  const r = shardMessageSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new MessageError(`invalid shard message: ${issue.path.join('.') || '$'}: ${issue.message}`);
  }
  return r.data;
}

export function shardKey(m: ShardMessage): string {
  return m.kind === 'registry' ? registryScope(m.registry.id) : subscriptionScope(m.subscriptionId);
}

export interface PlanResult {
  runId: string;
  shards: number;
  registries: number;
  subscriptions: number;
  gaps: Gap[];
}

/** Plans a run and enqueues its shards. Throws when the estate cannot be listed at all. */
export async function planNightlyAudit(deps: NightlyDeps, runId: string): Promise<PlanResult> {
  const now = deps.clock();
  const gaps: Gap[] = [];
  const visible = await deps.inventory.listSubscriptions();
  const visibleIds = new Set(visible.filter((s) => s.state !== 'Disabled').map((s) => s.subscriptionId));
  let subscriptions: string[];
  if (deps.config.subscriptionIds.length) {
    subscriptions = [];
    for (const id of deps.config.subscriptionIds) {
      if (visibleIds.has(id)) subscriptions.push(id);
      else gaps.push({ scope: `/subscriptions/${id}`, reason: 'subscription not visible to the auditor identity (grant Reader on it, or remove it from AUDITOR_SUBSCRIPTION_IDS)', status: 403 });
    }
  } else {
    subscriptions = [...visibleIds].sort();
  }

  const registries: RegistrySnapshot[] = [];
  if (subscriptions.length) {
    for await (const item of deps.inventory.listRegistries(subscriptions)) {
      if ('error' in item) gaps.push({ scope: item.error.resourceId, reason: `malformed registry: ${item.error.field}: ${item.error.problem}` });
      else registries.push(item.registry);
    }
  }
  let workspaces: Record<string, string> = {};
  try {
    workspaces = Object.fromEntries(await deps.inventory.workspaceCustomerIds(subscriptions.length ? subscriptions : undefined));
  } catch (e) {
    // Without the map, admin-login checks become gaps in their shards; the run goes on.
    gaps.push({ scope: 'microsoft.operationalinsights/workspaces', reason: e instanceof ScopeReadError ? e.classified.reason : String(e) });
  }

  // Who enabled the admin user: one Resource Graph query for the run, not one per registry. Enrichment
  // only: when it cannot be read, the admin-user findings stand without it.
  let adminChanges = new Map<string, AdminUserChangeFacts>();
  if (registries.some((r) => r.adminUserEnabled)) {
    try {
      adminChanges = await deps.inventory.adminUserEnabledChanges(subscriptions);
    } catch (e) {
      deps.log.warn('could not read who enabled admin users (resourcechanges)', { reason: e instanceof ScopeReadError ? e.classified.reason : String(e) });
    }
  }

  // Registries that are gone: audited by the previous run, in a subscription listed in full now, and not
  // in it any more. Compared with the previous run's registry list, so the cost is per registry, not per finding.
  const listed = new Set(registries.map((r) => registryScope(r.id)));
  const unreadable = new Set(gaps.map((g) => g.scope.toLowerCase()));
  const planned = new Set(subscriptions);
  for (const scopeId of await previousRegistryScopes(deps, runId)) {
    const sub = /^\/subscriptions\/([^/]+)/i.exec(scopeId)?.[1]?.toLowerCase();
    if (listed.has(scopeId) || unreadable.has(scopeId) || !sub || !planned.has(sub)) continue;
    const existing = (await deps.findings.listScope(scopeId)).filter((f) => f.status !== 'resolved');
    if (!existing.length) continue;
    await persistScope(deps, { auditId: runId, scopeId, results: [], enumeratedRules: new Set(existing.map((f) => f.ruleId)), existing });
    deps.log.info('registry no longer exists: its findings are resolved', { registry: scopeId, findings: existing.length });
  }

  // Planning gaps become coverage findings in their own scope now: the shards will not see them.
  for (const gap of gaps) {
    const sub = /^\/subscriptions\/([^/]+)$/i.exec(gap.scope)?.[1];
    const scopeId = sub ? subscriptionScope(sub) : gap.scope.toLowerCase();
    await persistScope(deps, { auditId: runId, scopeId, results: coverageResults(deps, scopeId, gap.scope, [gap]), enumeratedRules: new Set() });
  }

  const messages: ShardMessage[] = [
    ...registries.map((registry) => {
      const adminUserChange = registry.adminUserEnabled ? adminChanges.get(registry.id.toLowerCase()) : undefined;
      return { v: 1 as const, runId, kind: 'registry' as const, registry, ...(adminUserChange ? { adminUserChange } : {}) };
    }),
    ...subscriptions.map((subscriptionId) => ({ v: 1 as const, runId, kind: 'workloads' as const, subscriptionId })),
  ];
  await deps.runs.createRun(
    { runId, status: 'running', startedAt: now.toISOString(), expectedShards: messages.length, planningGaps: gaps },
    { workspaces, registries: registries.map((r) => r.loginServer), registryScopes: registries.map((r) => registryScope(r.id)) },
    messages.map((m) => ({ key: shardKey(m), kind: m.kind })),
  );
  for (const m of messages) await deps.queue.send(m);
  if (messages.length === 0) await completeRunIfDone(deps, runId);
  deps.log.info('nightly audit planned', { runId, registries: registries.length, subscriptions: subscriptions.length, gaps: gaps.length });
  return { runId, shards: messages.length, registries: registries.length, subscriptions: subscriptions.length, gaps };
}

/** Registry scopes of the latest earlier run that got as far as recording its context. */
async function previousRegistryScopes(deps: NightlyDeps, runId: string): Promise<string[]> {
  let latest: { runId: string; startedAt: string } | undefined;
  for await (const r of deps.runs.listRuns()) {
    if (r.runId !== runId && (!latest || r.startedAt > latest.startedAt)) latest = r;
  }
  if (!latest) return [];
  try {
    return (await deps.runs.getContext(latest.runId)).registryScopes ?? [];
  } catch {
    return [];
  }
}

export interface ShardResult {
  status: 'done' | 'skipped' | 'failed';
  outcome?: ScopeOutcome;
  runCompleted?: boolean;
}

/**
 * Audits one shard. On an error it rethrows (the queue redelivers); on the last attempt it first
 * records the shard as failed (a gap; its findings untouched) so the run still completes as partial.
 */
export async function processShard(deps: NightlyDeps, message: ShardMessage, attempt: { dequeueCount: number; maxDequeueCount: number }): Promise<ShardResult> {
  const run = await deps.runs.getRun(message.runId);
  if (!run) throw new MessageError(`shard of unknown run ${message.runId}`);
  if (run.status !== 'running') {
    deps.log.warn('shard of a finished run skipped', { runId: message.runId, shard: shardKey(message), status: run.status });
    return { status: 'skipped' };
  }
  const key = shardKey(message);
  let outcome: ScopeOutcome;
  try {
    const context = await deps.runs.getContext(message.runId);
    outcome =
      message.kind === 'registry'
        ? await auditRegistry({ auditId: message.runId, registry: message.registry, workspaces: context.workspaces, ...(message.adminUserChange ? { adminUserChange: message.adminUserChange } : {}) }, deps)
        : await auditWorkloads({ auditId: message.runId, subscriptionId: message.subscriptionId, registries: context.registries }, deps);
    await deps.runs.finishShard(message.runId, { key, kind: message.kind, status: 'done', gaps: outcome.gaps, counts: outcome.counts ?? countChanges(outcome.changes), attempts: attempt.dequeueCount });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (attempt.dequeueCount >= attempt.maxDequeueCount) {
      const gap: Gap = { scope: message.kind === 'registry' ? message.registry.id : `/subscriptions/${message.subscriptionId}`, reason: `shard failed after ${attempt.dequeueCount} attempts: ${reason}` };
      try {
        await persistScope(deps, { auditId: message.runId, scopeId: key, results: coverageResults(deps, key, gap.scope, [gap]), enumeratedRules: new Set() });
      } catch (inner) {
        deps.log.error('could not record the failed shard as a gap finding', { shard: key, reason: String(inner) });
      }
      await deps.runs.finishShard(message.runId, { key, kind: message.kind, status: 'failed', gaps: [gap], error: reason, attempts: attempt.dequeueCount });
      await completeRunIfDone(deps, message.runId);
      deps.log.error('shard failed for good; the run will complete as partial', { runId: message.runId, shard: key, reason });
    }
    throw e;
  }
  // The shard is recorded as done: a failure from here on (publishing the digest, completing the run) is
  // not the shard's; it propagates so the message is redelivered and completion is attempted again.
  const runCompleted = await completeRunIfDone(deps, message.runId);
  return { status: 'done', outcome, runCompleted };
}

/** Completes the run when every shard is done or failed; only one caller wins (ETag). */
export async function completeRunIfDone(deps: NightlyDeps, runId: string): Promise<boolean> {
  const run = await deps.runs.getRun(runId);
  if (!run || run.status !== 'running') return false;
  const shards = await deps.runs.listShards(runId);
  if (shards.some((s) => s.status === 'pending')) return false;
  const counts: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
  for (const s of shards) for (const k of Object.keys(counts) as Array<keyof ChangeCounts>) counts[k] += s.counts?.[k] ?? 0;
  const partial = run.planningGaps.length > 0 || shards.some((s) => s.status === 'failed' || s.gaps.length > 0);
  // Publish first (idempotent: the outbox inserts only what is absent), then complete: a crash in
  // between leaves the run running, and the next attempt publishes the same notifications again.
  if (deps.notify) {
    const changes: FindingChange[] = [];
    for await (const f of deps.findings.listFindings({ lastAuditId: runId })) {
      if (f.lastChange && f.lastChange !== 'still_open' && f.lastChange !== 'still_suppressed') changes.push({ kind: f.lastChange, finding: f });
    }
    await deps.notify.publish(changes, { kind: 'nightly', runId });
  }
  const won = await deps.runs.completeRun(runId, run.etag, partial ? 'partial' : 'complete', deps.clock().toISOString(), counts);
  if (!won) return false;
  deps.log.info('nightly audit complete', { runId, status: partial ? 'partial' : 'complete', ...counts });
  return true;
}
