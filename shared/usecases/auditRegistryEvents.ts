/**
 * The push-time audit. For each ACR event (already parsed and validated):
 *   - ImagePushed / ChartPushed: re-read the registry (bounded-age cache), evaluate the push-mode
 *     registry rules (approved, admin user disabled, admin account used by this push) and, for
 *     images, read the pushed manifest and its config to check provenance and base image;
 *   - ImageDeleted / ChartDeleted: confirm the deletion (the manifest's 404) and only then resolve
 *     the open findings about that digest; a digest pushed again since still exists and keeps them.
 * Replays of the same event id reproduce the same changes (idempotent), and a push whose manifest is
 * already gone (delete delivered first) opens nothing and resolves what it finds. Every result carries
 * when its facts were read, so an event processed late never overrides a newer observation.
 * Events of a batch are audited independently: one that fails does not stop the others.
 */
import { subscriptionOf } from '../domain/armIds.js';
import type { FindingChange, RuleResult } from '../domain/finding.js';
import type { Gap, ImageFacts, RegistryFacts, RegistrySnapshot } from '../domain/snapshots.js';
import type { RegistryEvent } from '../events/parse.js';
import { gapFromError, ScopeReadError } from '../inventory/errors.js';
import { MappingError } from '../inventory/mappers.js';
import { EVENT_SUBJECT_PREFIX } from '../rules/audit.scope-readable.js';
import { findingId } from '../findings/keys.js';
import { evaluateRules } from '../rules/evaluate.js';
import { imageSubject, registryScope } from '../rules/subjects.js';
import { referrersNeeded } from '../rules/supplyChain.js';
import { coverageResults, persistScope, rulesFor, type AuditDeps } from './common.js';
import type { RegistryStateCache } from './registryCache.js';
import { pushedByFromEvent } from './pushRecords.js';

export interface EventAuditDeps extends AuditDeps {
  registryCache?: RegistryStateCache;
}

export type EventOutcome =
  | { eventId: string; index: number; status: 'audited'; kind: RegistryEvent['kind']; scopeId: string; changes: FindingChange[]; gaps: Gap[] }
  | { eventId: string; index: number; status: 'ignored'; kind: RegistryEvent['kind']; reason: string; changes: [] ; gaps: Gap[] };

/** Thrown for failures worth a retry (throttling, 5xx, timeouts): the trigger lets the platform redeliver. */
export class TransientAuditError extends Error {
  /** The events of the batch that could not be audited (the others were). */
  readonly events: readonly RegistryEvent[];
  constructor(message: string, options?: { cause?: unknown; events?: readonly RegistryEvent[] }) {
    super(message, options);
    this.name = 'TransientAuditError';
    this.events = options?.events ?? [];
  }
}

/**
 * Audits each event of a batch independently. An event that fails for a reason a retry cannot fix is
 * recorded as a coverage gap of its registry (naming the event) and the batch goes on; transient
 * failures are collected and thrown once every other event was audited, so the delivery is retried
 * (replays of the audited events change nothing).
 */
export async function auditRegistryEvents(events: readonly RegistryEvent[], deps: EventAuditDeps): Promise<EventOutcome[]> {
  const out: EventOutcome[] = [];
  const transient: TransientAuditError[] = [];
  const failed: RegistryEvent[] = [];
  for (const [index, event] of events.entries()) {
    try {
      out.push(await auditOne(event, index, deps));
    } catch (e) {
      if (e instanceof TransientAuditError) {
        transient.push(e);
        failed.push(event);
        continue;
      }
      out.push(await recordEventGap(deps, event, index, e));
    }
  }
  if (transient.length) throw new TransientAuditError(`${transient.length} event(s) could not be audited now: ${transient.map((t) => t.message).join('; ').slice(0, 1_000)}`, { cause: transient[0], events: failed });
  return out;
}

/** The coverage subject of one event: resolves only when that event is audited again. */
export function eventSubject(event: Pick<RegistryEvent, 'eventId' | 'loginServer' | 'repository' | 'digest'>): string {
  return `${EVENT_SUBJECT_PREFIX}${event.eventId}: ${event.loginServer}/${event.repository}@${event.digest}`;
}

export async function recordEventGap(deps: EventAuditDeps, event: RegistryEvent, index: number, e: unknown): Promise<EventOutcome> {
  const scopeId = registryScope(event.registryId);
  const reason = e instanceof MappingError ? `malformed registry document: ${e.field}: ${e.problem}` : e instanceof Error ? e.message : String(e);
  deps.log.error('event could not be audited: recorded as a coverage gap', { eventId: event.eventId, registry: event.registryId, reason: reason.slice(0, 500) });
  const gap: Gap = { scope: eventSubject(event), reason: `${event.kind} event could not be audited: ${reason}` };
  const results = coverageResults(deps, scopeId, event.registryId, [gap]).map((r) => ({ ...r, resourceId: event.registryId }));
  const persisted = await persistScope(deps, { auditId: `evt-${event.eventId}`, scopeId, results, existing: await touchedFindings(deps, scopeId, results), trackNewerObservations: true });
  return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes: persisted.changes, gaps: [gap] };
}

async function auditOne(event: RegistryEvent, index: number, deps: EventAuditDeps): Promise<EventOutcome> {
  const auditId = `evt-${event.eventId}`;
  const scopeId = registryScope(event.registryId);
  const subscriptionId = subscriptionOf(event.registryId);
  const ignore = (reason: string): EventOutcome => ({ eventId: event.eventId, index, status: 'ignored', kind: event.kind, reason, changes: [], gaps: [] });
  if (deps.config.subscriptionIds.length && (!subscriptionId || !deps.config.subscriptionIds.includes(subscriptionId))) {
    return ignore(`registry ${event.registryId} is outside the configured subscriptions (AUDITOR_SUBSCRIPTION_IDS)`);
  }

  if (event.kind === 'image_deleted' || event.kind === 'chart_deleted') {
    // The event is a hint: the manifest's 404 is the proof. A digest pushed again since the delete (its
    // events may arrive in any order) still exists, and its findings stay.
    const readAt = deps.clock().toISOString();
    let exists: boolean;
    try {
      exists = (await deps.azure.registry.getManifest(event.loginServer, event.repository, event.digest)) !== undefined;
    } catch (e) {
      if (e instanceof ScopeReadError && (e.classified.kind === 'transient' || e.classified.kind === 'throttled')) {
        throw new TransientAuditError(`could not confirm the deletion of ${event.repository}@${event.digest}: ${e.classified.reason}`, { cause: e });
      }
      if (!(e instanceof ScopeReadError)) throw e;
      const gaps: Gap[] = [gapFromError(e, e.scope)];
      const results = coverageResults(deps, scopeId, event.registryId, gaps);
      const persisted = await persistScope(deps, { auditId, scopeId, results, existing: await touchedFindings(deps, scopeId, results), trackNewerObservations: true });
      return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes: persisted.changes, gaps };
    }
    if (exists) return ignore(`${event.repository}@${event.digest} still exists (pushed again since): nothing resolves`);
    const changes = await resolveDigest(deps, auditId, scopeId, event.loginServer, event.repository, event.digest, readAt);
    return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes, gaps: [] };
  }

  let registry: RegistrySnapshot;
  let registryReadAt: string;
  try {
    const load = () => deps.azure.arm.getRegistry(event.registryId);
    const startedAt = deps.clock().getTime();
    const got = deps.registryCache ? await deps.registryCache.get(event.registryId, startedAt, load) : { value: await load(), at: startedAt };
    registry = got.value;
    registryReadAt = new Date(got.at).toISOString();
  } catch (e) {
    if (!(e instanceof ScopeReadError)) throw e;
    if (e.classified.kind === 'not_found') return ignore(`registry ${event.registryId} no longer exists`);
    if (e.classified.kind === 'forbidden') {
      // Recorded as a coverage gap on the registry; its other findings stay as they are.
      const gaps: Gap[] = [gapFromError(e, event.registryId)];
      const results = coverageResults(deps, scopeId, event.registryId, gaps);
      const persisted = await persistScope(deps, { auditId, scopeId, results, existing: await touchedFindings(deps, scopeId, results), trackNewerObservations: true });
      return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes: persisted.changes, gaps };
    }
    throw new TransientAuditError(`could not read registry ${event.registryId}: ${e.classified.reason}`, { cause: e });
  }

  const now = deps.clock();
  const ctx = { now, params: deps.config.params };
  const isAdmin = event.actor !== undefined && event.actor.toLowerCase() === registry.name.toLowerCase();
  const facts: RegistryFacts = {
    registry,
    ...(isAdmin
      ? {
          adminPush: {
            source: 'push' as const,
            actor: event.actor!,
            time: event.timestamp,
            ...(event.request?.addr ? { sourceAddress: event.request.addr } : {}),
            ...(event.request?.useragent ? { userAgent: event.request.useragent } : {}),
            repository: event.repository,
            ...(event.tag ? { tag: event.tag } : {}),
            digest: event.digest,
          },
        }
      : {}),
  };
  const results: RuleResult[] = evaluateRules(rulesFor(deps, 'push', 'registry'), 'registry', [facts], ctx)
    // A rule with `pushResults: 'fail-only'` keeps only its failures at push time (see RuleMetadata.pushResults).
    .filter((r) => r.status === 'fail' || deps.rules.find((rule) => rule.id === r.ruleId)?.pushResults !== 'fail-only')
    .map((r) => ({ ...r, observedAt: registryReadAt }));

  const gaps: Gap[] = [];
  let gone = false;
  const manifestReadAt = deps.clock().toISOString();
  if (event.kind === 'image_pushed') {
    try {
      const provenance = await deps.azure.registry.getProvenance(registry.loginServer, event.repository, event.digest);
      if (!provenance) {
        gone = true;
      } else {
        const image: ImageFacts = {
          registry,
          manifest: {
            repository: event.repository,
            digest: event.digest,
            tags: event.tag ? [event.tag] : [],
            createdTime: event.timestamp,
            lastUpdateTime: event.timestamp,
            ...(event.mediaType ? { mediaType: event.mediaType } : {}),
          },
          provenance,
          // Who pushed it (issue 13): the event's actor.name.
          pushedBy: pushedByFromEvent(event.actor, event.timestamp, event.tag),
        };
        // Signatures (issue 15): read only where a signing rule applies; the rules give the signer the grace
        // period after the push (AUDITOR_SIGNATURE_GRACE_MINUTES) before an unsigned push fails.
        const pushImageRules = rulesFor(deps, 'push', 'image');
        if (referrersNeeded(pushImageRules.map((r) => r.id), deps.config.params, image.manifest)) {
          const referrers = await deps.azure.registry.listReferrers(registry.loginServer, event.repository, event.digest);
          if (referrers) image.referrers = referrers;
        }
        results.push(
          ...evaluateRules(rulesFor(deps, 'push', 'image'), 'image', [image], ctx)
            // `pushResults: 'fail-only'` holds for image rules too (image.pushed-by-approved-identity: one push shows one pusher).
            .filter((r) => r.status === 'fail' || deps.rules.find((rule) => rule.id === r.ruleId)?.pushResults !== 'fail-only')
            .map((r) => ({ ...r, observedAt: manifestReadAt })),
        );
      }
    } catch (e) {
      if (!(e instanceof ScopeReadError)) throw e;
      if (e.classified.kind === 'transient' || e.classified.kind === 'throttled') {
        throw new TransientAuditError(`could not read ${e.scope}: ${e.classified.reason}`, { cause: e });
      }
      gaps.push(gapFromError(e, e.scope));
    }
  }
  if (gaps.length) results.push(...coverageResults(deps, scopeId, registry.id, gaps));
  // This event is audited: a coverage finding left by an earlier failed attempt at it resolves.
  else results.push(...coverageResults(deps, scopeId, registry.id, []).map((r) => ({ ...r, subject: eventSubject(event), observedAt: manifestReadAt })));

  // Push-time audits enumerate nothing, so only the findings of these results can change: look them up
  // by id instead of reading the registry's whole partition (cost independent of its size).
  const persisted = await persistScope(deps, { auditId, scopeId, results, existing: await touchedFindings(deps, scopeId, results), trackNewerObservations: true });
  const changes = [...persisted.changes];
  if (gone) changes.push(...(await resolveDigest(deps, auditId, scopeId, registry.loginServer, event.repository, event.digest, manifestReadAt)));
  return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes, gaps };
}

function touchedFindings(deps: AuditDeps, scopeId: string, results: readonly RuleResult[]) {
  return deps.findings.getFindings(scopeId, results.map((r) => findingId(r.ruleId, r.resourceId, r.subject)));
}

/** Resolves every open finding about one manifest whose 404 was read at `observedAt` (its subject is gone). */
async function resolveDigest(deps: AuditDeps, auditId: string, scopeId: string, loginServer: string, repository: string, digest: string, observedAt: string): Promise<FindingChange[]> {
  const subject = imageSubject(loginServer, repository, digest);
  const registryId = scopeId;
  const ids = deps.rules.filter((r) => r.target === 'image').map((r) => findingId(r.id, registryId, subject));
  const existing = (await deps.findings.getFindings(scopeId, ids)).filter((f) => f.subject === subject);
  if (!existing.length) return [];
  return (await persistScope(deps, { auditId, scopeId, results: [], existing, absence: () => ({ observedAt }), trackNewerObservations: true })).changes;
}
