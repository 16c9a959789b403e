/**
 * The push-time audit. For each ACR event (already parsed and validated):
 *   - ImagePushed / ChartPushed: re-read the registry (bounded-age cache), evaluate the push-mode
 *     registry rules (approved, admin user disabled, admin account used by this push) and, for
 *     images, read the pushed manifest and its config to check provenance and base image;
 *   - ImageDeleted / ChartDeleted: resolve open findings about that digest (subject gone).
 * Replays of the same event id reproduce the same changes (idempotent), and a push whose manifest is
 * already gone (delete delivered first) opens nothing and resolves what it finds.
 */
import type { FindingChange, RuleResult } from '../domain/finding.js';
import type { Gap, ImageFacts, RegistryFacts, RegistrySnapshot } from '../domain/snapshots.js';
import type { RegistryEvent } from '../events/parse.js';
import { gapFromError, ScopeReadError } from '../inventory/errors.js';
import { findingId } from '../findings/keys.js';
import { evaluateRules } from '../rules/evaluate.js';
import { imageSubject, registryScope } from '../rules/subjects.js';
import { coverageResults, persistScope, rulesFor, type AuditDeps } from './common.js';
import type { RegistryStateCache } from './registryCache.js';

export interface EventAuditDeps extends AuditDeps {
  registryCache?: RegistryStateCache;
}

export type EventOutcome =
  | { eventId: string; index: number; status: 'audited'; kind: RegistryEvent['kind']; scopeId: string; changes: FindingChange[]; gaps: Gap[] }
  | { eventId: string; index: number; status: 'ignored'; kind: RegistryEvent['kind']; reason: string; changes: [] ; gaps: Gap[] };

/** Rules whose push-time result must never resolve anything: one push by a non-admin says nothing about other clients. */
const FAIL_ONLY_AT_PUSH = new Set(['registry.admin-user-unused']);

/** Thrown for failures worth a retry (throttling, 5xx, timeouts): the trigger lets the platform redeliver. */
export class TransientAuditError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientAuditError';
  }
}

export async function auditRegistryEvents(events: readonly RegistryEvent[], deps: EventAuditDeps): Promise<EventOutcome[]> {
  const out: EventOutcome[] = [];
  for (const [index, event] of events.entries()) out.push(await auditOne(event, index, deps));
  return out;
}

async function auditOne(event: RegistryEvent, index: number, deps: EventAuditDeps): Promise<EventOutcome> {
  const auditId = `evt-${event.eventId}`;
  const scopeId = registryScope(event.registryId);
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(event.registryId)?.[1]?.toLowerCase();
  const ignore = (reason: string): EventOutcome => ({ eventId: event.eventId, index, status: 'ignored', kind: event.kind, reason, changes: [], gaps: [] });
  if (deps.config.subscriptionIds.length && (!subscriptionId || !deps.config.subscriptionIds.includes(subscriptionId))) {
    return ignore(`registry ${event.registryId} is outside the configured subscriptions (AUDITOR_SUBSCRIPTION_IDS)`);
  }

  if (event.kind === 'image_deleted' || event.kind === 'chart_deleted') {
    const changes = await resolveDigest(deps, auditId, scopeId, event.loginServer, event.repository, event.digest);
    return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes, gaps: [] };
  }

  let registry: RegistrySnapshot;
  try {
    const load = () => deps.inventory.getRegistry(event.registryId);
    registry = deps.registryCache ? await deps.registryCache.get(event.registryId, deps.clock().getTime(), load) : await load();
  } catch (e) {
    if (!(e instanceof ScopeReadError)) throw e;
    if (e.classified.kind === 'not_found') return ignore(`registry ${event.registryId} no longer exists`);
    if (e.classified.kind === 'forbidden') {
      // Recorded as a coverage gap on the registry; its other findings stay as they are.
      const gaps: Gap[] = [gapFromError(e, event.registryId)];
      const results = coverageResults(deps, scopeId, event.registryId, gaps);
      const changes = await persistScope(deps, { auditId, scopeId, results, enumeratedRules: new Set(), existing: await touchedFindings(deps, scopeId, results) });
      return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes, gaps };
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
  const results: RuleResult[] = evaluateRules(rulesFor(deps, 'push', 'registry'), 'registry', [facts], ctx).filter(
    (r) => !FAIL_ONLY_AT_PUSH.has(r.ruleId) || r.status === 'fail',
  );

  const gaps: Gap[] = [];
  let gone = false;
  if (event.kind === 'image_pushed') {
    try {
      const provenance = await deps.inventory.getProvenance(registry.loginServer, event.repository, event.digest);
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
        };
        results.push(...evaluateRules(rulesFor(deps, 'push', 'image'), 'image', [image], ctx));
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

  // Push-time audits enumerate nothing, so only the findings of these results can change: look them up
  // by id instead of reading the registry's whole partition (cost independent of its size).
  const changes = await persistScope(deps, { auditId, scopeId, results, enumeratedRules: new Set(), existing: await touchedFindings(deps, scopeId, results) });
  if (gone) changes.push(...(await resolveDigest(deps, auditId, scopeId, registry.loginServer, event.repository, event.digest)));
  return { eventId: event.eventId, index, status: 'audited', kind: event.kind, scopeId, changes, gaps };
}

function touchedFindings(deps: AuditDeps, scopeId: string, results: readonly RuleResult[]) {
  return deps.findings.getFindings(scopeId, results.map((r) => findingId(r.ruleId, r.resourceId, r.subject)));
}

/** Resolves every open finding about one manifest (its subject is gone): the image rules' ids for that subject. */
async function resolveDigest(deps: AuditDeps, auditId: string, scopeId: string, loginServer: string, repository: string, digest: string): Promise<FindingChange[]> {
  const subject = imageSubject(loginServer, repository, digest);
  const registryId = scopeId;
  const ids = deps.rules.filter((r) => r.target === 'image').map((r) => findingId(r.id, registryId, subject));
  const existing = (await deps.findings.getFindings(scopeId, ids)).filter((f) => f.subject === subject);
  if (!existing.length) return [];
  return persistScope(deps, {
    auditId,
    scopeId,
    results: [],
    enumeratedRules: new Set(existing.map((f) => f.ruleId)),
    existing,
  });
}
