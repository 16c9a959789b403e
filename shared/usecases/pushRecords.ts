/**
 * Who pushed each image of a registry (issue 13, image.pushed-by-approved-identity): at night, ONE Log Analytics query
 * per registry shard (successful pushes in the look-back window, grouped by repository, digest and identity) against
 * each workspace the registry routes ContainerRegistryRepositoryEvents to; at push time, the Event Grid actor.
 * Read only where the rule runs and AUDITOR_APPROVED_PUSHERS is set. Unreadable logs leave the rule inconclusive.
 */
import { MAX_PUSHERS, type DiagnosticSettingFacts, type Gap, type PushedByFacts, type RegistrySnapshot } from '../domain/snapshots.js';
import { gapFromError } from '../inventory/errors.js';
import { imagePushedByApprovedIdentity } from '../rules/image.pushed-by-approved-identity.js';
import type { AuditDeps } from './common.js';
import type { ImagePushRecord } from './ports.js';

/** Diagnostic-setting categories (and category groups) that carry ContainerRegistryRepositoryEvents. */
export const REPOSITORY_EVENT_CATEGORIES = ['ContainerRegistryRepositoryEvents', 'allLogs', 'audit'];

export type RegistryPushes =
  | { status: 'read'; byImage: Map<string, ImagePushRecord[]>; lookbackDays: number }
  | { status: 'unknown'; reason: string };

/** Whether the nightly audit needs the push records of this run's image rules. */
export function pushRecordsNeeded(deps: AuditDeps, imageRuleIds: ReadonlySet<string>): boolean {
  return imageRuleIds.has(imagePushedByApprovedIdentity.id) && deps.config.params.approvedPushers.length > 0;
}

/**
 * The pushes of one registry, from every readable workspace its diagnostic settings send repository events to.
 * Undefined when not needed, or when the diagnostic settings were not read (the rule is then "not read").
 */
export async function readRegistryPushes(
  deps: AuditDeps,
  registry: RegistrySnapshot,
  diagnosticSettings: DiagnosticSettingFacts[] | undefined,
  workspaces: Record<string, string>,
  gaps: Gap[],
): Promise<RegistryPushes | undefined> {
  if (!diagnosticSettings || !deps.azure.logs.imagePushes) return undefined;
  const lookbackDays = deps.config.params.adminLookbackDays;
  const armIds = [
    ...new Set(
      diagnosticSettings
        .filter((s) => s.destinations.workspaceId && s.enabledCategories.some((c) => REPOSITORY_EVENT_CATEGORIES.includes(c)))
        .map((s) => s.destinations.workspaceId!.toLowerCase()),
    ),
  ];
  if (armIds.length === 0) return { status: 'unknown', reason: 'ContainerRegistryRepositoryEvents are not routed to a Log Analytics workspace (see registry.audit-logs-enabled)' };
  const read: Array<Map<string, ImagePushRecord[]>> = [];
  for (const armId of armIds) {
    const customerId = workspaces[armId];
    if (!customerId) {
      gaps.push({ scope: armId, reason: 'workspace not visible to the auditor (no Resource Graph row): grant Reader / Log Analytics Reader on it' });
      continue;
    }
    try {
      read.push(await deps.azure.logs.imagePushes({ armId, customerId }, registry.loginServer, lookbackDays));
    } catch (e) {
      gaps.push(gapFromError(e, armId));
    }
  }
  // Every workspace a registry routes its repository events to receives every event: one readable workspace suffices.
  if (read.length === 0) return { status: 'unknown', reason: 'no workspace holding the registry\'s repository events could be queried' };
  return { status: 'read', byImage: mergePushes(read), lookbackDays };
}

/** The same pushes seen in several workspaces count once: per image and identity, the latest push and the highest count. */
function mergePushes(all: Array<Map<string, ImagePushRecord[]>>): Map<string, ImagePushRecord[]> {
  if (all.length === 1) return all[0]!;
  const out = new Map<string, Map<string, ImagePushRecord>>();
  for (const m of all) {
    for (const [key, records] of m) {
      const byIdentity = out.get(key) ?? new Map<string, ImagePushRecord>();
      for (const r of records) {
        const known = byIdentity.get(r.identity);
        if (!known) byIdentity.set(r.identity, r);
        else {
          const lastPush = [known.lastPush, r.lastPush].filter((x): x is string => !!x).sort().pop();
          byIdentity.set(r.identity, { identity: r.identity, pushes: Math.max(known.pushes, r.pushes), ...(lastPush ? { lastPush } : {}), tags: [...new Set([...known.tags, ...r.tags])].slice(0, 10) });
        }
      }
      out.set(key, byIdentity);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v.values()]]));
}

/** Who pushed one image, for the rule. Undefined when the pushes were not read in this audit. */
export function pushedByOf(pushes: RegistryPushes | undefined, repository: string, digest: string): PushedByFacts | undefined {
  if (!pushes) return undefined;
  if (pushes.status === 'unknown') return pushes;
  const records = pushes.byImage.get(`${repository}@${digest}`);
  if (!records?.length) return { status: 'unknown', reason: `no push of this image in the last ${pushes.lookbackDays} days in ContainerRegistryRepositoryEvents (pushed earlier, or not logged)` };
  const sorted = [...records].sort((a, b) => (b.lastPush ?? '').localeCompare(a.lastPush ?? '') || a.identity.localeCompare(b.identity));
  return {
    status: 'read',
    source: 'logs',
    pushers: sorted.slice(0, MAX_PUSHERS).map((r) => ({ identity: r.identity, pushes: r.pushes, ...(r.lastPush ? { lastPush: r.lastPush } : {}), tags: r.tags })),
    ...(sorted.length > MAX_PUSHERS ? { partial: true } : {}),
    lookbackDays: pushes.lookbackDays,
  };
}

/** Who pushed, at push time: the Event Grid event's actor.name (absent on some events: undecided). */
export function pushedByFromEvent(actor: string | undefined, time: string, tag: string | undefined): PushedByFacts {
  if (!actor) return { status: 'unknown', reason: 'the push event carries no actor' };
  return { status: 'read', source: 'event', pushers: [{ identity: actor.slice(0, 256), lastPush: time.slice(0, 64), pushes: 1, ...(tag ? { tags: [tag] } : {}) }] };
}
