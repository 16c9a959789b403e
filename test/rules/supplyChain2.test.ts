/**
 * Issue 15, second part: tag patterns (linear-time matching, clear errors), the dangling-manifest tally (what the
 * listing can tell apart), the settings, and the shards' collection steps over in-memory ports (one tag listing per
 * repository, one referrers call per running digest per run, failed reads as gaps).
 */
import { describe, expect, it } from 'vitest';
import { compileTagPattern } from '../../shared/domain/tagPatterns.js';
import { PatternError } from '../../shared/domain/patterns.js';
import { loadConfig } from '../../shared/config.js';
import { DEFAULT_LOCKED_TAG_PATTERN, ruleParams } from '../../shared/rules/params.js';
import { untaggedKindOf } from '../../shared/rules/supplyChain.js';
import type { Gap, ManifestSnapshot, ReferrerFacts, TagAttributeFacts, WorkloadImageFacts } from '../../shared/domain/snapshots.js';
import { noteUntaggedFindings, readWorkloadReferrers, releaseTagReader, repositoryOfSubject, UntaggedTally } from '../../shared/usecases/supplyChainFacts.js';
import type { FindingsStore } from '../../shared/usecases/ports.js';
import type { AuditDeps } from '../../shared/usecases/common.js';
import type { ListReferrersOptions } from '../../shared/usecases/ports.js';
import { RULES } from '../../shared/rules/catalog.js';
import { ScopeReadError } from '../../shared/inventory/errors.js';
import { aWorkloadImage, daysAgo, NOW } from './builders.js';
import { problemsOf } from '../support/config.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI = 'application/vnd.oci.image.manifest.v1+json';

describe('tag patterns', () => {
  it('the default matches semantic versions only, whole tag', () => {
    const m = compileTagPattern(DEFAULT_LOCKED_TAG_PATTERN);
    expect(['1.2.3', 'v1.2.3', '10.20.300'].filter((t) => m.matches(t))).toHaveLength(3);
    expect(['1.2', 'latest', '1.2.3-rc1', 'v1.2.3.4', 'x1.2.3', '1x2x3', ''].filter((t) => m.matches(t))).toEqual([]);
  });

  it.each([
    { p: '(rc|beta)\\d*', yes: ['rc', 'beta12'], no: ['alpha', 'rc1x'] },
    { p: '^release-[0-9a-f]+$', yes: ['release-0af'], no: ['release-', 'release-xyz'] },
    { p: '[^-]+', yes: ['abc'], no: ['a-b'] },
    { p: '(?:stable|v\\d+)', yes: ['stable', 'v3'], no: ['v'] },
    { p: 'a|', yes: ['a', ''], no: ['b'] },
  ])('$p', ({ p, yes, no }) => {
    const m = compileTagPattern(p);
    for (const t of yes) expect(m.matches(t), t).toBe(true);
    for (const t of no) expect(m.matches(t), t).toBe(false);
  });

  it('matches a pattern that makes a backtracking engine explode, on a long tag, in linear time', () => {
    // `(a*)*b` against a run of a's: exponential for a backtracking engine; here one pass over the tag.
    const m = compileTagPattern('(a*)*(a|a)*b');
    expect(m.matches('a'.repeat(128))).toBe(false);
    expect(m.matches(`${'a'.repeat(127)}b`)).toBe(true);
    // Longer than any tag: never a match, never scanned.
    expect(m.matches(`${'a'.repeat(300)}b`)).toBe(false);
  });

  it.each([
    { p: 'a{1,3}', reason: /counted repetition/ },
    { p: '(', reason: /unbalanced parenthesis/ },
    { p: 'a)', reason: /unexpected/ },
    { p: '*a', reason: /nothing to repeat/ },
    { p: 'a+?', reason: /quantifier cannot follow/ },
    { p: '\\b1', reason: /\\b is not supported/ },
    { p: '(?=a)', reason: /look-arounds/ },
    { p: 'a b', reason: /not a tag character/ },
    { p: '1.2$3', reason: /must be escaped/ },
    { p: '[z-a]', reason: /backwards/ },
    { p: 'x'.repeat(129), reason: /longer than 128/ },
    { p: '', reason: /empty/ },
  ])('refuses $p with a reason', ({ p, reason }) => {
    let error: unknown;
    try {
      compileTagPattern(p);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PatternError);
    expect((error as PatternError).reason).toMatch(reason);
  });
});

describe('settings', () => {
  const problems = (env: Record<string, string>): string[] => problemsOf(() => loadConfig(env));

  it('defaults: semantic versions must be locked, untagged manifests older than 30 days are dangling', () => {
    const c = loadConfig({});
    expect(c.params.lockedTagPatterns.map((p) => p.pattern)).toEqual([DEFAULT_LOCKED_TAG_PATTERN]);
    expect(c.params.untaggedMaxDays).toBe(30);
  });

  it('accepts patterns and `none`', () => {
    expect(loadConfig({ AUDITOR_LOCKED_TAG_PATTERNS: 'v?\\d+\\.\\d+\\.\\d+, release-.+' }).params.lockedTagPatterns.map((p) => p.pattern)).toEqual(['v?\\d+\\.\\d+\\.\\d+', 'release-.+']);
    expect(loadConfig({ AUDITOR_LOCKED_TAG_PATTERNS: 'none' }).params.lockedTagPatterns).toEqual([]);
  });

  it('names every bad pattern with its position and reason, and bounds the list and the days', () => {
    const p = problems({ AUDITOR_LOCKED_TAG_PATTERNS: 'ok-\\d+,a{2},(', AUDITOR_UNTAGGED_MAX_DAYS: '0' });
    expect(p).toEqual(expect.arrayContaining([
      // (How a value is quoted is shared/config.ts showValue's business: braces are not shown.)
      expect.stringMatching(/^AUDITOR_LOCKED_TAG_PATTERNS: pattern 2 .* is not a tag pattern: counted repetition/),
      expect.stringMatching(/^AUDITOR_LOCKED_TAG_PATTERNS: pattern 3 "\(" is not a tag pattern: unbalanced parenthesis/),
      'AUDITOR_UNTAGGED_MAX_DAYS: 0 is outside 1..3650',
    ]));
    expect(problems({ AUDITOR_LOCKED_TAG_PATTERNS: Array.from({ length: 33 }, (_, i) => `t${i}`).join(',') })).toEqual(['AUDITOR_LOCKED_TAG_PATTERNS: 33 patterns, at most 32']);
    expect(problems({ AUDITOR_LOCKED_TAG_PATTERNS: 'x'.repeat(200) })[0]).toMatch(/pattern 1 \(value not shown: 200 characters\) is not a tag pattern: longer than 128/);
  });
});

describe('untagged manifests: what the listing tells apart', () => {
  /** A listed manifest; a field given as undefined is left out (not listed). */
  const m = (o: { [K in keyof ManifestSnapshot]?: ManifestSnapshot[K] | undefined } & { digest: string }): ManifestSnapshot => {
    const built: Record<string, unknown> = {
      repository: 'r', tags: [], createdTime: daysAgo(60), lastUpdateTime: daysAgo(60), mediaType: OCI, configMediaType: 'application/vnd.oci.image.config.v1+json', architecture: 'amd64', os: 'linux', ...o,
    };
    for (const k of Object.keys(built)) if (built[k] === undefined) delete built[k];
    return built as unknown as ManifestSnapshot;
  };

  it.each([
    { name: 'OCI index', x: { mediaType: INDEX, architecture: undefined, os: undefined, configMediaType: undefined }, kind: 'index' },
    { name: 'Docker manifest list', x: { mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', architecture: undefined, os: undefined, configMediaType: undefined }, kind: 'index' },
    { name: 'platform image', x: {}, kind: 'image' },
    { name: 'Docker v2 image without configMediaType', x: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', configMediaType: undefined }, kind: 'image' },
    { name: 'Notation signature (OCI 1.1 artifact: non-image config, no platform)', x: { configMediaType: 'application/vnd.oci.empty.v1+json', architecture: undefined, os: undefined }, kind: 'artifact' },
    { name: 'signature with the notary config type', x: { configMediaType: 'application/vnd.cncf.notary.signature' }, kind: 'artifact' },
    { name: 'ORAS artifact manifest', x: { mediaType: 'application/vnd.oci.artifact.manifest.v1+json', configMediaType: undefined, architecture: undefined, os: undefined }, kind: 'artifact' },
    { name: 'no platform, no config type', x: { configMediaType: undefined, architecture: undefined, os: undefined }, kind: 'artifact' },
  ])('$name -> $kind', ({ x, kind }) => {
    expect(untaggedKindOf(m({ digest: 'd', ...x }))).toBe(kind);
  });

  it('decides each repository when its listing ends: dangling images and indexes; not the platforms of a tagged index, artifacts, locked or young ones', () => {
    const tally = new UntaggedTally(NOW.getTime() - 30 * 86_400_000, 30);
    // team/api: a tagged index; an old untagged index (dangling) and untagged platform manifests (maybe its platforms).
    tally.add('team/api', m({ digest: 'i1', tags: ['2.0.0'], mediaType: INDEX, architecture: undefined, os: undefined, configMediaType: undefined }));
    tally.add('team/api', m({ digest: 'i0', mediaType: INDEX, architecture: undefined, os: undefined, configMediaType: undefined, lastUpdateTime: daysAgo(90) }));
    // team/web interleaves (repositories are listed concurrently): each keeps its own counters.
    tally.add('team/web', m({ digest: 'w1', repository: 'team/web', lastUpdateTime: daysAgo(200) }));
    tally.add('team/api', m({ digest: 'c1' }));
    tally.add('team/api', m({ digest: 'c2' }));
    tally.add('team/api', m({ digest: 's1', configMediaType: 'application/vnd.cncf.notary.signature', architecture: undefined, os: undefined }));
    expect(tally.finish('team/api')).toEqual({
      olderThanDays: 30,
      count: 1,
      oldest: { digest: 'i0', lastUpdateTime: daysAgo(90) },
      notCounted: { possibleIndexChildren: 2, artifacts: 1, locked: 0 },
    });
    // team/web: no index; two old untagged images, one young, one locked, one tagged.
    tally.add('team/web', m({ digest: 'w2', repository: 'team/web' }));
    tally.add('team/web', m({ digest: 'w3', repository: 'team/web', lastUpdateTime: daysAgo(3) }));
    tally.add('team/web', m({ digest: 'w4', repository: 'team/web', deleteEnabled: false }));
    tally.add('team/web', m({ digest: 'w5', repository: 'team/web', tags: ['1.0.0'] }));
    expect(tally.finish('team/web')).toEqual({
      olderThanDays: 30,
      count: 2,
      oldest: { digest: 'w1', lastUpdateTime: daysAgo(200) },
      notCounted: { possibleIndexChildren: 0, artifacts: 0, locked: 1 },
    });
  });

  it('an empty repository has none; an abandoned one is dropped (no facts: its finding stays as it is)', () => {
    const tally = new UntaggedTally(NOW.getTime(), 30);
    expect(tally.finish('empty')).toEqual({ olderThanDays: 30, count: 0, notCounted: { possibleIndexChildren: 0, artifacts: 0, locked: 0 } });
    tally.add('broken', m({ digest: 'x', repository: 'broken' }));
    tally.abandon('broken');
    // Listed again later (another shard, another night): nothing of the abandoned listing is carried over.
    tally.add('broken', m({ digest: 'y', repository: 'broken', tags: ['1.0.0'] }));
    expect(tally.finish('broken').count).toBe(0);
  });

  it('the oldest does not depend on the listing order (ties: the smaller digest)', () => {
    const at = daysAgo(50);
    const a = new UntaggedTally(NOW.getTime(), 30);
    const b = new UntaggedTally(NOW.getTime(), 30);
    for (const d of ['d2', 'd1', 'd3']) a.add('r', m({ digest: d, lastUpdateTime: at }));
    for (const d of ['d3', 'd1', 'd2']) b.add('r', m({ digest: d, lastUpdateTime: at }));
    const [fa, fb] = [a.finish('r'), b.finish('r')];
    expect(fa).toEqual(fb);
    expect(fa).toMatchObject({ count: 3, oldest: { digest: 'd1', lastUpdateTime: at } });
  });
});

describe('repository subjects of the stored findings index', () => {
  const host = 'contoso.azurecr.io';

  it('parses `<loginServer>/<repository>`, not image subjects or other registries', () => {
    expect(repositoryOfSubject(`${host}/team/api`, host)).toBe('team/api');
    expect(repositoryOfSubject(`${host}/team/api@sha256:${'a'.repeat(64)}`, host)).toBeUndefined();
    expect(repositoryOfSubject(`${host}/`, host)).toBeUndefined();
    expect(repositoryOfSubject('other.azurecr.io/team/api', host)).toBeUndefined();
    expect(repositoryOfSubject('/subscriptions/x/resourcegroups/rg/providers/microsoft.containerregistry/registries/contoso', host)).toBeUndefined();
  });

  it('notes the repositories with an open finding of the rule while the index is read, and passes every row on', async () => {
    const rows = [
      { id: '1', ruleId: 'registry.untagged-manifests-pruned', status: 'open' as const, subject: `${host}/team/api` },
      { id: '2', ruleId: 'registry.untagged-manifests-pruned', status: 'resolved' as const, subject: `${host}/team/old` },
      { id: '3', ruleId: 'registry.untagged-manifests-pruned', status: 'suppressed' as const, subject: `${host}/team/kept` },
      { id: '4', ruleId: 'image.fresh', status: 'open' as const, subject: `${host}/team/web@sha256:${'b'.repeat(64)}` },
    ];
    const calls: string[] = [];
    const store = {
      listScopeIndex: async function* () { yield* rows; },
      getFindings: async (scopeId: string, ids: readonly string[]) => { calls.push(`get ${scopeId} ${ids.join(',')}`); return []; },
    } as unknown as FindingsStore;
    const noted = noteUntaggedFindings(store, host);
    const seen: string[] = [];
    for await (const e of noted.store.listScopeIndex('scope')) seen.push(e.id);
    expect(seen).toEqual(['1', '2', '3', '4']);
    expect([...noted.openRepositories].sort()).toEqual(['team/api', 'team/kept']);
    await noted.store.getFindings('scope', ['1']);
    expect(calls).toEqual(['get scope 1']);
  });
});

/** AuditDeps over in-memory ports: only what the collection steps touch. */
function depsWith(registry: Record<string, unknown>, params = ruleParams({ signatureRequired: ['team/*'], approvedSigners: ['A'.repeat(64)] })): AuditDeps {
  return { azure: { registry }, config: { params, concurrency: 4 }, rules: RULES } as unknown as AuditDeps;
}

describe('release tags collected once per repository', () => {
  const tags: TagAttributeFacts[] = [
    { name: '1.0.0', digest: 'd1', writeEnabled: false, deleteEnabled: false },
    { name: '1.1.0', digest: 'd2', writeEnabled: true, deleteEnabled: true },
    { name: 'latest', digest: 'd2', writeEnabled: true, deleteEnabled: true },
    { name: '1.2.0', digest: 'd9', writeEnabled: true, deleteEnabled: true },
  ];

  it('lists tags once per repository, reads the repository only behind a writable tag, and drops a moved tag', async () => {
    const calls: string[] = [];
    const deps = depsWith({
      listTags: async function* (_h: string, repo: string) { calls.push(`tags ${repo}`); yield* tags; },
      getRepositoryAttributes: async (_h: string, repo: string) => { calls.push(`repo ${repo}`); return { writeEnabled: true, deleteEnabled: true }; },
    });
    const gaps: Gap[] = [];
    const reader = releaseTagReader(deps, 'contoso.azurecr.io', new Set(['image.release-tags-locked']), gaps)!;
    expect(await reader.forManifest('team/api', { digest: 'd1', tags: ['1.0.0'] })).toEqual({ tags: [tags[0]] });
    expect(await reader.forManifest('team/api', { digest: 'd2', tags: ['1.1.0', 'latest'] })).toEqual({ tags: [tags[1]], repository: { writeEnabled: true, deleteEnabled: true } });
    // 1.2.0 points at d9 in the tag listing: moved since, unknown.
    expect(await reader.forManifest('team/api', { digest: 'd3', tags: ['1.2.0'] })).toEqual({ tags: [] });
    expect(await reader.forManifest('team/api', { digest: 'd4', tags: ['latest'] })).toBeUndefined();
    expect(calls).toEqual(['tags team/api', 'repo team/api']);
    reader.done('team/api');
    await reader.forManifest('team/api', { digest: 'd1', tags: ['1.0.0'] });
    expect(calls).toHaveLength(3);
    expect(gaps).toEqual([]);
  });

  it('a tag listing that fails is a gap and leaves the rule without facts (inconclusive)', async () => {
    const deps = depsWith({
      // eslint-disable-next-line require-yield -- fails before the first page
      listTags: async function* () { throw new ScopeReadError('contoso.azurecr.io/team/api tags', { kind: 'forbidden', reason: 'denied', status: 403 }); },
    });
    const gaps: Gap[] = [];
    const reader = releaseTagReader(deps, 'contoso.azurecr.io', new Set(['image.release-tags-locked']), gaps)!;
    expect(await reader.forManifest('team/api', { digest: 'd1', tags: ['1.0.0'] })).toBeUndefined();
    expect(gaps).toEqual([{ scope: 'contoso.azurecr.io/team/api tags', reason: 'denied', status: 403 }]);
  });

  it('reads nothing when the rule does not run, no pattern is set, or the port cannot list tags', () => {
    const listTags = async function* () { yield* tags; };
    expect(releaseTagReader(depsWith({ listTags }), 'h', new Set(['image.fresh']), [])).toBeUndefined();
    expect(releaseTagReader(depsWith({ listTags }, ruleParams({ lockedTagPatterns: [] })), 'h', new Set(['image.release-tags-locked']), [])).toBeUndefined();
    expect(releaseTagReader(depsWith({}), 'h', new Set(['image.release-tags-locked']), [])).toBeUndefined();
  });
});

describe('referrers of running digests', () => {
  const found = (image: string, digest: string): WorkloadImageFacts => aWorkloadImage({ image, resolved: { status: 'found', digest, lastUpdateTime: daysAgo(2), tags: [] } });

  it('one call per distinct digest where signatures are required, with the run id; a failed read is a gap', async () => {
    const calls: Array<{ key: string; options?: ListReferrersOptions }> = [];
    const sig: ReferrerFacts = { digest: 's', mediaType: OCI, artifactType: 'application/vnd.cncf.notary.signature', annotations: {} };
    const deps = depsWith({
      listReferrers: async (host: string, repo: string, digest: string, options?: ListReferrersOptions) => {
        calls.push({ key: `${host}/${repo}@${digest}`, ...(options ? { options } : {}) });
        if (digest === 'broken') throw new ScopeReadError(`${host}/${repo}@${digest} referrers`, { kind: 'transient', reason: 'HTTP 503', status: 503 });
        return digest === 'gone' ? undefined : [sig];
      },
    });
    const D1 = `sha256:${'1'.repeat(64)}`;
    const subjects = [
      found('contoso.azurecr.io/team/api:1.0.0', D1),
      found(`contoso.azurecr.io/team/api@${D1}`, D1),
      found('contoso.azurecr.io/platform/base:3', 'd2'),
      found('contoso.azurecr.io/team/web:2', 'broken'),
      found('contoso.azurecr.io/team/old:1', 'gone'),
      aWorkloadImage({ image: 'contoso.azurecr.io/team/api:9', resolved: { status: 'not_found', detail: 'x' } }),
    ];
    const gaps: Gap[] = [];
    await readWorkloadReferrers(deps, 'run-7', subjects, gaps);
    expect(calls.map((c) => c.key).sort()).toEqual([`contoso.azurecr.io/team/api@${D1}`, 'contoso.azurecr.io/team/old@gone', 'contoso.azurecr.io/team/web@broken']);
    expect(calls.every((c) => c.options?.runId === 'run-7')).toBe(true);
    expect(subjects.map((s) => s.referrers?.length)).toEqual([1, 1, undefined, undefined, undefined, undefined]);
    expect(gaps).toEqual([{ scope: 'contoso.azurecr.io/team/web@broken referrers', reason: 'HTTP 503', status: 503 }]);
  });

  it('reads nothing without approved signers', async () => {
    let called = false;
    const deps = depsWith({ listReferrers: async () => { called = true; return []; } }, ruleParams({ signatureRequired: ['*'] }));
    await readWorkloadReferrers(deps, 'run', [found('contoso.azurecr.io/team/api:1', 'd')], []);
    expect(called).toBe(false);
  });
});
