/**
 * The findings state machine over random interleavings (fast-check): observations of a few subjects,
 * each with the time its facts were read and an authority (fail, pass, inconclusive, error, confirmed
 * deletion), delivered in a random order with random redeliveries, applied one delivery at a time as
 * the push path applies events (trackNewerObservations on) against an in-memory store.
 *
 * Properties:
 *   1. no resolution without authority: a finding ends resolved only if a pass or a confirmed deletion
 *      was observed no earlier than every failure of that subject;
 *   2. the newest observation wins: once a finding exists, its final state is the state the newest
 *      decisive observation (fail / pass / deletion) says, whatever the delivery order;
 *   3. inconclusive and error observations never resolve anything;
 *   4. replaying any prefix of the deliveries afterwards changes nothing.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RuleResult } from '../../shared/domain/finding.js';
import { diffFindings, type StoredFinding } from '../../shared/findings/diff.js';
import { findingId } from '../../shared/findings/keys.js';

const REG = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contoso';
const SUBJECTS = ['contoso.azurecr.io/a@sha256:1', 'contoso.azurecr.io/b@sha256:2', 'contoso.azurecr.io/c@sha256:3'];
const RULE = 'image.provenance-labeled';
const T0 = Date.parse('2026-11-22T00:00:00Z');

type Kind = 'fail' | 'pass' | 'inconclusive' | 'error' | 'deleted';
interface Observation {
  auditId: string;
  subject: number;
  kind: Kind;
  /** Seconds after T0 the facts were read. */
  at: number;
  severity: 'low' | 'high';
}

const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function resultOf(o: Observation): RuleResult {
  return {
    scopeId: REG.toLowerCase(),
    resourceId: REG,
    subject: SUBJECTS[o.subject]!,
    ruleId: RULE,
    status: o.kind === 'fail' ? 'fail' : o.kind === 'pass' ? 'pass' : o.kind === 'error' ? 'error' : 'not_applicable',
    conclusive: o.kind !== 'inconclusive',
    message: `${o.kind} at ${o.at}`,
    evidence: { at: o.at },
    severity: o.severity,
    observedAt: iso(o.at),
  };
}

/** One delivery applied as the push path does: point lookup, diff, conditional write. */
function apply(store: Map<string, StoredFinding>, o: Observation, processedAt: number): void {
  const id = findingId(RULE, REG, SUBJECTS[o.subject]!);
  const existing = store.has(id) ? [store.get(id)!] : [];
  const out = diffFindings({
    auditId: o.auditId,
    now: new Date(T0 + processedAt * 1000),
    results: o.kind === 'deleted' ? [] : [resultOf(o)],
    existing,
    titleOf: String,
    trackNewerObservations: true,
    ...(o.kind === 'deleted' ? { absence: () => ({ observedAt: iso(o.at) }) } : {}),
  });
  for (const u of out.upserts) store.set(u.id, { ...u });
}

const observations = fc
  .array(
    fc.record({
      subject: fc.integer({ min: 0, max: SUBJECTS.length - 1 }),
      kind: fc.constantFrom<Kind>('fail', 'pass', 'inconclusive', 'error', 'deleted'),
      severity: fc.constantFrom<'low' | 'high'>('low', 'high'),
    }),
    { minLength: 1, maxLength: 14 },
  )
  // Distinct read times (a strict order of observations), each observation its own audit id.
  .chain((obs) => fc.shuffledSubarray([...Array(1000).keys()], { minLength: obs.length, maxLength: obs.length }).map((times) =>
    obs.map((o, i) => ({ ...o, at: times[i]! + 1, auditId: `evt-${i}` })),
  ));

/** Deliveries: a permutation of the observations with some delivered twice (at-least-once). */
const scenario = observations.chain((obs) =>
  fc.tuple(
    fc.constant(obs),
    fc.shuffledSubarray(obs, { minLength: obs.length, maxLength: obs.length }),
    fc.array(fc.integer({ min: 0, max: obs.length - 1 }), { maxLength: 6 }),
  ).map(([o, order, dupes]) => ({ observations: o, deliveries: [...order, ...dupes.map((d) => order[d]!)] })),
);

/** Each subject first opened by a failure read at time 0 and delivered first: the finding exists. */
function seeded(): Map<string, StoredFinding> {
  const store = new Map<string, StoredFinding>();
  SUBJECTS.forEach((_, i) => apply(store, { auditId: `seed-${i}`, subject: i, kind: 'fail', at: 0, severity: 'low' }, 0));
  return store;
}

function strip(store: Map<string, StoredFinding>) {
  return [...store.values()].map(({ etag: _etag, ...f }) => f).sort((a, b) => a.id.localeCompare(b.id));
}

describe('findings state machine over interleavings (property)', () => {
  it('never resolves without an observed pass or a confirmed deletion no older than every failure', () => {
    fc.assert(
      fc.property(scenario, ({ observations: obs, deliveries }) => {
        const store = new Map<string, StoredFinding>();
        deliveries.forEach((o, i) => apply(store, o, 2000 + i));
        for (const f of store.values()) {
          if (f.status !== 'resolved') continue;
          const subject = SUBJECTS.indexOf(f.subject);
          const mine = obs.filter((o) => o.subject === subject);
          const newestFail = Math.max(-1, ...mine.filter((o) => o.kind === 'fail').map((o) => o.at));
          expect(mine.some((o) => (o.kind === 'pass' || o.kind === 'deleted') && o.at >= newestFail), `resolved ${f.subject} without authority`).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('once a finding exists, its final state is what the newest decisive observation says, whatever the delivery order', () => {
    fc.assert(
      fc.property(scenario, ({ observations: obs, deliveries }) => {
        const store = seeded();
        deliveries.forEach((o, i) => apply(store, o, 2000 + i));
        SUBJECTS.forEach((subject, s) => {
          const decisive = obs.filter((o) => o.subject === s && (o.kind === 'fail' || o.kind === 'pass' || o.kind === 'deleted')).sort((a, b) => a.at - b.at);
          const f = store.get(findingId(RULE, REG, subject))!;
          const newest = decisive.at(-1);
          if (!newest) {
            expect(f.status, `${subject}: only inconclusive observations`).toBe('open');
            return;
          }
          expect(f.status, `${subject}: newest is ${newest.kind} at ${newest.at}`).toBe(newest.kind === 'fail' ? 'open' : 'resolved');
          if (newest.kind === 'fail') expect(f.message).toBe(`fail at ${newest.at}`);
          if (newest.kind === 'deleted') expect(f.resolution).toBe('gone');
        });
      }),
      { numRuns: 400 },
    );
  });

  it('inconclusive and error observations alone never resolve an open finding', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ subject: fc.integer({ min: 0, max: 2 }), kind: fc.constantFrom<Kind>('inconclusive', 'error'), at: fc.integer({ min: 1, max: 999 }) }), { maxLength: 12 }), (obs) => {
        const store = seeded();
        obs.forEach((o, i) => apply(store, { ...o, auditId: `x-${i}`, severity: 'low' }, 2000 + i));
        for (const f of store.values()) expect(f.status).toBe('open');
      }),
      { numRuns: 200 },
    );
  });

  it('replaying any prefix of the deliveries afterwards changes nothing', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ({ deliveries }, cut) => {
        const store = seeded();
        deliveries.forEach((o, i) => apply(store, o, 2000 + i));
        const before = strip(store);
        const prefix = deliveries.slice(0, cut % (deliveries.length + 1));
        prefix.forEach((o, i) => apply(store, o, 5000 + i));
        const after = strip(store).map((f) => ({ ...f, lastSeen: before.find((b) => b.id === f.id)?.lastSeen ?? f.lastSeen }));
        expect(after).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
