/**
 * Supply-chain facts the nightly shards collect (issue 15, second part), kept out of the shards' own code:
 * - release tags (image.release-tags-locked): a repository's tag listing, read once per repository per shard and only
 *   when one of its manifests carries a tag matching AUDITOR_LOCKED_TAG_PATTERNS; the repository's own attributes
 *   only when a release tag is writable (a locked repository locks its tags);
 * - dangling manifests (registry.untagged-manifests-pruned): a tally fed by the manifest listing the shard reads anyway,
 *   deciding each repository when its listing completes (one subject per repository);
 * - referrers of running digests (workload.image-signed): one call per distinct digest where signatures are required,
 *   reused across the run (ListReferrersOptions.runId).
 * A read that fails is a gap and leaves the rule inconclusive, never a pass.
 */
import type { Gap, ManifestSnapshot, ReferrerFacts, ReleaseTagFacts, RepositoryUntaggedFacts, TagAttributeFacts, WorkloadImageFacts } from '../domain/snapshots.js';
import type { FindingIndexEntry } from '../findings/tableFindingsStore.js';
import { gapFromError } from '../inventory/errors.js';
import { DAY_MS } from '../rules/kit.js';
import { signatureRequiredBy } from '../rules/params.js';
import { RELEASE_TAGS_RULE_ID, releaseTagsOf, tagWritable, UNTAGGED_RULE_ID, untaggedKindOf, WORKLOAD_SIGNED_RULE_ID } from '../rules/supplyChain.js';
import { repositorySubject } from '../rules/subjects.js';
import { mapLimit } from '../util/concurrency.js';
import { rulesFor, type AuditDeps } from './common.js';
import type { FindingsStore } from './ports.js';

/** Locked-pattern tags kept per repository being listed: a repository with more leaves the rest unknown (inconclusive). */
const MAX_RELEASE_TAGS_PER_REPOSITORY = 20_000;

export interface ReleaseTagReader {
  /** The attributes of the manifest's locked-pattern tags; undefined when it has none or they could not be read. */
  forManifest(repository: string, manifest: Pick<ManifestSnapshot, 'digest' | 'tags'>): Promise<ReleaseTagFacts | undefined>;
  /** The repository's listing is over: what was read about it is dropped. */
  done(repository: string): void;
}

/** Reads release-tag attributes for one registry's shard; undefined when image.release-tags-locked has nothing to read. */
export function releaseTagReader(deps: AuditDeps, loginServer: string, imageRuleIds: ReadonlySet<string>, gaps: Gap[]): ReleaseTagReader | undefined {
  const port = deps.azure.registry;
  const params = deps.config.params;
  if (!imageRuleIds.has(RELEASE_TAGS_RULE_ID) || params.lockedTagPatterns.length === 0 || !port.listTags) return undefined;
  const tagsOf = new Map<string, Promise<Map<string, TagAttributeFacts> | undefined>>();
  const repositoryOf = new Map<string, Promise<NonNullable<ReleaseTagFacts['repository']>>>();

  const readTags = async (repository: string): Promise<Map<string, TagAttributeFacts> | undefined> => {
    const out = new Map<string, TagAttributeFacts>();
    try {
      for await (const t of port.listTags!(loginServer, repository)) {
        if (releaseTagsOf(params, [t.name]).length === 0) continue;
        if (out.size >= MAX_RELEASE_TAGS_PER_REPOSITORY) break;
        out.set(t.name, t);
      }
      return out;
    } catch (e) {
      gaps.push(gapFromError(e, `${loginServer}/${repository} tags`));
      return undefined;
    }
  };
  const readRepository = async (repository: string): Promise<NonNullable<ReleaseTagFacts['repository']>> => {
    if (!port.getRepositoryAttributes) return 'unread';
    try {
      return (await port.getRepositoryAttributes(loginServer, repository)) ?? 'unread';
    } catch (e) {
      gaps.push(gapFromError(e, `${loginServer}/${repository}`));
      return 'unread';
    }
  };
  const once = <T>(memo: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    let p = memo.get(key);
    if (!p) {
      p = read();
      memo.set(key, p);
    }
    return p;
  };

  return {
    async forManifest(repository, manifest) {
      const wanted = releaseTagsOf(params, manifest.tags);
      if (wanted.length === 0) return undefined;
      const tags = await once(tagsOf, repository, () => readTags(repository));
      if (!tags) return undefined;
      // A tag the listing shows on another digest moved since the manifest listing: unknown, left out.
      const found = wanted.flatMap((name) => {
        const t = tags.get(name);
        return t && t.digest === manifest.digest ? [t] : [];
      });
      if (!found.some(tagWritable)) return { tags: found };
      return { tags: found, repository: await once(repositoryOf, repository, () => readRepository(repository)) };
    },
    done(repository) {
      tagsOf.delete(repository);
      repositoryOf.delete(repository);
    },
  };
}

type UntaggedManifest = Pick<ManifestSnapshot, 'digest' | 'tags' | 'lastUpdateTime' | 'mediaType' | 'configMediaType' | 'architecture' | 'os' | 'deleteEnabled'>;

interface Oldest {
  digest: string;
  time: number;
  lastUpdateTime: string;
}

/** What is kept of a repository while its listing streams by: counters and two oldest manifests. */
interface RepositoryTally {
  taggedIndex: boolean;
  indexes: number;
  images: number;
  artifacts: number;
  locked: number;
  oldestIndex?: Oldest;
  oldestImage?: Oldest;
}

/** The older of two (the smaller digest on a tie, so the answer does not depend on the listing order). */
function older(a: Oldest | undefined, b: Oldest): Oldest;
function older(a: Oldest | undefined, b: Oldest | undefined): Oldest | undefined;
function older(a: Oldest | undefined, b: Oldest | undefined): Oldest | undefined {
  return !a ? b : !b ? a : b.time < a.time || (b.time === a.time && b.digest < a.digest) ? b : a;
}

/**
 * Dangling manifests, tallied per repository while a registry's manifests stream by (pure: the caller feeds it the
 * listing). Whether an untagged platform manifest is dangling depends on the whole repository (a tagged index anywhere
 * in it may own it), so a repository is decided when its listing ends (`finish`); one whose listing failed is dropped
 * (`abandon`) and gets no facts. Memory: one small record per repository being listed.
 */
export class UntaggedTally {
  private readonly open = new Map<string, RepositoryTally>();

  /** `cutoff`: manifests last updated before it (epoch ms) are old enough to count. */
  constructor(private readonly cutoff: number, private readonly olderThanDays: number) {}

  add(repository: string, m: UntaggedManifest): void {
    let r = this.open.get(repository);
    if (!r) {
      r = { taggedIndex: false, indexes: 0, images: 0, artifacts: 0, locked: 0 };
      this.open.set(repository, r);
    }
    const kind = untaggedKindOf(m);
    if (m.tags.length > 0) {
      if (kind === 'index') r.taggedIndex = true;
      return;
    }
    const time = Date.parse(m.lastUpdateTime);
    if (Number.isNaN(time) || time >= this.cutoff) return;
    if (kind === 'artifact') r.artifacts++;
    else if (m.deleteEnabled === false) r.locked++;
    else if (kind === 'index') {
      r.indexes++;
      r.oldestIndex = older(r.oldestIndex, { digest: m.digest, time, lastUpdateTime: m.lastUpdateTime });
    } else {
      r.images++;
      r.oldestImage = older(r.oldestImage, { digest: m.digest, time, lastUpdateTime: m.lastUpdateTime });
    }
  }

  /** The repository was listed in full: its facts (a repository without manifests has none dangling). */
  finish(repository: string): RepositoryUntaggedFacts {
    const r = this.open.get(repository) ?? { taggedIndex: false, indexes: 0, images: 0, artifacts: 0, locked: 0 };
    this.open.delete(repository);
    // In a repository holding a tagged index, an untagged platform manifest may be one of its platforms.
    const count = r.indexes + (r.taggedIndex ? 0 : r.images);
    const oldest = r.taggedIndex ? r.oldestIndex : older(r.oldestIndex, r.oldestImage);
    return {
      olderThanDays: this.olderThanDays,
      count,
      ...(count > 0 && oldest ? { oldest: { digest: oldest.digest, lastUpdateTime: oldest.lastUpdateTime } } : {}),
      notCounted: { possibleIndexChildren: r.taggedIndex ? r.images : 0, artifacts: r.artifacts, locked: r.locked },
    };
  }

  /** The repository could not be listed in full: what was seen of it is dropped (no facts: its finding stays as it is). */
  abandon(repository: string): void {
    this.open.delete(repository);
  }
}

/** A tally of dangling manifests for one registry's shard; undefined when registry.untagged-manifests-pruned does not run. */
export function untaggedTally(deps: AuditDeps, now: Date): UntaggedTally | undefined {
  if (!rulesFor(deps, 'nightly', 'repository').some((r) => r.id === UNTAGGED_RULE_ID)) return undefined;
  const days = deps.config.params.untaggedMaxDays;
  return new UntaggedTally(now.getTime() - days * DAY_MS, days);
}

/** `<loginServer>/<repository>` -> repository, for this registry's repository subjects (undefined for any other subject). */
export function repositoryOfSubject(subject: string, loginServer: string): string | undefined {
  const prefix = repositorySubject(loginServer, '');
  if (!subject.startsWith(prefix) || subject.length === prefix.length || subject.includes('@')) return undefined;
  return subject.slice(prefix.length);
}

/**
 * The findings store, with the registry's findings index noted as it is read (RegistryFindings reads it once, up front):
 * the repositories holding an open finding of registry.untagged-manifests-pruned. RegistryFindings knows repositories of
 * image subjects (`<loginServer>/<repository>@<digest>`) only; these are the candidates this rule adds to the
 * vanished-repository pass. Memory: one name per repository with such a finding.
 */
export function noteUntaggedFindings(store: FindingsStore, loginServer: string): { store: FindingsStore; openRepositories: ReadonlySet<string> } {
  const openRepositories = new Set<string>();
  async function* listScopeIndex(scopeId: string): AsyncIterable<FindingIndexEntry> {
    for await (const e of store.listScopeIndex(scopeId)) {
      if (e.ruleId === UNTAGGED_RULE_ID && e.status !== 'resolved') {
        const repository = repositoryOfSubject(e.subject, loginServer);
        if (repository !== undefined) openRepositories.add(repository);
      }
      yield e;
    }
  }
  // Every other call goes to the store as is.
  const noted: FindingsStore = {
    listScope: (scopeId) => store.listScope(scopeId),
    listScopeIndex,
    listBySubjectPrefix: (scopeId, prefix) => store.listBySubjectPrefix(scopeId, prefix),
    getFindings: (scopeId, ids) => store.getFindings(scopeId, ids),
    save: (scopeId, findings) => store.save(scopeId, findings),
    listFindings: (options) => store.listFindings(options),
    listHistory: (scopeId, id) => store.listHistory(scopeId, id),
    saveScopeAudit: (scopeId, audit) => store.saveScopeAudit(scopeId, audit),
  };
  return { store: noted, openRepositories };
}

/**
 * The referrers of the digests the workloads run (workload.image-signed), set on each subject: only for resolved images of
 * repositories where signatures are required, one call per distinct digest, reused across the run's shards.
 */
export async function readWorkloadReferrers(deps: AuditDeps, runId: string, subjects: WorkloadImageFacts[], gaps: Gap[]): Promise<void> {
  const params = deps.config.params;
  if (params.approvedSigners.length === 0 || !rulesFor(deps, 'nightly', 'workloadImage').some((r) => r.id === WORKLOAD_SIGNED_RULE_ID)) return;
  const keyOf = (s: WorkloadImageFacts): string | undefined =>
    s.reference && s.resolved?.status === 'found' && signatureRequiredBy(params, s.reference.repository) !== undefined
      ? `${s.reference.registry}/${s.reference.repository}@${s.resolved.digest}`
      : undefined;
  const wanted = new Map<string, { registry: string; repository: string; digest: string }>();
  for (const s of subjects) {
    const key = keyOf(s);
    if (key && s.reference && s.resolved?.status === 'found') wanted.set(key, { registry: s.reference.registry, repository: s.reference.repository, digest: s.resolved.digest });
  }
  const read = new Map<string, ReferrerFacts[]>();
  await mapLimit([...wanted], deps.config.concurrency, async ([key, w]) => {
    try {
      const referrers = await deps.azure.registry.listReferrers(w.registry, w.repository, w.digest, { runId });
      if (referrers) read.set(key, referrers);
    } catch (e) {
      gaps.push(gapFromError(e, `${key} referrers`));
    }
  });
  for (const s of subjects) {
    const key = keyOf(s);
    const referrers = key ? read.get(key) : undefined;
    if (referrers) s.referrers = referrers;
  }
}
