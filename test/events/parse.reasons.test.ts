/**
 * The parser names the real reason (issue 10, items 8e and 11): an event nested too deep is rejected
 * naming the depth limit (not "not serialisable as JSON"); a CloudEvent with a wrongly-cased attribute
 * (`specVersion`, as in a published ImageDeleted sample) is rejected naming that attribute.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS, parseEventBatch } from '../../shared/events/parse.js';
import { firstEvent, mutated, type Wire } from './fixtures.js';

const PUSH = 'eventgrid-image-pushed.json';
const CE_DELETE = 'cloudevents-image-deleted.json';

function nested(depth: number): Wire {
  let v: Wire = { leaf: true };
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
}

function onlyRejected(e: unknown) {
  const r = parseEventBatch([e]);
  expect(r.events).toEqual([]);
  expect(r.ignored).toEqual([]);
  expect(r.rejected).toHaveLength(1);
  return r.rejected[0]!;
}

describe('deeply nested events (8e)', () => {
  it('an event nested 100,000 levels deep is rejected naming the depth limit, not "not serialisable"', () => {
    const e = mutated(PUSH, (w) => (w.data.target.extra = nested(100_000)));
    const r = onlyRejected(e);
    expect(r.field).toBe('$');
    expect(r.reason).toBe(`nested deeper than ${EVENT_LIMITS.depth} levels (ACR events nest 4)`);
  });

  it('the same from a JSON body (the way Event Grid delivers it)', () => {
    const e = firstEvent(PUSH);
    const text = JSON.stringify([e]).replace('"data":{', `"data":{"extra":${'['.repeat(50_000)}${']'.repeat(50_000)},`);
    const r = parseEventBatch(text);
    expect(r.rejected).toEqual([{ index: 0, eventId: e.id, field: '$', reason: expect.stringContaining(`nested deeper than ${EVENT_LIMITS.depth} levels`) }]);
  });

  it('just above the limit is rejected, at the limit is accepted', () => {
    // The event is level 1, data 2, target 3; nested(d) under target holds d + 1 objects: levels 4 to 4 + d.
    const within = mutated(PUSH, (w) => (w.data.target.extra = nested(EVENT_LIMITS.depth - 4)));
    expect(parseEventBatch([within]).events).toHaveLength(1);
    const beyond = mutated(PUSH, (w) => (w.data.target.extra = nested(EVENT_LIMITS.depth - 3)));
    expect(onlyRejected(beyond).reason).toMatch(/nested deeper than/);
  });

  it('a cycle is named as a cycle', () => {
    const e = mutated(PUSH, () => {});
    e.data.self = e;
    expect(onlyRejected(e).reason).toBe('the event is not serialisable as JSON (it refers to itself)');
  });
});

describe('CloudEvents attribute names are lower case (11)', () => {
  it('specVersion (as in a published ImageDeleted sample) is rejected naming specVersion, not a missing eventType', () => {
    const e = mutated(CE_DELETE, (w) => {
      w.specVersion = w.specversion;
      delete w.specversion;
    });
    const r = onlyRejected(e);
    expect(r.field).toBe('specVersion');
    expect(r.reason).toMatch(/CloudEvents attribute names are lower case: expected "specversion"/);
    expect(r.eventId).toBe(e.id);
  });

  it('another wrongly-cased context attribute of a CloudEvent is named too', () => {
    const e = mutated(CE_DELETE, (w) => {
      w.dataContentType = w.datacontenttype;
      delete w.datacontenttype;
    });
    const r = onlyRejected(e);
    expect(r.field).toBe('dataContentType');
    expect(r.reason).toMatch(/expected "datacontenttype"/);
  });

  it('the lower-case sample is accepted', () => {
    expect(parseEventBatch([firstEvent(CE_DELETE)]).events).toHaveLength(1);
  });
});
