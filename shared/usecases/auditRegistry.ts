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
import type { AdminLoginFacts, AdminUserChangeFacts, Gap, RegistryFacts, RegistrySettingChanges, RegistrySnapshot } from '../domain/snapshots.js';
import { findingId } from '../findings/keys.js';
import type { StoredFinding } from '../findings/diff.js';
import { gapFromError, isConfirmedDeletion, ScopeReadError } from '../inventory/errors.js';
import { MappingError } from '../inventory/mappers.js';
import { COVERAGE_RULE_ID, EVENT_SUBJECT_PREFIX } from '../rules/audit.scope-readable.js';
import { evaluateRules } from '../rules/evaluate.js';
import { registryScope } from '../rules/subjects.js';
import { referrersNeeded, UNTAGGED_RULE_ID } from '../rules/supplyChain.js';
import type { ReferrerFacts } from '../domain/snapshots.js';
import { mapLimit } from '../util/concurrency.js';
import { coverageResults, persistScope, rulesFor, type AuditDeps, type ScopeOutcome } from './common.js';
import { imageVulnerabilityFacts, readRegistryDefender } from './defenderFacts.js';
import { RegistryFindings } from './registryFindings.js';
import { noteUntaggedFindings, releaseTagReader, repositoryOfSubject, untaggedTally } from './supplyChainFacts.js';
import { pushedByOf, pushRecordsNeeded, readRegistryPushes } from './pushRecords.js';
import type { RegistryWritersFacts } from '../domain/snapshots.js';
import { readRegistryChildren, registryChildAbsence, registryChildResults } from './registryChildFacts.js';

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
  /** Who can change the registry's content (the planner's run-level role assignments, resolved for this registry; issue 13). */
  writers?: RegistryWritersFacts;
  /** Latest change of each registry setting (resourcechanges, read once per run by the planner): evidence of who changed it. */
  settingChanges?: RegistrySettingChanges;
  /** The subscriptions the run audits (lower-case): in scope for registry.private-endpoints-trusted. */
  auditedSubscriptions?: readonly string[];
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
  const facts: RegistryFacts = {
    registry,
    ...(input.settingChanges ? { settingChanges: input.settingChanges } : {}),
    ...(input.auditedSubscriptions ? { auditedSubscriptions: input.auditedSubscriptions } : {}),
  };
  // Registry child resources (issue 13), read only for the rules that need them (a failed read is a gap; the promise
  // never rejects): the soft delete policy alongside the reads below, tokens and cache rules alongside the image listing.
  const childSettingsRead = readRegistryChildren(deps, registry, gaps, 'settings');
  if (input.writers) facts.writers = input.writers;

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
  Object.assign(facts, (await childSettingsRead).facts);

  // Stored findings: an index up front, whole rows only per chunk of results (issue 18; registryFindings.ts).
  // (Read through a store that notes the repositories holding an open registry.untagged-manifests-pruned finding.)
  const untaggedFindings = noteUntaggedFindings(deps.findings, registry.loginServer);
  const stored = await RegistryFindings.read(untaggedFindings.store, scopeId, registry.loginServer, new Set(rulesFor(deps, 'nightly', 'image').map((r) => r.id)));
  const registryResults: RuleResult[] = evaluateRules(rulesFor(deps, 'nightly', 'registry'), 'registry', [facts], ctx).map((r) => ({ ...r, observedAt: readAt }));
  const counts: ChangeCounts = { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 };
  const addCounts = (changes: readonly FindingChange[]) => {
    const c = countChanges(changes);
    for (const k of Object.keys(counts) as Array<keyof ChangeCounts>) counts[k] += c[k];
  };

  // Image results are persisted in chunks as the manifests stream in: memory holds one chunk and the
  // stored rows of the repositories in flight, not every failing manifest or stored finding of the registry.
  const undecided: string[] = [];
  let pending: RuleResult[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const chunk = pending;
    pending = [];
    const ids = chunk.map((r) => findingId(r.ruleId, r.resourceId, r.subject));
    const before = await stored.forChunk(ids, (repository) => listedRepos.has(repository));
    const persisted = await persistScope(deps, { auditId: input.auditId, scopeId, results: chunk, existing: before, deferUnchanged: true });
    addCounts(persisted.changes);
    undecided.push(...persisted.undecided);
    for (const f of persisted.failed) gaps.push({ scope: `${registry.loginServer} finding ${f.id}`, reason: f.reason });
  };

  const imageRules = rulesFor(deps, 'nightly', 'image');
  const imageRuleIds = new Set(imageRules.map((r) => r.id));
  // Who pushed each image (issue 13): one Log Analytics query for the registry, only where the rule runs.
  const pushes = pushRecordsNeeded(deps, imageRuleIds) ? await readRegistryPushes(deps, registry, facts.diagnosticSettings, input.workspaces, gaps) : undefined;
  // Referrers (issue 15): one call per tagged manifest of a repository where a signing rule applies, once per
  // digest in this run (a digest's referrers only grow); a failed read leaves the signing rules inconclusive.
  const referrersByDigest = new Map<string, Promise<ReferrerFacts[] | undefined>>();
  const readReferrers = (repository: string, digest: string): Promise<ReferrerFacts[] | undefined> => {
    const key = `${repository}@${digest}`;
    let p = referrersByDigest.get(key);
    if (!p) {
      p = deps.azure.registry.listReferrers(registry.loginServer, repository, digest, { runId: input.auditId }).catch((e: unknown) => {
        gaps.push(gapFromError(e, `${registry.loginServer}/${repository}@${digest} referrers`));
        return undefined;
      });
      referrersByDigest.set(key, p);
    }
    return p;
  };
  // Release tags and dangling manifests (issue 15): tag attributes read per repository as needed, and a tally fed by the listing.
  const releaseTags = releaseTagReader(deps, registry.loginServer, imageRuleIds, gaps);
  const untagged = untaggedTally(deps, now);
  /** Repositories listed in full, with when the listing started: proof of absence for their manifests. */
  const listedRepos = new Map<string, string>();
  /** Repositories the data plane says do not exist (404 NAME_UNKNOWN), with when that was read. */
  const deletedRepos = new Map<string, string>();
  const childListsRead = readRegistryChildren(deps, registry, gaps, 'lists');
  const repositoryRules = rulesFor(deps, 'nightly', 'repository');
  let evaluated = registryResults.length;
  /** Keeps a result of the listing: failures, and passes that resolve a stored finding; other passes leave no trace. */
  const keep = (r: RuleResult, observedAt: string) => {
    evaluated++;
    const id = findingId(r.ruleId, r.resourceId, r.subject);
    const needed = r.status === 'fail' || r.status === 'error' || stored.isOpen(id);
    stored.touch(id, needed);
    if (needed) pending.push({ ...r, observedAt });
  };
  if (imageRules.length || untagged) {
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
          const pushedBy = pushedByOf(pushes, repository, manifest.digest);
          untagged?.add(repository, manifest);
          const tagFacts = releaseTags ? await releaseTags.forManifest(repository, manifest) : undefined;
          for (const r of evaluateRules(imageRules, 'image', [{ registry, manifest, ...(vulnerabilities ? { vulnerabilities } : {}), ...(referrers ? { referrers } : {}), ...(pushedBy ? { pushedBy } : {}), ...(tagFacts ? { releaseTags: tagFacts } : {}) }], ctx)) keep(r, listedAt);
          if (pending.length >= CHUNK) await flush();
        }
        listedRepos.set(repository, listedAt);
        // The repository rules (issue 15): one result per repository listed in full, none for one that could not be.
        const tallied = untagged?.finish(repository);
        if (tallied) for (const r of evaluateRules(repositoryRules, 'repository', [{ registry, repository, untagged: tallied }], ctx)) keep(r, listedAt);
      } catch (e) {
        untagged?.abandon(repository);
        gaps.push(gapFromError(e, `${registry.loginServer}/${repository}`));
      }
      releaseTags?.done(repository);
    });
    await flush();
    // Repositories with open findings that are no longer in the catalog: deleted only if the data
    // plane says so for that repository (one call per vanished repository, not per manifest).
    if (catalogRead) {
      const inCatalog = new Set(repositories);
      const vanished = new Set<string>();
      for (const repo of stored.repositoriesWithOpenFindings()) if (!inCatalog.has(repo)) vanished.add(repo);
      if (untagged) for (const repo of untaggedFindings.openRepositories) if (!inCatalog.has(repo)) vanished.add(repo);
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
  // One result per token and cache rule read; a list read in full proves a stored finding's token or rule gone.
  const childLists = await childListsRead;
  Object.assign(facts, childLists.facts);
  const childResults = registryChildResults(deps, facts, ctx, childLists.readAt);
  const childGone = registryChildAbsence(deps, facts, childLists.readAt);
  evaluated += childResults.length;
  const absence = (f: StoredFinding) => {
    if (f.ruleId === COVERAGE_RULE_ID) return f.subject.startsWith(EVENT_SUBJECT_PREFIX) ? undefined : { observedAt: readAt };
    const child = childGone(f);
    if (child) return child;
    if (untagged && f.ruleId === UNTAGGED_RULE_ID) {
      // A repository's own finding: gone only on the data plane's 404 (a repository listed in full has its result).
      const repo = repositoryOfSubject(f.subject, registry.loginServer);
      const at = repo === undefined ? undefined : deletedRepos.get(repo);
      return at ? { observedAt: at } : undefined;
    }
    if (!imageRuleIds.has(f.ruleId)) return undefined;
    const repo = repositoryOf(f.subject, registry.loginServer);
    if (repo === undefined) return undefined;
    const at = listedRepos.get(repo) ?? deletedRepos.get(repo);
    return at ? { observedAt: at } : undefined;
  };
  const finalResults = [...registryResults, ...childResults, ...coverageResults(deps, scopeId, registry.id, gaps).map((r) => ({ ...r, observedAt: readAt }))];
  const finalIds = new Set(finalResults.map((r) => findingId(r.ruleId, r.resourceId, r.subject)));
  // Untouched findings: resolved ones only where a result names them (a reopen); open ones read whole where the
  // absence test can decide them (chunks, then the final results with their rows), undecided as they are otherwise.
  const rest = stored.remaining(finalIds, (f) => !imageRuleIds.has(f.ruleId) || (f.repository !== undefined && (listedRepos.has(f.repository) || deletedRepos.has(f.repository))));
  const persisted = { changes: [] as FindingChange[], failed: [] as Array<{ id: string; reason: string }> };
  const persistRows = async (results: RuleResult[], ids: string[]) => {
    const p = await persistScope(deps, { auditId: input.auditId, scopeId, results, existing: await stored.rowsOf(ids), absence, deferUnchanged: true });
    addCounts(p.changes);
    undecided.push(...p.undecided);
    persisted.changes.push(...p.changes);
    persisted.failed.push(...p.failed);
  };
  const absentIds = rest.ids.filter((id) => !finalIds.has(id));
  for (let i = 0; i < absentIds.length; i += CHUNK) await persistRows([], absentIds.slice(i, i + CHUNK));
  await persistRows(finalResults, rest.ids.filter((id) => finalIds.has(id)));
  undecided.push(...rest.undecided);
  // Findings left unwritten because nothing changed are shown as seen by this audit.
  await deps.findings.saveScopeAudit(scopeId, { auditId: input.auditId, at: readAt, rules: [...new Set([...finalResults.map((r) => r.ruleId), ...imageRuleIds, ...(untagged ? [UNTAGGED_RULE_ID] : [])])], unconfirmed: undecided });
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
