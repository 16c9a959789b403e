/**
 * The stored findings of one registry's partition, read the way the nightly registry audit consumes them
 * (issue 18, item 3: memory). The shard used to list the whole partition, every row with its message,
 * evidence and history, and hold it for the whole shard, with 16 shards per process in the benchmark
 * (heap snapshots at the large size's registry shape: 4.6-6.5 MB of rows per shard, plus a 2.3 MB page in
 * flight). Now it holds:
 *
 * - an index read up front with a projected query: id, rule, status and repository of every row (about
 *   150 bytes a row), which answers "is this finding stored, is it open" for the manifest loop, and which
 *   repositories hold open findings (the vanished-repository pass);
 * - for a chunk of results, the rows they touch, read with their repository's neighbours: one range of
 *   subjects per name prefix holding at most `GROUP_ROWS` rows (`<loginServer>/<prefix>`; the repository
 *   alone, `<loginServer>/<repository>@`, when no prefix is small enough), loaded when a chunk first needs
 *   one of them and released once each repository's listing is complete and its rows are used; a
 *   repository with more than `REPOSITORY_RANGE_ROWS` rows, and any row outside image subjects, by point
 *   reads;
 * - for the last pass, only the rows it can change: untouched rows its absence test can decide (a
 *   repository proven listed or deleted, the registry's own rules, coverage). An untouched open finding it
 *   cannot decide is reported undecided from the index alone, as the diff itself would report it.
 *
 * What is read whole is exactly what the diff needs (a full row, with its etag): the decisions are the
 * diff's own (shared/findings/diff.ts), unchanged. Cost: the index query and one range query per group of
 * neighbouring repositories, where one partition listing was (each range query is a scan of the one
 * partition in Azure; Azurite scans its whole table for any query: docs/benchmarks.md, issue 18 item 3).
 */
import type { FindingStatus } from '../domain/finding.js';
import type { StoredFinding } from '../findings/diff.js';
import type { FindingsStore } from './ports.js';
import { stringInterner } from '../util/intern.js';

/** Rows of one repository above which its findings are read by point reads instead of as one range. */
export const REPOSITORY_RANGE_ROWS = 2_000;
/** Rows read by one range query at most when repositories are read together (one Table page). */
export const GROUP_ROWS = 1_000;
/** Point reads cheaper than a range: fewer ids than this from one repository (one OR group of the store). */
const FEW = 15;

const UNTOUCHED = 0;
/** Seen by a result that does not need its row (a pass for a resolved finding). */
const SEEN = 1;
/** A pending result will diff against the row. */
const NEEDED = 2;
/** The row was handed to a chunk (later requests read it again: it may have been rewritten). */
const HANDED = 3;

interface Entry {
  ruleId: string;
  status: FindingStatus;
  /** Repository of an image subject of this registry; undefined for other subjects. */
  repository: string | undefined;
  state: number;
}

export interface RemainingRows {
  /** Untouched rows the last pass may decide (read whole), in the order the index gave them. */
  ids: string[];
  /** Untouched open or suppressed findings it cannot decide: undecided without a read. */
  undecided: string[];
}

export class RegistryFindings {
  private readonly index = new Map<string, Entry>();
  private readonly rowsPerRepository = new Map<string, number>();
  /** Rows of repositories read as a range, by repository, until used or released. */
  private readonly loaded = new Map<string, Map<string, StoredFinding>>();
  /** Rows of released repositories still wanted (untouched, or needed by a pending result). */
  private readonly kept = new Map<string, StoredFinding>();
  /** Range reads, one per repository for the whole audit (a repository read once is not read again). */
  private readonly loading = new Map<string, Promise<void>>();

  private constructor(
    private readonly store: FindingsStore,
    private readonly scopeId: string,
    private readonly loginServer: string,
    private readonly imageRuleIds: ReadonlySet<string>,
  ) {}

  /** Reads the partition's index (one projected query, paged). */
  static async read(store: FindingsStore, scopeId: string, loginServer: string, imageRuleIds: ReadonlySet<string>): Promise<RegistryFindings> {
    const out = new RegistryFindings(store, scopeId, loginServer, imageRuleIds);
    const intern = stringInterner();
    for await (const e of store.listScopeIndex(scopeId)) {
      const repo = repositoryOf(e.subject, loginServer);
      const repository = repo === undefined ? undefined : intern(repo);
      out.index.set(e.id, { ruleId: intern(e.ruleId), status: intern(e.status) as FindingStatus, repository, state: UNTOUCHED });
      if (repository !== undefined) out.rowsPerRepository.set(repository, (out.rowsPerRepository.get(repository) ?? 0) + 1);
    }
    return out;
  }

  get size(): number {
    return this.index.size;
  }

  /** Stored and not resolved (as the index read it). */
  isOpen(id: string): boolean {
    const e = this.index.get(id);
    return e !== undefined && e.status !== 'resolved';
  }

  /** A result of this audit names the finding; `needsRow`: a pending result will be diffed against it. */
  touch(id: string, needsRow: boolean): void {
    const e = this.index.get(id);
    if (e && e.state < HANDED) e.state = Math.max(e.state, needsRow ? NEEDED : SEEN);
  }

  /** Repositories holding open findings of the image rules (candidates for the vanished-repository pass). */
  repositoriesWithOpenFindings(): Set<string> {
    const out = new Set<string>();
    for (const e of this.index.values()) if (e.repository !== undefined && e.status !== 'resolved' && this.imageRuleIds.has(e.ruleId)) out.add(e.repository);
    return out;
  }

  /**
   * The stored rows among `ids` (a chunk of results), whole, each with its etag; the ids count as touched.
   * `listed`: whether a repository's listing is complete (its rows not wanted any more are released).
   */
  async forChunk(ids: readonly string[], listed: (repository: string) => boolean): Promise<StoredFinding[]> {
    const wanted: string[] = [];
    for (const id of new Set(ids)) {
      const e = this.index.get(id);
      if (!e) continue;
      if (e.state === HANDED) {
        wanted.push(id); // asked again: read it again (it may have been written since)
        continue;
      }
      e.state = HANDED;
      wanted.push(id);
    }
    const rows = await this.rows(wanted, true);
    this.release(listed);
    return rows;
  }

  /**
   * The untouched rows the last pass needs whole (`decides`: the absence test may decide it; the caller's
   * results name the others it needs, `finalIds`), and the untouched open findings it cannot decide.
   * Mirrors the previous filter: untouched, and not resolved unless a final result names it.
   */
  remaining(finalIds: ReadonlySet<string>, decides: (f: { ruleId: string; repository: string | undefined }) => boolean): RemainingRows {
    const ids: string[] = [];
    const undecided: string[] = [];
    for (const [id, e] of this.index) {
      if (e.state !== UNTOUCHED) continue;
      if (e.status === 'resolved' && !finalIds.has(id)) continue;
      if (finalIds.has(id) || decides(e)) ids.push(id);
      else if (e.status !== 'resolved') undecided.push(id);
    }
    return { ids, undecided };
  }

  /** The rows of `ids` (from `remaining`), whole. */
  async rowsOf(ids: readonly string[]): Promise<StoredFinding[]> {
    return this.rows(ids, false);
  }

  private async rows(ids: readonly string[], chunk: boolean): Promise<StoredFinding[]> {
    const out: StoredFinding[] = [];
    const point: string[] = [];
    const byRepository = new Map<string, string[]>();
    for (const id of ids) {
      const kept = this.kept.get(id);
      if (kept) {
        this.kept.delete(id);
        out.push(kept);
        continue;
      }
      const repository = this.index.get(id)?.repository;
      if (repository !== undefined && (this.loaded.has(repository) || this.loading.has(repository) || (this.rowsPerRepository.get(repository) ?? 0) <= REPOSITORY_RANGE_ROWS)) {
        const list = byRepository.get(repository) ?? [];
        list.push(id);
        byRepository.set(repository, list);
      } else {
        point.push(id);
      }
    }
    // A repository is read as a range once (concurrent chunks share the read); what is not used yet stays
    // loaded for later chunks and is released once the repository's listing is complete. For the last pass
    // a range pays only where it replaces more than one group of point reads.
    const ranges: Array<[string, string[]]> = [];
    for (const [repository, want] of byRepository) {
      if (chunk || this.loaded.has(repository) || this.loading.has(repository) || want.length >= FEW) ranges.push([repository, want]);
      else point.push(...want);
    }
    await Promise.all(ranges.map(async ([repository, want]) => {
      await this.load(repository);
      const range = this.loaded.get(repository);
      for (const id of want) {
        const row = range?.get(id);
        if (row) {
          range!.delete(id);
          out.push(row);
        } else {
          // Used already (asked again: it may have been written since), released, or not in the range as read
          // (a subject the range does not match): by id.
          point.push(id);
        }
      }
    }));
    if (point.length) out.push(...(await this.store.getFindings(this.scopeId, point)));
    return out;
  }

  /**
   * Reads a repository's rows once, together with its neighbours: the shortest name prefix of the repository
   * whose repositories hold at most `GROUP_ROWS` rows (e.g. `team/` for `team/api`, `team/web`, ...), as one
   * range query. Fewer queries than one per repository (each is a scan of the partition in Azure, and of the
   * whole table in Azurite), at most a page of rows in memory per group; the neighbours are listed next (the
   * catalog is in name order). Rows no result will need (seen by a pass that needs none) are not kept.
   */
  private load(repository: string): Promise<void> {
    const known = this.loading.get(repository);
    if (known) return known;
    const prefix = this.groupPrefix(repository);
    const members = prefix === undefined ? [repository] : this.namesStartingWith(prefix).filter((r) => !this.loading.has(r));
    const query = prefix === undefined ? `${this.loginServer}/${repository}@` : `${this.loginServer}/${prefix}`;
    const p = this.store.listBySubjectPrefix(this.scopeId, query).then((rows) => {
      const byRepository = new Map<string, Map<string, StoredFinding>>(members.map((r) => [r, new Map()]));
      for (const f of rows) {
        const e = this.index.get(f.id);
        if (!e || e.repository === undefined || e.state === SEEN) continue;
        byRepository.get(e.repository)?.set(f.id, f);
      }
      for (const [r, rowsOf] of byRepository) this.loaded.set(r, rowsOf);
    });
    for (const r of members) this.loading.set(r, p);
    return p;
  }

  /**
   * The shortest prefix of the name (the name itself included) whose repositories hold at most GROUP_ROWS rows
   * and none of which was read already (no row is read by two ranges); undefined: the repository alone.
   */
  private groupPrefix(repository: string): string | undefined {
    for (let n = 1; n <= repository.length; n++) {
      const prefix = repository.slice(0, n);
      if (this.rowsUnder(prefix) > GROUP_ROWS) continue;
      const { names } = this.sorted();
      const [lo, hi] = this.bounds(names, prefix);
      if (names.slice(lo, hi).some((r) => this.loading.has(r))) continue;
      return prefix;
    }
    return undefined;
  }

  /** Rows of the repositories whose name starts with `prefix` (repositories sorted once, prefix sums). */
  private rowsUnder(prefix: string): number {
    const { names, sums } = this.sorted();
    const [lo, hi] = this.bounds(names, prefix);
    return sums[hi]! - sums[lo]!;
  }

  private namesStartingWith(prefix: string): string[] {
    const { names } = this.sorted();
    const [lo, hi] = this.bounds(names, prefix);
    return names.slice(lo, hi).filter((r) => (this.rowsPerRepository.get(r) ?? 0) <= REPOSITORY_RANGE_ROWS);
  }

  private bounds(names: readonly string[], prefix: string): [number, number] {
    const lowerBound = (x: string) => {
      let lo = 0;
      let hi = names.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (names[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    // Names are compared by code unit: those starting with the prefix lie in [prefix, prefix + U+FFFF).
    return [lowerBound(prefix), lowerBound(`${prefix}\uffff`)];
  }

  private sortedCache: { names: string[]; sums: number[] } | undefined;
  private sorted(): { names: string[]; sums: number[] } {
    if (!this.sortedCache) {
      const names = [...this.rowsPerRepository.keys()].sort();
      const sums = [0];
      for (const r of names) sums.push(sums.at(-1)! + this.rowsPerRepository.get(r)!);
      this.sortedCache = { names, sums };
    }
    return this.sortedCache;
  }

  /**
   * Repositories listed in full give up their rows. Kept: those a pending result still needs, and untouched
   * ones the last pass may read (open or suppressed; resolved ones only of other rules, which a final result
   * may name). A resolved image finding nobody touched is left as stored.
   */
  private release(listed: (repository: string) => boolean): void {
    for (const [repository, rows] of this.loaded) {
      if (!listed(repository)) continue;
      this.loaded.delete(repository);
      for (const [id, row] of rows) {
        const e = this.index.get(id);
        if (e?.state === NEEDED || (e?.state === UNTOUCHED && (e.status !== 'resolved' || !this.imageRuleIds.has(e.ruleId)))) this.kept.set(id, row);
      }
    }
  }
}

/** `loginServer/repository@digest` -> repository, for this registry's image subjects. */
export function repositoryOf(subject: string, loginServer: string): string | undefined {
  if (!subject.startsWith(`${loginServer}/`)) return undefined;
  const at = subject.lastIndexOf('@');
  return at > loginServer.length + 1 ? subject.slice(loginServer.length + 1, at) : undefined;
}
