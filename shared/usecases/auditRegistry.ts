/**
 * The nightly audit of one registry (one shard): its ARM settings, diagnostic settings, admin-account
 * use from its login logs, and every tagged manifest in every repository, streamed. Memory stays
 * bounded by the number of findings, not of manifests: passing results are kept only where they
 * resolve a stored finding.
 */
import { countChanges, type ChangeCounts, type FindingChange, type RuleResult } from '../domain/finding.js';
import type { AdminLoginFacts, AdminUserChangeFacts, Gap, RegistryFacts, RegistrySnapshot } from '../domain/snapshots.js';
import { findingId } from '../findings/keys.js';
import { gapFromError } from '../inventory/errors.js';
import { evaluateRules } from '../rules/evaluate.js';
import { registryScope } from '../rules/subjects.js';
import { mapLimit } from '../util/concurrency.js';
import { coverageResults, persistScope, rulesFor, type AuditDeps, type ScopeOutcome } from './common.js';

export interface RegistryShardInput {
  auditId: string;
  registry: RegistrySnapshot;
  /** Workspace ARM id (lower-case) -> customer id, resolved once per run by the planner. */
  workspaces: Record<string, string>;
  /** Who turned the admin user on and when (resourcechanges, read once per run by the planner). */
  adminUserChange?: AdminUserChangeFacts;
}

const LOGIN_CATEGORIES = ['ContainerRegistryLoginEvents', 'allLogs', 'audit'];

export async function auditRegistry(input: RegistryShardInput, deps: AuditDeps): Promise<ScopeOutcome> {
  const { registry } = input;
  const scopeId = registryScope(registry.id);
  const now = deps.clock();
  const ctx = { now, params: deps.config.params };
  const gaps: Gap[] = [];
  const facts: RegistryFacts = { registry };

  try {
    facts.diagnosticSettings = await deps.inventory.listDiagnosticSettings(registry.id, registry.subscriptionId);
  } catch (e) {
    gaps.push(gapFromError(e, `${registry.id}/providers/Microsoft.Insights/diagnosticSettings`));
  }

  if (registry.adminUserEnabled) {
    if (input.adminUserChange) facts.adminUserChange = input.adminUserChange;
    if (facts.diagnosticSettings) {
      const workspaceIds = [
        ...new Set(
          facts.diagnosticSettings
            .filter((s) => s.destinations.workspaceId && s.enabledCategories.some((c) => LOGIN_CATEGORIES.includes(c)))
            .map((s) => s.destinations.workspaceId!.toLowerCase()),
        ),
      ];
      if (workspaceIds.length === 0) {
        facts.adminLogins = null;
      } else {
        const found: AdminLoginFacts[] = [];
        for (const armId of workspaceIds) {
          const customerId = input.workspaces[armId];
          if (!customerId) {
            gaps.push({ scope: armId, reason: 'workspace not visible to the auditor (no Resource Graph row): grant Reader / Log Analytics Reader on it' });
            continue;
          }
          try {
            found.push(await deps.inventory.adminLogins({ armId, customerId }, registry.loginServer, registry.name, deps.config.params.adminLookbackDays));
          } catch (e) {
            gaps.push(gapFromError(e, armId));
          }
        }
        // Logins from every readable workspace add up; with none readable the rule stays inconclusive.
        if (found.length === workspaceIds.length) facts.adminLogins = mergeLogins(found);
        else if (found.some((f) => f.count > 0)) facts.adminLogins = mergeLogins(found);
      }
    }
  }

  const existing = await deps.findings.listScope(scopeId);
  const existingById = new Map(existing.map((f) => [f.id, f]));
  const stored = new Set(existing.filter((f) => f.status !== 'resolved').map((f) => f.id));
  const registryResults: RuleResult[] = evaluateRules(rulesFor(deps, 'nightly', 'registry'), 'registry', [facts], ctx);
  const counts: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
  const addCounts = (changes: readonly FindingChange[]) => {
    const c = countChanges(changes);
    for (const k of Object.keys(counts) as Array<keyof ChangeCounts>) counts[k] += c[k];
  };

  // Image results are persisted in chunks as the manifests stream in: memory holds one chunk and the
  // ids already written, not every failing manifest of the registry.
  const touched = new Set<string>();
  let pending: RuleResult[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const chunk = pending;
    pending = [];
    const ids = chunk.map((r) => findingId(r.ruleId, r.resourceId, r.subject));
    for (const id of ids) touched.add(id);
    const before = ids.map((id) => existingById.get(id)).filter((f): f is NonNullable<typeof f> => f !== undefined);
    addCounts(await persistScope(deps, { auditId: input.auditId, scopeId, results: chunk, enumeratedRules: new Set(), existing: before }));
  };

  const imageRules = rulesFor(deps, 'nightly', 'image');
  const unreadableRepos = new Set<string>();
  let catalogRead = true;
  let evaluated = registryResults.length;
  if (imageRules.length) {
    const repositories: string[] = [];
    try {
      for await (const r of deps.inventory.listRepositories(registry.loginServer)) repositories.push(r);
    } catch (e) {
      catalogRead = false;
      gaps.push(gapFromError(e, registry.loginServer));
    }
    await mapLimit(repositories, deps.config.concurrency, async (repository) => {
      try {
        for await (const manifest of deps.inventory.listManifests(registry.loginServer, repository)) {
          for (const r of evaluateRules(imageRules, 'image', [{ registry, manifest }], ctx)) {
            evaluated++;
            // Failures, and passes that resolve a stored finding; other passes leave no trace.
            if (r.status === 'fail' || r.status === 'error' || stored.has(findingId(r.ruleId, r.resourceId, r.subject))) pending.push(r);
          }
          if (pending.length >= CHUNK) await flush();
        }
      } catch (e) {
        unreadableRepos.add(repository);
        gaps.push(gapFromError(e, `${registry.loginServer}/${repository}`));
      }
    });
    await flush();
  }

  // Last: the registry's own rules, coverage, and findings whose subject is gone (not touched above).
  const enumerated = new Set<string>(['audit.scope-readable']);
  if (catalogRead) for (const r of imageRules) enumerated.add(r.id);
  const prefixOf = (repo: string) => `${registry.loginServer}/${repo}@`;
  const changes = await persistScope(deps, {
    auditId: input.auditId,
    scopeId,
    results: [...registryResults, ...coverageResults(deps, scopeId, registry.id, gaps)],
    enumeratedRules: enumerated,
    existing: existing.filter((f) => !touched.has(f.id)),
    protect: (f) => [...unreadableRepos].some((repo) => f.subject.startsWith(prefixOf(repo))),
  });
  addCounts(changes);
  return { scopeId, changes, counts, gaps, evaluated };
}

/** Image results written per transaction group: bounds a shard's memory whatever the registry's size. */
const CHUNK = 500;

function mergeLogins(all: AdminLoginFacts[]): AdminLoginFacts {
  const [first, ...rest] = all;
  return rest.reduce<AdminLoginFacts>((acc, f) => {
    const firstSeen = [acc.firstSeen, f.firstSeen].filter(Boolean).sort()[0];
    const lastSeen = [acc.lastSeen, f.lastSeen].filter(Boolean).sort().pop();
    return {
      ...acc,
      count: acc.count + f.count,
      ...(firstSeen ? { firstSeen } : {}),
      ...(lastSeen ? { lastSeen } : {}),
      callerIpAddresses: [...new Set([...acc.callerIpAddresses, ...f.callerIpAddresses])].slice(0, 20),
      userAgents: [...new Set([...acc.userAgents, ...f.userAgents])].slice(0, 20),
    };
  }, first!);
}
