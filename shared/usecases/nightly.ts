/**
 * The nightly estate audit, fanned out through a Storage queue:
 *   startNightlyRun   -> the timer's (and the CLI's) one use case: settles earlier runs (resumes a
 *                        planning that stopped half-way, closes a run past its deadline as failed, with
 *                        its unaudited scopes as gaps), then plans the new run. Nothing about an old run
 *                        can stop a new one from being planned.
 *   planNightlyAudit  -> lists subscriptions, registries and workspaces (Resource Graph), confirms with
 *                        ARM what Resource Graph no longer lists (deleted: 404; not visible: a gap),
 *                        records the run with one shard per registry and per subscription, and enqueues
 *                        the shards. Messages carry ids only: a shard reads current state when it runs.
 *   processShard      -> audits one shard (the same code in Azure Functions and in the CLI's workers),
 *                        records it done or failed, and completes the run when the last shard is in;
 *   completeRunIfDone -> exactly once per run: final status (complete / partial), counts, and the
 *                        nightly digest of the transitions the shards committed.
 */
import { subscriptionOf, subscriptionScopeOf } from '../domain/armIds.js';
import { z } from 'zod';
import type { ChangeCounts, FindingChange } from '../domain/finding.js';
import { countChanges } from '../domain/finding.js';
import type { AdminUserChangeFacts, Gap, RegistrySettingChanges, RegistrySnapshot } from '../domain/snapshots.js';
import type { StoredFinding } from '../findings/diff.js';
import { classifyAzureError, isConfirmedDeletion, ScopeReadError } from '../inventory/errors.js';
import type { TableRunStore } from '../runs/tableRunStore.js';
import { isAdminCredentialPull } from '../rules/workload.registry-pull-managed-identity.js';
import { registryScope, subscriptionScope } from '../rules/subjects.js';
import { auditRegistry } from './auditRegistry.js';
import { auditWorkloads } from './auditWorkloads.js';
import { coverageResults, persistScope, type AuditDeps, type ScopeOutcome } from './common.js';
import type { NotificationSink } from './ports.js';
import { redrivePoisonedPushes, type PoisonQueue } from './redrivePushes.js';
import { writersOf, type RegistryWritersIndex } from '../inventory/roleAssignments.js';
import { isApprovedWriter } from '../rules/params.js';
import { registryPushAccessRestricted } from '../rules/registry.push-access-restricted.js';
import { rulesFor } from './common.js';

export type { NotificationOrigin, NotificationSink } from './ports.js';

/** A queue: the Functions host or the CLI's workers consume it. */
export interface ShardQueue {
  send(message: ShardMessage): Promise<void>;
}

export interface NightlyDeps extends AuditDeps {
  runs: TableRunStore;
  queue: ShardQueue;
  notify?: NotificationSink;
  /** `image-pushed-poison`: the nightly run re-audits the pushes the Functions host gave up on. */
  pushPoison?: PoisonQueue;
}

/** A run still `running` this long after it started is closed as failed (its unaudited scopes become gaps). */
export const RUN_DEADLINE_MS = 20 * 60 * 60 * 1000;

const armId = z.string().min(1).max(1_024).regex(/^\/subscriptions\/[^/]+\//i);
const subscriptionIdSchema = z.string().regex(/^[0-9a-f-]{36}$/i);

/**
 * Shard messages carry ids and small facts only (a Storage queue message holds 64 KiB): the shard
 * reads the registry's current state when it runs. Version 1 messages (which carried the registry
 * document) are still accepted; only their id is used.
 */
const shardMessageV2 = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(2), runId: z.string().min(1).max(200), kind: z.literal('registry'), registryId: armId }),
  z.object({ v: z.literal(2), runId: z.string().min(1).max(200), kind: z.literal('workloads'), subscriptionId: subscriptionIdSchema }),
]);
const shardMessageV1 = z
  .discriminatedUnion('kind', [
    z.object({ v: z.literal(1), runId: z.string().min(1).max(200), kind: z.literal('registry'), registry: z.looseObject({ id: armId }) }),
    z.object({ v: z.literal(1), runId: z.string().min(1).max(200), kind: z.literal('workloads'), subscriptionId: subscriptionIdSchema }),
  ])
  .transform((m) =>
    m.kind === 'registry'
      ? { v: 2 as const, runId: m.runId, kind: 'registry' as const, registryId: m.registry.id }
      : { v: 2 as const, runId: m.runId, kind: 'workloads' as const, subscriptionId: m.subscriptionId },
  );
export const shardMessageSchema = z.union([shardMessageV2, shardMessageV1]);
export type ShardMessage = z.output<typeof shardMessageSchema>;

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
  // Parsed against the schema of its own version, so an error names the field, not "invalid input".
  const version = typeof value === 'object' && value !== null ? (value as { v?: unknown }).v : undefined;
  const schema = version === 1 ? shardMessageV1 : version === 2 ? shardMessageV2 : shardMessageSchema;
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new MessageError(`invalid shard message: ${issue.path.join('.') || '$'}: ${issue.message}`);
  }
  return r.data;
}

export function shardKey(m: ShardMessage): string {
  return m.kind === 'registry' ? registryScope(m.registryId) : subscriptionScope(m.subscriptionId);
}

function shardScopeId(m: ShardMessage): string {
  return m.kind === 'registry' ? m.registryId : `/subscriptions/${m.subscriptionId}`;
}

export interface PlanResult {
  runId: string;
  shards: number;
  registries: number;
  subscriptions: number;
  gaps: Gap[];
  /** False when the run had been planned before (a timer retry): only what was missing was sent. */
  fresh: boolean;
}

const MAX_CHANGED_BY = 256;
const bounded = (s: string | undefined, max: number) => (s === undefined ? undefined : s.length > max ? `${s.slice(0, max)}…[truncated]` : s);

/** Who turned the admin user on, with every estate-derived string bounded (never a reason to refuse a shard). */
function boundAdminChange(c: AdminUserChangeFacts): AdminUserChangeFacts {
  const changedBy = bounded(c.changedBy, MAX_CHANGED_BY);
  const clientType = bounded(c.clientType, 128);
  const operation = bounded(c.operation, 256);
  return { timestamp: c.timestamp.slice(0, 64), ...(changedBy ? { changedBy } : {}), ...(clientType ? { clientType } : {}), ...(operation ? { operation } : {}) };
}

/** Who turned the admin user on, from the setting changes: the latest change of adminUserEnabled when it set it to true. */
function adminChangeOf(c: RegistrySettingChanges): AdminUserChangeFacts | undefined {
  const change = c.latest['properties.adminUserEnabled'];
  if (!change || change.newValue?.toLowerCase() !== 'true') return undefined;
  return { timestamp: change.changedAt, ...(change.changedBy ? { changedBy: change.changedBy } : {}), ...(change.clientType ? { clientType: change.clientType } : {}), ...(change.operation ? { operation: change.operation } : {}) };
}

/**
 * The nightly timer's use case (the CLI's too): settle earlier runs, then plan this one. Settling an
 * old run never prevents planning: each failure is logged and the next run is planned regardless.
 */
export async function startNightlyRun(deps: NightlyDeps, runId: string, options: { deadlineInMs?: number } = {}): Promise<PlanResult> {
  const deadline = options.deadlineInMs ?? RUN_DEADLINE_MS;
  for await (const run of deps.runs.listRuns()) {
    if (run.status !== 'running' || run.runId === runId) continue;
    try {
      await settleRun(deps, run.runId, deadline);
    } catch (e) {
      deps.log.error('could not settle an earlier run; planning goes on', { runId: run.runId, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const plan = await planNightlyAudit(deps, runId);
  if (deps.pushPoison) {
    // Best effort: a push still failing stays in the poison queue (and its coverage finding stays open).
    try {
      const r = await redrivePoisonedPushes(deps, deps.pushPoison);
      if (r.read) deps.log.info('poisoned pushes re-driven', { read: r.read, redriven: r.redriven, stillFailing: r.stillFailing });
    } catch (e) {
      deps.log.warn('could not re-drive poisoned pushes', { reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return plan;
}

/**
 * An earlier run still `running`: past its deadline it is closed as failed (every shard not done
 * becomes a gap and a coverage finding); before it, the shard messages its planning did not send are
 * sent, and it is completed if every shard is in.
 */
export async function settleRun(deps: NightlyDeps, runId: string, deadlineInMs = RUN_DEADLINE_MS): Promise<'closed' | 'resumed' | 'completed' | 'running'> {
  const run = await deps.runs.getRun(runId);
  if (!run || run.status !== 'running') return 'completed';
  const age = deps.clock().getTime() - Date.parse(run.startedAt);
  const shards = await deps.runs.listShards(runId);
  if (age > deadlineInMs) {
    const gaps: Gap[] = [];
    for (const s of shards.filter((x) => x.status === 'pending')) {
      const scope = s.kind === 'workloads' ? s.key : s.key;
      const gap: Gap = { scope, reason: `not audited: run ${runId} passed its deadline (${Math.round(deadlineInMs / 3_600_000)} h) before this shard finished` };
      gaps.push(gap);
      await persistScope(deps, { auditId: runId, scopeId: s.key, results: coverageResults(deps, s.key, scope, [gap]) });
      await deps.runs.finishShard(runId, { key: s.key, kind: s.kind, status: 'failed', gaps: [gap], error: gap.reason });
    }
    const closed = await deps.runs.completeRun(runId, run.etag, 'failed', deps.clock().toISOString(), sumCounts(shards), [...run.planningGaps, ...gaps]);
    if (closed) deps.log.warn('run closed as failed: past its deadline', { runId, unaudited: gaps.length });
    return 'closed';
  }
  let resent = 0;
  for (const s of shards) {
    if (s.status !== 'pending' || s.enqueuedAt || !s.message) continue;
    await deps.queue.send(parseShardMessage(s.message));
    await deps.runs.markEnqueued(runId, s.key, deps.clock().toISOString());
    resent++;
  }
  if (resent) {
    if (!run.plannedAt) await deps.runs.markPlanned(runId, deps.clock().toISOString());
    deps.log.warn('resumed a run whose planning stopped half-way', { runId, sent: resent });
    return 'resumed';
  }
  return (await completeRunIfDone(deps, runId)) ? 'completed' : 'running';
}

function sumCounts(shards: ReadonlyArray<{ counts?: ChangeCounts }>): ChangeCounts {
  const counts: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
  for (const s of shards) for (const k of Object.keys(counts) as Array<keyof ChangeCounts>) counts[k] += s.counts?.[k] ?? 0;
  return counts;
}

/** Plans a run and enqueues its shards. Throws when the estate cannot be listed at all. */
export async function planNightlyAudit(deps: NightlyDeps, runId: string): Promise<PlanResult> {
  const now = deps.clock();
  const gaps: Gap[] = [];
  const previous = await previousContext(deps, runId);
  const visible = await deps.azure.graph.listSubscriptions();
  const visibleIds = new Set(visible.filter((s) => s.state !== 'Disabled').map((s) => s.subscriptionId.toLowerCase()));
  let subscriptions: string[];
  /** Subscriptions that were audited or known before and are not visible now: checked again next run. */
  const invisible: string[] = [];
  if (deps.config.subscriptionIds.length) {
    subscriptions = [];
    for (const id of deps.config.subscriptionIds) {
      if (visibleIds.has(id.toLowerCase())) subscriptions.push(id.toLowerCase());
      else {
        invisible.push(id.toLowerCase());
        gaps.push({ scope: `/subscriptions/${id}`, reason: 'subscription not visible to the auditor identity (grant Reader on it, or remove it from AUDITOR_SUBSCRIPTION_IDS)', status: 403 });
      }
    }
  } else {
    subscriptions = [...visibleIds].sort();
    // Resource Graph and the subscription list silently leave out what the identity can no longer
    // read: a subscription audited before and missing now is a gap, never "nothing there".
    for (const id of previous?.subscriptions ?? []) {
      if (visibleIds.has(id)) continue;
      invisible.push(id);
      gaps.push({ scope: `/subscriptions/${id}`, reason: 'subscription no longer visible to the auditor identity (it was audited before): its findings are kept as they are', status: 403 });
    }
  }
  const planned = new Set(subscriptions);

  const registries: RegistrySnapshot[] = [];
  if (subscriptions.length) {
    for await (const item of deps.azure.graph.listRegistries(subscriptions)) {
      if ('error' in item) gaps.push({ scope: item.error.resourceId, reason: `malformed registry: ${item.error.field}: ${item.error.problem}` });
      else registries.push(item.registry);
    }
  }
  let workspaces: Record<string, string> = {};
  try {
    // Every readable workspace, not only those of the audited subscriptions: a workspace is where an audited
    // registry's logs are read, not an audit subject, and central workspaces often live in another subscription.
    workspaces = Object.fromEntries(await deps.azure.graph.workspaceCustomerIds(undefined));
  } catch (e) {
    // Without the map, admin-login checks become gaps in their shards; the run goes on.
    gaps.push({ scope: 'microsoft.operationalinsights/workspaces', reason: e instanceof ScopeReadError ? e.classified.reason : String(e) });
  }

  // Registries known before and not listed now: Resource Graph omits what the identity cannot read, so
  // absence proves nothing. ARM decides: 404 is a deletion (findings resolve as gone), 200 means it
  // exists (audit it), anything else means it is not visible (a gap; its findings are kept).
  const listed = new Map(registries.map((r) => [registryScope(r.id), r.loginServer]));
  const unreadable = new Map<string, string>();
  const malformed = new Set(gaps.map((g) => g.scope.toLowerCase()));
  const extraShards: string[] = [];
  for (const [scopeId, loginServer] of previous?.registryIndex ?? (previous?.registryScopes ?? []).map((s) => [s, ''] as [string, string])) {
    if (listed.has(scopeId) || malformed.has(scopeId)) continue;
    const sub = subscriptionOf(scopeId);
    if (!sub) continue;
    // A subscription taken out of AUDITOR_SUBSCRIPTION_IDS on purpose: its registries are out of scope.
    if (deps.config.subscriptionIds.length && !deps.config.subscriptionIds.some((s) => s.toLowerCase() === sub)) continue;
    if (!planned.has(sub) && !invisible.includes(sub)) continue;
    try {
      const readAt = deps.clock().toISOString();
      if (await deps.azure.arm.resourceExists(scopeId)) {
        extraShards.push(scopeId);
        if (loginServer) listed.set(scopeId, loginServer);
        deps.log.info('registry not in Resource Graph but readable in ARM: audited', { registry: scopeId });
        continue;
      }
      const existing = (await deps.findings.listScope(scopeId)).filter((f) => f.status !== 'resolved');
      if (existing.length) {
        await persistScope(deps, { auditId: runId, scopeId, results: [], existing, absence: () => ({ observedAt: readAt }) });
        deps.log.info('registry deleted (ARM 404): its findings are resolved', { registry: scopeId, findings: existing.length });
      }
    } catch (e) {
      const c = e instanceof ScopeReadError ? e.classified : classifyAzureError(e);
      if (isConfirmedDeletion(c)) continue;
      if (loginServer) unreadable.set(scopeId, loginServer);
      gaps.push({ scope: scopeId, reason: `registry no longer visible to the auditor identity (it was audited before; ARM: ${c.reason}): its findings are kept as they are`, ...(c.status ? { status: c.status } : {}) });
    }
  }

  // Planning gaps become coverage findings in their own scope now: the shards will not see them.
  for (const gap of gaps) {
    const sub = subscriptionScopeOf(gap.scope);
    const scopeId = sub ? subscriptionScope(sub) : gap.scope.toLowerCase();
    await persistScope(deps, { auditId: runId, scopeId, results: coverageResults(deps, scopeId, gap.scope, [gap]) });
  }

  // Who changed the registries' settings, who enabled the admin user among them: one Resource Graph query for
  // the run, kept in the run's context (not in the messages) for the registries it lists. Enrichment only:
  // when it cannot be read, the registry-setting findings stand without it.
  const adminChanges: Record<string, AdminUserChangeFacts> = {};
  let settingChanges: Record<string, RegistrySettingChanges> | undefined; // undefined: not read (the shards then say so)
  if (registries.length) {
    try {
      if (deps.azure.graph.registrySettingChanges) {
        const listedIds = new Set(registries.map((r) => r.id.toLowerCase()));
        const read = await deps.azure.graph.registrySettingChanges(subscriptions);
        settingChanges = {};
        for (const [id, c] of read) {
          if (!listedIds.has(id)) continue;
          settingChanges[id] = c;
          const admin = adminChangeOf(c);
          if (admin) adminChanges[id] = boundAdminChange(admin);
        }
      } else if (registries.some((r) => r.adminUserEnabled)) {
        for (const [id, c] of await deps.azure.graph.adminUserEnabledChanges(subscriptions)) adminChanges[id] = boundAdminChange(c);
      }
    } catch (e) {
      deps.log.warn('could not read who changed registry settings (resourcechanges)', { reason: e instanceof ScopeReadError ? e.classified.reason : String(e) });
    }
  }

  // Which workloads pull with a registry's admin account (user name = registry name): one Resource Graph query
  // for the run, kept in the run's context for the registry shards. Evidence only: a failed read leaves it out.
  const adminCredentialWorkloads: Record<string, { count: number; workloads: string[] }> = {};
  if (registries.some((r) => r.adminUserEnabled) && deps.azure.graph.workloadPasswordPulls) {
    try {
      const byServer = new Map(registries.map((r) => [r.loginServer.toLowerCase(), r.id.toLowerCase()]));
      const found = new Map<string, Set<string>>();
      for (const p of await deps.azure.graph.workloadPasswordPulls(subscriptions)) {
        const registryId = byServer.get(p.server.toLowerCase());
        if (!registryId || !isAdminCredentialPull({ method: 'password', server: p.server, username: p.username })) continue;
        const set = found.get(registryId) ?? new Set<string>();
        set.add(p.workloadId);
        found.set(registryId, set);
      }
      for (const [id, set] of found) adminCredentialWorkloads[id] = { count: set.size, workloads: [...set].sort().slice(0, 20).map((w) => bounded(w, 512)!) };
    } catch (e) {
      deps.log.warn('could not read which workloads pull with admin credentials', { reason: e instanceof ScopeReadError ? e.classified.reason : String(e) });
    }
  }

  // Who can change each registry's content (issue 13, registry.push-access-restricted): one Resource Graph query of
  // role assignments for the run, reduced to the write-capable ones at scopes containing a registry, kept in the run's
  // context by scope (approved principals only counted, bounded). Not read when the rule cannot apply; a failed read
  // leaves the context without it, so the rule is inconclusive for every registry (never a pass).
  let registryWriters: RegistryWritersIndex | undefined;
  if ((registries.length || extraShards.length) && subscriptions.length && deps.config.params.registryWriters.length && deps.azure.graph.registryWriters && rulesFor(deps, 'nightly', 'registry').some((r) => r.id === registryPushAccessRestricted.id)) {
    try {
      const ancestry = new Map(visible.flatMap((s) => (s.managementGroups ? [[s.subscriptionId.toLowerCase(), s.managementGroups] as [string, string[]]] : [])));
      registryWriters = await deps.azure.graph.registryWriters(subscriptions, {
        registryIds: [...registries.map((r) => r.id), ...extraShards],
        approved: (principalId) => isApprovedWriter(deps.config.params, principalId),
        ancestry,
      });
    } catch (e) {
      deps.log.warn('could not read role assignments (authorizationresources): registry.push-access-restricted is inconclusive this run', { reason: e instanceof ScopeReadError ? e.classified.reason : String(e) });
    }
  }

  const registryIds = [...registries.map((r) => r.id), ...extraShards];
  const messages: ShardMessage[] = [
    ...registryIds.map((registryId) => ({ v: 2 as const, runId, kind: 'registry' as const, registryId })),
    ...subscriptions.map((subscriptionId) => ({ v: 2 as const, runId, kind: 'workloads' as const, subscriptionId })),
  ];
  const fresh = await deps.runs.createRun(
    { runId, status: 'running', startedAt: now.toISOString(), expectedShards: messages.length, planningGaps: gaps },
    {
      workspaces,
      registries: [...listed.values()],
      registryScopes: [...listed.keys()],
      registryIndex: [...listed.entries(), ...unreadable.entries()],
      unreadableRegistries: [...unreadable.values()],
      subscriptions: [...subscriptions, ...invisible],
      adminChanges,
      adminCredentialWorkloads,
      ...(registryWriters ? { registryWriters } : {}),
      ...(settingChanges ? { settingChanges } : {}),
    },
    messages.map((m) => ({ key: shardKey(m), kind: m.kind, message: JSON.stringify(m) })),
  );
  // Send what has not been sent (all of it, unless this is a re-plan of the same run id).
  const sent = new Map((await deps.runs.listShards(runId)).map((s) => [s.key, s]));
  for (const m of messages) {
    const key = shardKey(m);
    const row = sent.get(key);
    if (row && (row.enqueuedAt || row.status !== 'pending')) continue;
    try {
      await deps.queue.send(m);
      await deps.runs.markEnqueued(runId, key, deps.clock().toISOString());
    } catch (e) {
      const c = classifyAzureError(e);
      if (c.kind === 'transient' || c.kind === 'throttled') throw e; // the timer's retry resumes the planning
      // A message the queue refuses for good is that scope's gap, not a failed run.
      const gap: Gap = { scope: shardScopeId(m), reason: `could not enqueue the shard: ${c.reason}`, ...(c.status ? { status: c.status } : {}) };
      await persistScope(deps, { auditId: runId, scopeId: key, results: coverageResults(deps, key, gap.scope, [gap]) });
      await deps.runs.finishShard(runId, { key, kind: m.kind, status: 'failed', gaps: [gap], error: gap.reason });
    }
  }
  await deps.runs.markPlanned(runId, deps.clock().toISOString());
  await completeRunIfDone(deps, runId);
  deps.log.info('nightly audit planned', { runId, registries: registryIds.length, subscriptions: subscriptions.length, gaps: gaps.length, fresh });
  return { runId, shards: messages.length, registries: registryIds.length, subscriptions: subscriptions.length, gaps, fresh };
}

/** The context of the latest earlier run that got as far as recording it. */
async function previousContext(deps: NightlyDeps, runId: string) {
  const runs: Array<{ runId: string; startedAt: string }> = [];
  for await (const r of deps.runs.listRuns()) if (r.runId !== runId) runs.push(r);
  runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  for (const r of runs.slice(0, 3)) {
    try {
      return await deps.runs.getContext(r.runId);
    } catch (e) {
      deps.log.warn('an earlier run has no readable context', { runId: r.runId, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return undefined;
}

export interface ShardResult {
  status: 'done' | 'skipped' | 'failed';
  outcome?: ScopeOutcome;
  runCompleted?: boolean;
}

/** Finding transitions worth announcing; the digest reads them back from the run's change rows. */
const NOTABLE = new Set(['opened', 'reopened', 'escalated', 'resolved', 'suppressed', 'unsuppressed']);

/**
 * Audits one shard. On an error it rethrows (the queue redelivers); on the last attempt it first
 * records the shard as failed (a gap; its findings untouched) so the run still completes as partial.
 */
export async function processShard(deps: NightlyDeps, message: ShardMessage, attempt: { dequeueCount: number; maxDequeueCount: number }): Promise<ShardResult> {
  const run = await deps.runs.getRun(message.runId);
  if (!run) throw new MessageError(`shard of unknown run ${message.runId}`);
  const key = shardKey(message);
  if (run.status !== 'running') {
    deps.log.warn('shard of a finished run skipped', { runId: message.runId, shard: key, status: run.status });
    return { status: 'skipped' };
  }
  const row = await deps.runs.getShard(message.runId, key);
  if (row && row.status !== 'pending') {
    deps.log.info('shard already finished (a duplicate message) skipped', { runId: message.runId, shard: key, status: row.status });
    return { status: 'skipped', runCompleted: await completeRunIfDone(deps, message.runId) };
  }
  // Transitions committed by this shard are recorded in the run, so the digest announces exactly what
  // was committed (not what a later query of the table happens to show).
  const shardDeps: NightlyDeps = deps.notify
    ? { ...deps, onCommitted: (scopeId, changes) => deps.runs.recordChanges(message.runId, changes.filter((c) => NOTABLE.has(c.kind)).map((c) => ({ scopeId, findingId: c.finding.id, kind: c.kind }))) }
    : deps;
  let outcome: ScopeOutcome;
  try {
    const context = await deps.runs.getContext(message.runId);
    if (message.kind === 'registry') {
      const adminUserChange = context.adminChanges?.[message.registryId.toLowerCase()];
      const adminCredentialWorkloads = context.adminCredentialWorkloads?.[message.registryId.toLowerCase()];
      const writersIndex = context.registryWriters;
      // Read when the run's context has the field (a run planned by an older version has not): none for this registry is "no change kept".
      const settingChanges = context.settingChanges ? context.settingChanges[message.registryId.toLowerCase()] ?? { latest: {} } : undefined;
      outcome = await auditRegistry(
        { auditId: message.runId, registryId: message.registryId, workspaces: context.workspaces, ...(adminUserChange ? { adminUserChange } : {}), ...(adminCredentialWorkloads ? { adminCredentialWorkloads } : {}), ...(settingChanges ? { settingChanges } : {}), ...(writersIndex ? { writers: writersOf(writersIndex, message.registryId) } : {}), ...(context.subscriptions ? { auditedSubscriptions: context.subscriptions.map((x) => x.toLowerCase()) } : {}) },
        shardDeps,
      );
    } else {
      outcome = await auditWorkloads(
        { auditId: message.runId, subscriptionId: message.subscriptionId, registries: context.registries, unreadableRegistries: context.unreadableRegistries ?? [] },
        shardDeps,
      );
    }
    await deps.runs.finishShard(message.runId, { key, kind: message.kind, status: 'done', gaps: outcome.gaps, counts: outcome.counts ?? countChanges(outcome.changes), attempts: attempt.dequeueCount });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    if (attempt.dequeueCount >= attempt.maxDequeueCount) {
      const gap: Gap = { scope: shardScopeId(message), reason: `shard failed after ${attempt.dequeueCount} attempts: ${reason}` };
      try {
        await persistScope(deps, { auditId: message.runId, scopeId: key, results: coverageResults(deps, key, gap.scope, [gap]) });
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
  const counts = sumCounts(shards);
  const partial = run.planningGaps.length > 0 || shards.some((s) => s.status === 'failed' || s.gaps.length > 0);
  // Publish first (idempotent: the outbox inserts only what is absent), then complete: a crash in
  // between leaves the run running, and the next attempt publishes the same notifications again.
  if (deps.notify) await deps.notify.publish(await committedChanges(deps, runId), { kind: 'nightly', runId });
  const won = await deps.runs.completeRun(runId, run.etag, partial ? 'partial' : 'complete', deps.clock().toISOString(), counts);
  if (!won) return false;
  deps.log.info('nightly audit complete', { runId, status: partial ? 'partial' : 'complete', ...counts });
  return true;
}

/**
 * The run's recorded transitions, each checked against the finding's own history: a transition is
 * announced only if the finding row holds it under this run's id (it was committed by this run, not
 * replaced by a concurrent writer's). The finding is read now, so the digest shows its current facts.
 */
async function committedChanges(deps: NightlyDeps, runId: string): Promise<FindingChange[]> {
  const byScope = new Map<string, Map<string, string>>();
  for await (const c of deps.runs.listChanges(runId)) {
    let m = byScope.get(c.scopeId);
    if (!m) byScope.set(c.scopeId, (m = new Map()));
    m.set(c.findingId, c.kind);
  }
  const out: FindingChange[] = [];
  for (const [scopeId, ids] of byScope) {
    const rows: StoredFinding[] = await deps.findings.getFindings(scopeId, [...ids.keys()]);
    for (const f of rows) {
      const kind = ids.get(f.id) as FindingChange['kind'];
      if (!f.history?.some((h) => h.auditId === runId && h.kind === kind)) continue;
      const { etag: _etag, ...finding } = f;
      out.push({ kind, finding });
    }
  }
  return out;
}
