import { describe, expect, it } from 'vitest';
import type { PushedByFacts } from '../../shared/domain/snapshots.js';
import { imagePushedByApprovedIdentity as rule } from '../../shared/rules/image.pushed-by-approved-identity.js';
import { pushedByFromEvent, pushedByOf } from '../../shared/usecases/pushRecords.js';
import { anImage, ctx } from './builders.js';

const PIPELINE = '9f2c1e4a-0000-4000-8000-000000000001';
const approved = { approvedPushers: [PIPELINE, 'release-*'] };
const read = (...identities: string[]): PushedByFacts => ({ status: 'read', source: 'logs', lookbackDays: 30, pushers: identities.map((identity) => ({ identity, pushes: 1, lastPush: '2025-06-14T00:00:00Z' })) });
const image = (pushedBy?: PushedByFacts) => ({ ...anImage(), ...(pushedBy ? { pushedBy } : {}) });

describe('image.pushed-by-approved-identity', () => {
  it.each([
    { name: 'no approved pushers configured', params: {}, pushedBy: read('alice@contoso.com'), status: 'not_applicable', conclusive: true },
    { name: 'pushes not read in this audit', params: approved, pushedBy: undefined, status: 'not_applicable', conclusive: false },
    { name: 'no push record readable', params: approved, pushedBy: { status: 'unknown', reason: 'logs not routed' } as PushedByFacts, status: 'not_applicable', conclusive: false },
    { name: 'read but empty', params: approved, pushedBy: read(), status: 'not_applicable', conclusive: false },
    { name: 'pushed by the pipeline', params: approved, pushedBy: read(PIPELINE), status: 'pass', conclusive: undefined },
    { name: 'pushed by a pattern-approved name, other case', params: approved, pushedBy: read('RELEASE-bot'), status: 'pass', conclusive: undefined },
    { name: 'pushed by a person', params: approved, pushedBy: read('alice@contoso.com'), status: 'fail', conclusive: undefined },
    { name: 'pushed by the pipeline and later by a person', params: approved, pushedBy: read(PIPELINE, 'alice@contoso.com'), status: 'fail', conclusive: undefined },
    { name: 'all listed approved but more pushed than were read', params: approved, pushedBy: { ...read(PIPELINE), partial: true } as PushedByFacts, status: 'not_applicable', conclusive: false },
  ] as const)('$name -> $status', ({ params, pushedBy, status, conclusive }) => {
    const e = rule.evaluate(image(pushedBy), ctx(params));
    expect(e.status).toBe(status);
    if (e.status === 'not_applicable') expect(e.conclusive).toBe(conclusive);
  });

  it('names the unapproved pushers in the message and evidence', () => {
    const e = rule.evaluate(image(read(PIPELINE, 'alice@contoso.com')), ctx(approved));
    expect(e.message).toContain('alice@contoso.com');
    expect(e.evidence).toMatchObject({ source: 'logs', lookbackDays: 30, approved: 1, unapproved: [{ identity: 'alice@contoso.com', pushes: 1 }] });
  });

  it('never resolves a finding at push time (fail-only): one push shows one pusher', () => {
    expect(rule.pushResults).toBe('fail-only');
    expect(rule.modes).toEqual(['push', 'nightly']);
  });

  describe('facts from the event and from the logs', () => {
    it('the Event Grid actor, or undecided when the event has none', () => {
      expect(rule.evaluate(image(pushedByFromEvent('alice@contoso.com', '2025-06-15T10:00:00Z', '1.0.0')), ctx(approved)).status).toBe('fail');
      expect(rule.evaluate(image(pushedByFromEvent(PIPELINE, '2025-06-15T10:00:00Z', undefined)), ctx(approved)).status).toBe('pass');
      const none = rule.evaluate(image(pushedByFromEvent(undefined, '2025-06-15T10:00:00Z', undefined)), ctx(approved));
      expect(none).toMatchObject({ status: 'not_applicable', conclusive: false });
    });

    it('an image with no push in the window is undecided; the logs not read is "not read"', () => {
      const byImage = new Map([['team/api@sha256:aa', [{ identity: PIPELINE, pushes: 2, lastPush: '2025-06-10T00:00:00Z', tags: ['1.0.0'] }]]]);
      const pushes = { status: 'read' as const, byImage, lookbackDays: 30 };
      expect(pushedByOf(pushes, 'team/api', 'sha256:aa')).toMatchObject({ status: 'read', pushers: [{ identity: PIPELINE, pushes: 2 }] });
      expect(pushedByOf(pushes, 'team/api', 'sha256:bb')).toMatchObject({ status: 'unknown' });
      expect(pushedByOf(undefined, 'team/api', 'sha256:aa')).toBeUndefined();
    });

    it('keeps at most 20 pushers and says so', () => {
      const records = Array.from({ length: 25 }, (_, i) => ({ identity: `user${i}`, pushes: 1, lastPush: `2025-06-${String(10 + (i % 5)).padStart(2, '0')}T00:00:00Z`, tags: [] }));
      const facts = pushedByOf({ status: 'read', byImage: new Map([['r@d', records]]), lookbackDays: 30 }, 'r', 'd');
      expect(facts).toMatchObject({ status: 'read', partial: true });
      expect(facts?.status === 'read' && facts.pushers.length).toBe(20);
    });
  });
});
