import { describe, expect, it } from 'vitest';
import type { RuleResult } from '../../shared/domain/finding.js';
import { absentFrom, diffFindings, type StoredFinding } from '../../shared/findings/diff.js';
import { compileWaivers } from '../../shared/findings/waivers.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const LATER = new Date('2026-11-23T02:00:00Z');
const REG = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso';

function result(over: Partial<RuleResult> = {}): RuleResult {
  return {
    scopeId: REG.toLowerCase(),
    resourceId: REG,
    subject: REG,
    subscriptionId: 's1',
    registry: 'contoso.azurecr.io',
    ruleId: 'registry.admin-user-disabled',
    status: 'fail',
    message: 'admin user is enabled',
    evidence: { adminUserEnabled: true },
    severity: 'high',
    conclusive: true,
    ...over,
  };
}

/** Audits of these tests happen one after the other: each result is observed when its audit runs. */
let tick = 0;
function run(existing: StoredFinding[], results: RuleResult[], opts: { auditId?: string; now?: Date; enumerated?: string[] } = {}) {
  const observedAt = new Date((opts.now ?? NOW).getTime() + tick++).toISOString();
  return diffFindings({
    auditId: opts.auditId ?? 'run-1',
    now: opts.now ?? NOW,
    results: results.map((r) => ({ observedAt, ...r })),
    ...(opts.enumerated ? { absence: absentFrom(new Set(opts.enumerated), observedAt) } : {}),
    existing,
    titleOf: (id) => `title of ${id}`,
  });
}

describe('diffFindings', () => {
  it('opens a finding for a failure, with first/last seen and a history entry', () => {
    const out = run([], [result()]);
    expect(out.changes.map((c) => c.kind)).toEqual(['opened']);
    const f = out.upserts[0]!;
    expect(f).toMatchObject({ status: 'open', outcome: 'fail', firstSeen: NOW.toISOString(), lastSeen: NOW.toISOString(), title: 'title of registry.admin-user-disabled' });
    expect(f.history).toEqual([{ auditId: 'run-1', kind: 'opened', at: NOW.toISOString(), severity: 'high', message: 'admin user is enabled' }]);
  });

  it('passes create nothing', () => {
    expect(run([], [result({ status: 'pass' })]).upserts).toEqual([]);
  });

  it('keeps an open finding open on the next audit (no history entry), then resolves it on a pass', () => {
    const first = run([], [result()]).upserts;
    const second = run(first, [result()], { auditId: 'run-2', now: LATER });
    expect(second.changes.map((c) => c.kind)).toEqual(['still_open']);
    expect(second.upserts[0]!.firstSeen).toBe(NOW.toISOString());
    expect(second.upserts[0]!.lastSeen).toBe(LATER.toISOString());
    expect(second.upserts[0]!.history!.map((h) => h.kind)).toEqual(['opened']);
    const third = run(second.upserts, [result({ status: 'pass', message: 'disabled' })], { auditId: 'run-3', now: LATER });
    expect(third.changes.map((c) => c.kind)).toEqual(['resolved']);
    expect(third.upserts[0]!.history!.map((h) => [h.auditId, h.kind])).toEqual([['run-1', 'opened'], ['run-3', 'resolved']]);
    expect(third.upserts[0]).toMatchObject({ status: 'resolved', resolution: 'passed', resolvedAt: LATER.toISOString() });
  });

  it('reopens a resolved finding and escalates on a higher severity', () => {
    const opened = run([], [result({ severity: 'medium' })]).upserts;
    const escalated = run(opened, [result({ severity: 'critical' })], { auditId: 'run-2' });
    expect(escalated.changes[0]!.kind).toBe('escalated');
    const resolved = run(escalated.upserts, [result({ status: 'pass' })], { auditId: 'run-3' }).upserts;
    const reopened = run(resolved, [result()], { auditId: 'run-4' });
    expect(reopened.changes[0]!.kind).toBe('reopened');
    expect(reopened.upserts[0]!.resolvedAt).toBeUndefined();
  });

  it('never resolves on an error or an inconclusive not_applicable', () => {
    const opened = run([], [result()]).upserts;
    // An error is "could not observe": the open finding stays exactly as it is (no write at all).
    const errored = run(opened, [result({ status: 'error', message: 'boom' })], { auditId: 'run-2' });
    expect(errored.changes).toEqual([]);
    expect(errored.upserts).toEqual([]);
    // ... and it never reopens a resolved one.
    const resolved = run(opened, [result({ status: 'pass' })], { auditId: 'run-2b' }).upserts;
    expect(run(resolved, [result({ status: 'error', message: 'boom' })], { auditId: 'run-2c' }).upserts).toEqual([]);
    // A rule that throws on a subject with no finding opens an error finding (never a pass).
    expect(run([], [result({ status: 'error', message: 'boom' })], { auditId: 'run-2d' }).upserts[0]).toMatchObject({ status: 'open', outcome: 'error' });
    const inconclusive = run(opened, [result({ status: 'not_applicable', conclusive: false })], { auditId: 'run-3' });
    expect(inconclusive.changes).toEqual([]);
    const conclusive = run(opened, [result({ status: 'not_applicable', conclusive: true })], { auditId: 'run-4' });
    expect(conclusive.upserts[0]).toMatchObject({ status: 'resolved', resolution: 'not_applicable' });
  });

  it('resolves a finding whose subject is gone only when the rule was enumerated in full', () => {
    const image = result({ ruleId: 'image.fresh', subject: 'contoso.azurecr.io/team/api@sha256:aa' });
    const opened = run([], [image]).upserts;
    expect(run(opened, [], { auditId: 'run-2' }).changes).toEqual([]);
    const gone = run(opened, [], { auditId: 'run-3', enumerated: ['image.fresh'] });
    expect(gone.changes.map((c) => c.kind)).toEqual(['resolved']);
    expect(gone.upserts[0]!.resolution).toBe('gone');
  });

  it('replaying the same audit reproduces the same changes (redelivered events)', () => {
    const first = run([], [result()], { auditId: 'evt-1' });
    const replay = run(first.upserts, [result()], { auditId: 'evt-1' });
    expect(replay.changes.map((c) => c.kind)).toEqual(['opened']);
    // The same rows, but for when the facts were read again.
    const noTime = (xs: StoredFinding[]) => xs.map(({ observedAt: _o, ...f }) => f);
    expect(noTime(replay.upserts)).toEqual(noTime(first.upserts));
    const next = run(first.upserts, [result()], { auditId: 'evt-2' });
    expect(next.changes.map((c) => c.kind)).toEqual(['still_open']);
  });

  it('suppresses with a waiver, keeps the finding, and unsuppresses when the waiver expires', () => {
    const waivers = compileWaivers([{ id: 'W-1', ruleId: 'registry.admin-user-disabled', resource: '*contoso', reason: 'legacy CI', expiresAt: '2026-12-01T00:00:00Z' }]);
    const first = diffFindings({ auditId: 'r1', now: NOW, results: [result()], existing: [], titleOf: String, waivers });
    expect(first.changes[0]!.kind).toBe('suppressed');
    expect(first.upserts[0]!.suppression).toMatchObject({ waiverId: 'W-1' });
    const again = diffFindings({ auditId: 'r2', now: LATER, results: [result()], existing: first.upserts, titleOf: String, waivers });
    expect(again.changes[0]!.kind).toBe('still_suppressed');
    const expired = diffFindings({ auditId: 'r3', now: new Date('2026-12-02T00:00:00Z'), results: [result()], existing: again.upserts, titleOf: String, waivers });
    expect(expired.changes[0]!.kind).toBe('unsuppressed');
    expect(expired.upserts[0]!.status).toBe('open');
  });
});

describe('diffFindings protection', () => {
  it('does not resolve as gone a finding whose resource could not be read', () => {
    const image = result({ ruleId: 'image.fresh', subject: 'contoso.azurecr.io/team/api@sha256:aa' });
    const opened = run([], [image]).upserts;
    const out = diffFindings({
      auditId: 'run-2', now: NOW, results: [], existing: opened, titleOf: String,
      absence: absentFrom(new Set(['image.fresh']), NOW.toISOString(), (f) => f.subject.startsWith('contoso.azurecr.io/team/api@')),
    });
    expect(out.changes).toEqual([]);
  });
});

describe('diffFindings history', () => {
  it('a replay adds no second entry, and history is capped keeping the first transition', () => {
    let state = run([], [result()], { auditId: 'a0' }).upserts;
    state = run(state, [result()], { auditId: 'a0' }).upserts;
    expect(state[0]!.history).toHaveLength(1);
    for (let i = 1; i <= 60; i++) {
      state = run(state, [result({ status: i % 2 ? 'pass' : 'fail' })], { auditId: `a${i}` }).upserts;
    }
    const h = state[0]!.history!;
    expect(h).toHaveLength(50);
    expect(h[0]!).toMatchObject({ auditId: 'a0', kind: 'opened' });
    expect(h.at(-1)!).toMatchObject({ auditId: 'a60', kind: 'reopened' });
  });
});
