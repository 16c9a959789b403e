/**
 * The nightly audit of one registry (one shard): its current ARM settings (read now, not carried in
 * the message), diagnostic settings, admin-account use from its login logs, and every tagged manifest
 * in every repository, streamed. Memory stays bounded by the number of findings, not of manifests:
 * passing results are kept only where they resolve a stored finding.
 *
 * Every result carries when its facts were read. A finding resolves as gone only on proof: the
 * registry's ARM 404, a complete listing of the repository it lived in, or the data plane's 404 for a
 * repository that left the catalog. A repository or registry that could not be read keeps its findings.
 */
import { countChanges, type ChangeCounts, type FindingChange, type RuleResult } from '../domain/finding.js';
import type { AdminLoginFacts, AdminUserChangeFacts, Gap, RegistryFacts, RegistrySnapshot } from '../domain/snapshots.js';
import { findingId } from '../findings/keys.js';
import type { StoredFinding } from '../findings/diff.js';
import { gapFromError, isConfirmedDeletion, ScopeReadError } from '../inventory/errors.js';
import { MappingError } from '../inventory/mappers.js';
import { COVERAGE_RULE_ID, EVENT_SUBJECT_PREFIX } from '../rules/audit.scope-readable.js';
import { evaluateRules } from '../rules/evaluate.js';
import { registryScope } from '../rules/subjects.js';
import { referrersNeeded } from '../rules/supplyChain.js';
import type { ReferrerFacts } from '../domain/snapshots.js';
import { mapLimit } from '../util/concurrency.js';
import { coverageResults, persistScope, rulesFor, type AuditDeps, type ScopeOutcome } from './common.js';
import { imageVulnerabilityFacts, readRegistryDefender } from './defenderFacts.js';

export interface RegistryShardInput {
  auditId: string;
  /** ARM id of the registry: its state is read from ARM when the shard runs. */
  registryId: string;
  /** Workspace ARM id (lower-case) -> customer id, resolved once per run by the planner. */
  workspaces: Record<string, string>;
  /** Who turned the admin user on and when (resourcechanges, read once per run by the planner). */
  adminUserChange?: AdminUserChangeFacts;
  /** Workloads that pull with the admin account (the planner's run-level query). */
  adminCredentialWorkloads?: { count: number; workloads: string[] };
}

const LOGIN_CATEGORIES = ['ContainerRegistryLoginEvents', 'allLogs', 'audit'];

export async function auditRegistry(input: RegistryShardInput, deps: AuditDeps): Promise<ScopeOutcome> {
  const scopeId = registryScope(input.registryId);
  const now = deps.clock();
  const ctx = { now, params: deps.config.params };
  const gaps: Gap[] = [];
  const readAt = now.toISOString();
  let registry: RegistrySnapshot;
  try {
    registry = await deps.azure.arm.getRegistry(input.registryId);
  } catch (e) {
    const c = e instanceof ScopeReadError ? e.classified : undefined;
    if (c && isConfirmedDeletion(c)) {
      // Deleted since it was planned: everything about it is gone (ARM 404 is the proof).
      const persisted = await persistScope(deps, { auditId: input.auditId, scopeId, results: [], absence: () => ({ observedAt: readAt }) });
      return { scopeId, changes: persisted.changes, gaps: [], evaluated: 0 };
    }
    if (c && (c.kind === 'transient' || c.kind === 'throttled')) throw e; // the queue redelivers
    // Not readable (403, malformed document, ...): a gap, and every finding stays as it is.
    const gap = e instanceof MappingError ? { scope: input.registryId, reason: `malformed registry: ${e.field}: ${e.problem}` } : gapFromError(e, input.registryId);
    const persisted = await persistScope(deps, { auditId: input.auditId, scopeId, results: coverageResults(deps, scopeId, input.registryId, [gap]) });
    return { scopeId, changes: persisted.changes, gaps: [gap], evaluated: 0 };
  }
  const facts: RegistryFacts = { registry };

  try {
    facts.diagnosticSettings = await deps.azure.arm.listDiagnosticSettings(registry.id, registry.subscriptionId);
  } catch (e) {
    gaps.push(gapFromError(e, `${registry.id}/providers/Microsoft.Insights/diagnosticSettings`));
  }

  if (registry.adminUserEnabled) {
    if (input.adminUserChange) facts.adminUserChange = input.adminUserChange;
    if (input.adminCredentialWorkloads) facts.adminCredentialWorkloads = input.adminCredentialWorkloads;
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
            found.push(await deps.azure.logs.adminLogins({ armId, customerId }, registry.loginServer, registry.name, deps.config.params.adminLookbackDays));
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

  // Defender for Containers: the subscription's plan and the registry's vulnerable digests (one paged query).
  const defender = await readRegistryDefender(deps, registry, gaps);
  if (defender.plan) facts.defenderPlan = defender.plan;

  const existing = await deps.findings.listScope(scopeId);
  const existingById = new Map(existing.map((f) => [f.id, f]));
  const stored = new Set(existing.filter((f) => f.status !== 'resolved').map((f) => f.id));
  const registryResults: RuleResult[] = evaluateRules(rulesFor(deps, 'nightly', 'registry'), 'registry', [facts], ctx).map((r) => ({ ...r, observedAt: readAt }));
  const counts: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
  const addCounts = (changes: readonly FindingChange[]) => {
    const c = countChanges(changes);
    for (const k of Object.keys(counts) as Array<keyof ChangeCounts>) counts[k] += c[k];
  };

  // Image results are persisted in chunks as the manifests stream in: memory holds one chunk and the
  // ids already written, not every failing manifest of the registry.
  const touched = new Set<string>();
  const undecided: string[] = [];
  let pending: RuleResult[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const chunk = pending;
    pending = [];
    const ids = chunk.map((r) => findingId(r.ruleId, r.resourceId, r.subject));
    for (const id of ids) touched.add(id);
    const before = ids.map((id) => existingById.get(id)).filter((f): f is NonNullable<typeof f> => f !== undefined);
    const persisted = await persistScope(deps, { auditId: input.auditId, scopeId, results: chunk, existing: before, deferUnchanged: true });
    addCounts(persisted.changes);
    undecided.push(...persisted.undecided);
    for (const f of persisted.failed) gaps.push({ scope: `${registry.loginServer} finding ${f.id}`, reason: f.reason });
  };

  const imageRules = rulesFor(deps, 'nightly', 'image');
  const imageRuleIds = new Set(imageRules.map((r) => r.id));
  // Referrers (issue 15): one call per tagged manifest of a repository where a signing rule applies, once per
  // digest in this run (a digest's referrers only grow); a failed read leaves the signing rules inconclusive.
  const referrersByDigest = new Map<string, Promise<ReferrerFacts[] | undefined>>();
  const readReferrers = (repository: string, digest: string): Promise<ReferrerFacts[] | undefined> => {
    const key = `${repository}@${digest}`;
    let p = referrersByDigest.get(key);
    if (!p) {
      p = deps.azure.registry.listReferrers(registry.loginServer, repository, digest).catch((e: unknown) => {
        gaps.push(gapFromError(e, `${registry.loginServer}/${repository}@${digest} referrers`));
        return undefined;
      });
      referrersByDigest.set(key, p);
    }
    return p;
  };
  /** Repositories listed in full, with when the listing started: proof of absence for their manifests. */
  const listedRepos = new Map<string, string>();
  /** Repositories the data plane says do not exist (404 NAME_UNKNOWN), with when that was read. */
  const deletedRepos = new Map<string, string>();
  let evaluated = registryResults.length;
  if (imageRules.length) {
    const repositories: string[] = [];
    let catalogRead = true;
    try {
      for await (const r of deps.azure.registry.listRepositories(registry.loginServer)) repositories.push(r);
    } catch (e) {
      catalogRead = false;
      gaps.push(gapFromError(e, registry.loginServer));
    }
    await mapLimit(repositories, deps.config.concurrency, async (repository) => {
      const listedAt = deps.clock().toISOString();
      try {
        for await (const manifest of deps.azure.registry.listManifests(registry.loginServer, repository)) {
          const vulnerabilities = imageVulnerabilityFacts(registry, defender.plan, defender.byDigest, manifest.digest, manifest.lastUpdateTime);
          const referrers = referrersNeeded(imageRuleIds, deps.config.params, manifest) ? await readReferrers(repository, manifest.digest) : undefined;
          for (const r of evaluateRules(imageRules, 'image', [{ registry, manifest, ...(vulnerabilities ? { vulnerabilities } : {}), ...(referrers ? { referrers } : {}) }], ctx)) {
            evaluated++;
            const id = findingId(r.ruleId, r.resourceId, r.subject);
            touched.add(id);
            // Failures, and passes that resolve a stored finding; other passes leave no trace.
            if (r.status === 'fail' || r.status === 'error' || stored.has(id)) pending.push({ ...r, observedAt: listedAt });
          }
          if (pending.length >= CHUNK) await flush();
        }
        listedRepos.set(repository, listedAt);
      } catch (e) {
        gaps.push(gapFromError(e, `${registry.loginServer}/${repository}`));
      }
    });
    await flush();
    // Repositories with open findings that are no longer in the catalog: deleted only if the data
    // plane says so for that repository (one call per vanished repository, not per manifest).
    if (catalogRead) {
      const inCatalog = new Set(repositories);
      const vanished = new Set<string>();
      for (const f of existing) {
        if (f.status === 'resolved' || !imageRuleIds.has(f.ruleId)) continue;
        const repo = repositoryOf(f.subject, registry.loginServer);
        if (repo !== undefined && !inCatalog.has(repo)) vanished.add(repo);
      }
      await mapLimit([...vanished], deps.config.concurrency, async (repository) => {
        const at = deps.clock().toISOString();
        try {
          if (!(await deps.azure.registry.repositoryExists(registry.loginServer, repository))) deletedRepos.set(repository, at);
        } catch (e) {
          gaps.push(gapFromError(e, `${registry.loginServer}/${repository}`));
        }
      });
    }
  }

  // Last: the registry's own rules, coverage, and findings whose subject is proven gone.
  const absence = (f: StoredFinding) => {
    if (f.ruleId === COVERAGE_RULE_ID) return f.subject.startsWith(EVENT_SUBJECT_PREFIX) ? undefined : { observedAt: readAt };
    if (!imageRuleIds.has(f.ruleId)) return undefined;
    const repo = repositoryOf(f.subject, registry.loginServer);
    if (repo === undefined) return undefined;
    const at = listedRepos.get(repo) ?? deletedRepos.get(repo);
    return at ? { observedAt: at } : undefined;
  };
  const finalResults = [...registryResults, ...coverageResults(deps, scopeId, registry.id, gaps).map((r) => ({ ...r, observedAt: readAt }))];
  const finalIds = new Set(finalResults.map((r) => findingId(r.ruleId, r.resourceId, r.subject)));
  const persisted = await persistScope(deps, {
    auditId: input.auditId,
    scopeId,
    results: finalResults,
    // Resolved findings only where a result names them (a reopen); the rest need no write.
    existing: existing.filter((f) => !touched.has(f.id) && (f.status !== 'resolved' || finalIds.has(f.id))),
    absence,
    deferUnchanged: true,
  });
  addCounts(persisted.changes);
  undecided.push(...persisted.undecided);
  // Findings left unwritten because nothing changed are shown as seen by this audit.
  await deps.findings.saveScopeAudit(scopeId, { auditId: input.auditId, at: readAt, rules: [...new Set([...finalResults.map((r) => r.ruleId), ...imageRuleIds])], unconfirmed: undecided });
  for (const f of persisted.failed) gaps.push({ scope: `${registry.loginServer} finding ${f.id}`, reason: f.reason });
  return { scopeId, changes: persisted.changes, counts, gaps, evaluated };
}

/** `loginServer/repository@digest` -> repository, for this registry's image subjects. */
function repositoryOf(subject: string, loginServer: string): string | undefined {
  if (!subject.startsWith(`${loginServer}/`)) return undefined;
  const at = subject.lastIndexOf('@');
  return at > loginServer.length + 1 ? subject.slice(loginServer.length + 1, at) : undefined;
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
