import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS, parseEventBatch, registryFromResourceId, type RegistryEvent } from '../../shared/events/parse.js';
import { sdkView } from './sdkCheck.js';
import { DIGEST_CHART, DIGEST_PUSH, TOPIC, fixture, fixtureText, mutated, type Wire } from './fixtures.js';

const PUSH = 'eventgrid-image-pushed.json';
const CE_PUSH = 'cloudevents-image-pushed.json';

/** Parses one wire event and returns the only outcome, failing when it lands elsewhere. */
function only(e: unknown) {
  const r = parseEventBatch([e]);
  expect(r.events.length + r.ignored.length + r.rejected.length).toBe(1);
  return r;
}

function rejectedOf(e: unknown) {
  const r = only(e);
  expect(r.rejected, JSON.stringify(r)).toHaveLength(1);
  return r.rejected[0]!;
}

function acceptedOf(e: unknown, options?: Parameters<typeof parseEventBatch>[1]): RegistryEvent {
  const r = parseEventBatch([e], options);
  expect(r.rejected).toEqual([]);
  expect(r.ignored).toEqual([]);
  expect(r.events).toHaveLength(1);
  return r.events[0]!;
}

const PUSHED_EVENTGRID: RegistryEvent = {
  kind: 'image_pushed',
  schema: 'eventgrid',
  eventId: '831e1650-001e-001b-66ab-eeb76e069631',
  eventType: 'Microsoft.ContainerRegistry.ImagePushed',
  eventTime: '2025-05-14T09:12:47.6549614Z',
  registryId: TOPIC,
  registryName: 'contosoprod',
  loginServer: 'contosoprod.azurecr.io',
  repository: 'team/api',
  tag: '1.4.2',
  digest: DIGEST_PUSH,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  size: 3023,
  actor: 'ci-pipeline',
  request: {
    id: '7c66f28b-de19-40a4-821c-6f5f6c0003a4',
    addr: '203.0.113.24:51334',
    host: 'ContosoProd.azurecr.io',
    method: 'PUT',
    useragent:
      'docker/26.1.3 go/go1.21.10 git-commit/8e96db1 kernel/6.5.0 os/linux arch/amd64 UpstreamClient(Docker-Client/26.1.3 \\(linux\\))',
  },
  source: { addr: 'contosoprod-registry-7d9f8b6c4-x2k5p:5000', instanceID: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' },
  timestamp: '2025-05-14T09:12:47.276585742Z',
};

const DELETED_EVENTGRID: RegistryEvent = {
  kind: 'image_deleted',
  schema: 'eventgrid',
  eventId: 'f06e3921-301f-42ec-b368-212f7d5354bd',
  eventType: 'Microsoft.ContainerRegistry.ImageDeleted',
  eventTime: '2025-05-14T17:56:01.8211268Z',
  registryId: TOPIC,
  registryName: 'contosoprod',
  loginServer: 'contosoprod.azurecr.io',
  repository: 'team/api',
  digest: DIGEST_PUSH,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  request: { id: 'aeda5b99-4197-409f-b8a8-ff539edb7de2', host: 'contosoprod.azurecr.io', method: 'DELETE', useragent: 'python-requests/2.31.0' },
  timestamp: '2025-05-14T17:56:00.996603117Z',
};

const CHART_PUSHED_EVENTGRID: RegistryEvent = {
  kind: 'chart_pushed',
  schema: 'eventgrid',
  eventId: 'ea3a9c28-5b17-40f6-a500-3f02b6829277',
  eventType: 'Microsoft.ContainerRegistry.ChartPushed',
  eventTime: '2025-03-12T22:16:31.5164086Z',
  registryId: TOPIC,
  registryName: 'contosoprod',
  // chart events carry neither request.host nor target.url: named from the registry
  loginServer: 'contosoprod.azurecr.io',
  repository: 'repo',
  tag: 'mychart-1.0.0.tgz',
  digest: DIGEST_CHART,
  mediaType: 'application/vnd.acr.helm.chart',
  size: 25265,
  timestamp: '2025-03-12T22:16:31.0087496+00:00',
};

const CHART_DELETED_EVENTGRID: RegistryEvent = {
  ...CHART_PUSHED_EVENTGRID,
  kind: 'chart_deleted',
  eventId: '39136b3a-1a7e-416f-a09e-5c85d5402fca',
  eventType: 'Microsoft.ContainerRegistry.ChartDeleted',
  eventTime: '2025-03-12T22:42:08.7034064Z',
  timestamp: '2025-03-12T22:42:08.3783775+00:00',
};

describe('parseEventBatch: ACR events in both schemas', () => {
  const cases: Array<[file: string, expected: RegistryEvent]> = [
    ['eventgrid-image-pushed.json', PUSHED_EVENTGRID],
    ['eventgrid-image-deleted.json', DELETED_EVENTGRID],
    ['eventgrid-chart-pushed.json', CHART_PUSHED_EVENTGRID],
    ['eventgrid-chart-deleted.json', CHART_DELETED_EVENTGRID],
    ['cloudevents-image-pushed.json', { ...PUSHED_EVENTGRID, schema: 'cloudevents' }],
    ['cloudevents-image-deleted.json', { ...DELETED_EVENTGRID, schema: 'cloudevents' }],
    ['cloudevents-chart-pushed.json', { ...CHART_PUSHED_EVENTGRID, schema: 'cloudevents' }],
    ['cloudevents-chart-deleted.json', { ...CHART_DELETED_EVENTGRID, schema: 'cloudevents' }],
  ];

  it.each(cases)('%s from a JSON string', (file, expected) => {
    expect(parseEventBatch(fixtureText(file))).toEqual({ events: [expected], ignored: [], rejected: [] });
  });

  it.each(cases)('%s from bytes, a parsed array and a single parsed object', (file, expected) => {
    const want = { events: [expected], ignored: [], rejected: [] };
    expect(parseEventBatch(Buffer.from(fixtureText(file), 'utf8'))).toEqual(want);
    expect(parseEventBatch(fixture(file))).toEqual(want);
    expect(parseEventBatch(fixture(file)[0])).toEqual(want);
    expect(parseEventBatch(JSON.stringify(fixture(file)[0]))).toEqual(want);
  });

  it.each(cases)('%s is also accepted by EventGridDeserializer, and isSystemEvent agrees on the type', async (file, expected) => {
    expect(await sdkView(expected.schema, fixtureText(file), expected.eventType)).toEqual({ ids: [expected.eventId], systemEvent: true });
  });

  it('a body with a byte-order mark parses', () => {
    expect(parseEventBatch('\ufeff' + fixtureText(PUSH)).events).toEqual([PUSHED_EVENTGRID]);
  });

  it('loginServer falls back to the host of data.target.url when there is no request', () => {
    const e = acceptedOf(
      mutated(PUSH, (w) => {
        delete w.data.request;
        w.data.target.url = `https://ContosoProd.azurecr.io/v2/team/api/manifests/${DIGEST_PUSH}`;
      }),
    );
    expect(e.loginServer).toBe('contosoprod.azurecr.io');
    expect(e.request).toBeUndefined();
  });

  it('request.host wins over data.target.url', () => {
    const e = acceptedOf(mutated(PUSH, (w) => (w.data.target.url = 'https://other.azurecr.io/v2/x/manifests/y')));
    expect(e.loginServer).toBe('contosoprod.azurecr.io');
  });

  it('loginServerSuffix names the login server of chart events in sovereign clouds', () => {
    const [raw] = fixture('eventgrid-chart-pushed.json');
    expect(acceptedOf(raw, { loginServerSuffix: 'azurecr.cn' }).loginServer).toBe('contosoprod.azurecr.cn');
  });

  it('a login server suffix that is not a DNS suffix rejects events that need it, and only those', () => {
    const r = parseEventBatch([fixture('eventgrid-chart-pushed.json')[0], fixture(PUSH)[0]], { loginServerSuffix: 'azurecr.io/evil' });
    expect(r.events.map((e) => e.loginServer)).toEqual(['contosoprod.azurecr.io']);
    expect(r.rejected).toEqual([{ index: 0, eventId: CHART_PUSHED_EVENTGRID.eventId, field: 'data.request.host', reason: expect.stringMatching(/suffix/) }]);
  });

  it('size falls back to length; empty optional strings count as absent', () => {
    const e = acceptedOf(
      mutated(PUSH, (w) => {
        delete w.data.target.size;
        w.data.target.length = 4096;
        w.data.target.tag = '';
        w.data.actor = { name: '' };
        w.data.source = {};
        w.data.request = { host: 'contosoprod.azurecr.io', addr: null };
      }),
    );
    expect(e.size).toBe(4096);
    expect(e).not.toHaveProperty('tag');
    expect(e).not.toHaveProperty('actor');
    expect(e).not.toHaveProperty('source');
    expect(e.request).toEqual({ host: 'contosoprod.azurecr.io' });
  });

  it('CloudEvents without time take eventTime from data.timestamp', () => {
    const e = acceptedOf(mutated(CE_PUSH, (w) => delete w.time));
    expect(e.eventTime).toBe('2025-05-14T09:12:47.276585742Z');
  });

  it.each([
    ['sha512', `sha512:${'ab'.repeat(64)}`],
    ['an unregistered algorithm', 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8'],
  ])('accepts a %s digest', (_name, digest) => {
    expect(acceptedOf(mutated(PUSH, (w) => (w.data.target.digest = digest))).digest).toBe(digest);
  });

  it.each([
    ['nested path with every separator', 'team/sub.group/api_v2__x-y--z'],
    ['256 characters', `${'a'.repeat(127)}/${'b'.repeat(128)}`],
  ])('accepts a repository: %s', (_name, repository) => {
    expect(acceptedOf(mutated(PUSH, (w) => (w.data.target.repository = repository))).repository).toBe(repository);
  });

  it.each(['latest', 'v1', '_private', '1.0.0-rc.1', 'A'.repeat(128)])('accepts tag %s', (tag) => {
    expect(acceptedOf(mutated(PUSH, (w) => (w.data.target.tag = tag))).tag).toBe(tag);
  });

  it.each(['localhost:5000', '10.1.2.3:8080', '[fd00::1]:443', 'edge-registry'])('accepts request.host %s (connected registries)', (host) => {
    expect(acceptedOf(mutated(PUSH, (w) => (w.data.request.host = host))).loginServer).toBe(host);
  });
});

describe('parseEventBatch: batches', () => {
  it('a mixed batch: every event accounted for once, in order, with index and id', () => {
    const r = parseEventBatch(fixtureText('eventgrid-batch.json'));
    expect(r.events.map((e) => [e.schema, e.kind, e.eventId, e.repository, e.tag])).toEqual([
      ['eventgrid', 'image_pushed', '831e1650-001e-001b-66ab-eeb76e069631', 'team/api', '1.4.2'],
      ['eventgrid', 'image_deleted', 'f06e3921-301f-42ec-b368-212f7d5354bd', 'team/api', undefined],
      ['eventgrid', 'image_pushed', 'c2f0a7d4-5e6b-4c8d-9a0b-1c2d3e4f5a6b', 'team/web', '2025.05.14-1'],
      ['cloudevents', 'image_pushed', '831e1650-001e-001b-66ab-eeb76e069631', 'team/api', '1.4.2'],
    ]);
    expect(r.ignored).toEqual([
      {
        index: 2,
        eventId: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        reason: expect.stringMatching(/validation handshake.*answered by the Event Grid trigger/),
      },
      { index: 3, eventId: '7a3b2f10-9d1e-4c6a-b1f2-3e4d5c6b7a80', eventType: 'Microsoft.Storage.BlobCreated', reason: 'not an Azure Container Registry event' },
    ]);
    expect(r.rejected).toEqual([{ index: 4, eventId: 'b7c1d2e3-0000-4000-8000-000000000001', field: 'data.target.digest', reason: 'is missing' }]);
  });

  it('a subscription validation event alone is ignored, with a reason naming the handshake', () => {
    const r = parseEventBatch(fixtureText('subscription-validation.json'));
    expect(r.events).toEqual([]);
    expect(r.rejected).toEqual([]);
    expect(r.ignored).toHaveLength(1);
    expect(r.ignored[0]!.reason).toContain('validation handshake');
    expect(r.ignored[0]!.reason).toContain('trigger');
  });

  it('an unhandled ACR event type is ignored with its own reason', () => {
    const r = only(mutated(PUSH, (w) => (w.eventType = 'Microsoft.ContainerRegistry.ImageQuarantined')));
    expect(r.ignored[0]!.reason).toMatch(/ACR event type not handled/);
  });

  it('an empty array is an empty batch', () => {
    expect(parseEventBatch('[]')).toEqual({ events: [], ignored: [], rejected: [] });
  });

  it('entries beyond 5,000 are rejected, each once', () => {
    const raw = fixture(PUSH)[0];
    const r = parseEventBatch(Array.from({ length: EVENT_LIMITS.batchEvents + 2 }, () => raw));
    expect(r.events).toHaveLength(EVENT_LIMITS.batchEvents);
    expect(r.rejected.map((x) => [x.index, x.field])).toEqual([
      [5000, '$'],
      [5001, '$'],
    ]);
  });
});

describe('parseEventBatch: bodies that are not events', () => {
  it.each<[string, unknown, RegExp]>([
    ['a truncated JSON body', fixtureText('malformed-truncated.json.txt'), /not valid JSON/],
    ['an empty string', '', /not valid JSON/],
    ['plain text', 'hello', /not valid JSON/],
    ['an XML body', '<event/>', /not valid JSON/],
    ['JSON null', 'null', /got null/],
    ['a JSON number', '42', /got a number/],
    ['a JSON string', '"Microsoft.ContainerRegistry.ImagePushed"', /got a string/],
    ['undefined', undefined, /got a undefined/],
    ['a parsed number', 7, /got a number/],
    ['invalid UTF-8 bytes', new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]), /not valid UTF-8/],
  ])('%s is one rejection with index -1 and field $', (_name, body, reason) => {
    const r = parseEventBatch(body);
    expect(r.events).toEqual([]);
    expect(r.ignored).toEqual([]);
    expect(r.rejected).toEqual([{ index: -1, field: '$', reason: expect.stringMatching(reason) }]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 42],
    ['a string', 'event'],
    ['an array', []],
  ])('a batch entry that is %s is rejected at its index with field $', (_name, entry) => {
    const r = parseEventBatch([fixture(PUSH)[0], entry]);
    expect(r.events).toHaveLength(1);
    expect(r.rejected).toEqual([{ index: 1, field: '$', reason: expect.stringMatching(/expected an event object/) }]);
  });

  it('a cyclic object is rejected, not thrown', () => {
    const e = mutated(PUSH, () => {});
    e.data.self = e;
    expect(rejectedOf(e)).toEqual({ index: 0, eventId: PUSHED_EVENTGRID.eventId, field: '$', reason: 'the event is not serialisable as JSON (it refers to itself)' });
  });

  it('a BigInt is rejected, not thrown', () => {
    const e = mutated(PUSH, (w) => (w.data.target.size = 10n));
    expect(rejectedOf(e).field).toBe('$');
  });

  it('a getter that throws is rejected, not thrown', () => {
    const e = mutated(PUSH, () => {});
    Object.defineProperty(e, 'data', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(rejectedOf(e)).toMatchObject({ index: 0, field: '$' });
  });

  it('a Proxy whose traps throw is rejected as a body, not thrown', () => {
    const hostile = new Proxy([], {
      get() {
        throw new Error('boom');
      },
    });
    const r = parseEventBatch(hostile);
    expect(r.events).toEqual([]);
    expect(r.rejected.length + r.ignored.length).toBeGreaterThan(0);
  });

  it('an event over 1 MB is rejected as a whole', () => {
    const e = mutated(PUSH, (w) => (w.data.padding = 'x'.repeat(EVENT_LIMITS.eventBytes)));
    expect(rejectedOf(e)).toEqual({ index: 0, eventId: PUSHED_EVENTGRID.eventId, field: '$', reason: expect.stringMatching(/larger than 1048576 bytes/) });
  });

  it('inherited properties are not read as event fields', () => {
    const e = mutated(PUSH, () => {});
    const proto = { data: e.data };
    const child = Object.assign(Object.create(proto) as Wire, e);
    delete child.data;
    expect(rejectedOf(child)).toMatchObject({ field: 'data', reason: 'is missing' });
  });
});

describe('parseEventBatch: injection attempts', () => {
  const r = parseEventBatch(fixtureText('injection-attempts.json'));
  it('none is accepted', () => {
    expect(r.events).toEqual([]);
    expect(r.ignored).toEqual([]);
  });
  it.each([
    [0, 'inj-tag-crlf', 'data.target.tag', 'contains a control or bidirectional-formatting character (U+000D at index 3)'],
    [1, 'inj-repo-script', 'data.target.repository', 'does not match the OCI repository name grammar (lower-case path components separated by "/")'],
    [2, 'inj-actor-rlo', 'data.actor.name', 'contains a control or bidirectional-formatting character (U+202E at index 5)'],
    [3, 'inj-host-header', 'data.request.host', 'contains a control or bidirectional-formatting character (U+000D at index 22)'],
    [4, 'inj-topic-other-provider', 'topic', expect.stringMatching(/^not a registry ARM id/)],
  ])('entry %i (%s) is rejected naming %s', (index, eventId, field, reason) => {
    expect(r.rejected).toContainEqual({ index, eventId, field, reason });
  });
  it('reasons never repeat the offending value', () => {
    for (const x of r.rejected) expect(x.reason).not.toMatch(/<script>|Bcc|X-Injected|gnp/);
  });
});

describe('parseEventBatch: field validation names the exact field', () => {
  type Case = [name: string, file: string, mutate: (w: Wire) => void, field: string, reason: string | RegExp];
  const cases: Case[] = [
    // envelope (Event Grid schema)
    ['id missing', PUSH, (w) => delete w.id, 'id', 'is missing'],
    ['id a number', PUSH, (w) => (w.id = 42), 'id', 'expected a string, got a number'],
    ['id too long', PUSH, (w) => (w.id = 'x'.repeat(257)), 'id', 'longer than 256 characters (257)'],
    ['eventType missing', PUSH, (w) => delete w.eventType, 'eventType', 'is missing'],
    ['eventType wrong case', PUSH, (w) => (w.eventType = 'microsoft.containerregistry.imagepushed'), 'eventType', /case-sensitive/],
    ['eventType with a newline', PUSH, (w) => (w.eventType = 'Microsoft.ContainerRegistry.ImagePushed\n'), 'eventType', /U\+000A/],
    ['subject missing', PUSH, (w) => delete w.subject, 'subject', 'is missing'],
    ['eventTime missing', PUSH, (w) => delete w.eventTime, 'eventTime', 'is missing'],
    ['eventTime with a 3-digit year', PUSH, (w) => (w.eventTime = '019-03-12T22:42:08.7034064Z'), 'eventTime', 'does not match an RFC 3339 date-time'],
    ['eventTime on 30 February', PUSH, (w) => (w.eventTime = '2025-02-30T00:00:00Z'), 'eventTime', 'does not match an RFC 3339 date-time'],
    ['eventTime without zone', PUSH, (w) => (w.eventTime = '2025-05-14T09:12:47'), 'eventTime', 'does not match an RFC 3339 date-time'],
    ['dataVersion missing', PUSH, (w) => delete w.dataVersion, 'dataVersion', 'is missing'],
    ['metadataVersion missing', PUSH, (w) => delete w.metadataVersion, 'metadataVersion', 'is missing'],
    ['metadataVersion 2', PUSH, (w) => (w.metadataVersion = '2'), 'metadataVersion', /expected "1"/],
    ['topic missing', PUSH, (w) => delete w.topic, 'topic', 'is missing'],
    ['topic of a storage account', PUSH, (w) => (w.topic = TOPIC.replace('Microsoft.ContainerRegistry/registries', 'Microsoft.Storage/storageAccounts')), 'topic', /^not a registry ARM id/],
    ['topic of a replication', PUSH, (w) => (w.topic = `${TOPIC}/replications/eastus`), 'topic', /^not a registry ARM id/],
    ['topic with a trailing slash', PUSH, (w) => (w.topic = `${TOPIC}/`), 'topic', /^not a registry ARM id/],
    ['data missing', PUSH, (w) => delete w.data, 'data', 'is missing'],
    ['data a string', PUSH, (w) => (w.data = '{}'), 'data', 'expected an object, got a string'],
    // envelope (CloudEvents)
    ['specversion 0.3', CE_PUSH, (w) => (w.specversion = '0.3'), 'specversion', 'expected "1.0", got another version'],
    ['specversion a number', CE_PUSH, (w) => (w.specversion = 1), 'specversion', 'expected "1.0", got a number'],
    ['type missing', CE_PUSH, (w) => delete w.type, 'type', 'is missing'],
    ['source missing', CE_PUSH, (w) => delete w.source, 'source', 'is missing'],
    ['source not an ARM id', CE_PUSH, (w) => (w.source = 'https://contosoprod.azurecr.io'), 'source', /^not a registry ARM id/],
    ['time malformed', CE_PUSH, (w) => (w.time = 'yesterday'), 'time', 'does not match an RFC 3339 date-time'],
    ['binary data', CE_PUSH, (w) => (w.data_base64 = 'e30='), 'data_base64', /not base64/],
    ['non-JSON content type', CE_PUSH, (w) => (w.datacontenttype = 'text/plain'), 'datacontenttype', /expected application\/json/],
    // data
    ['data.timestamp missing', PUSH, (w) => delete w.data.timestamp, 'data.timestamp', 'is missing'],
    ['data.target missing', PUSH, (w) => delete w.data.target, 'data.target', 'is missing'],
    ['data.target an array', PUSH, (w) => (w.data.target = []), 'data.target', 'expected an object, got an array'],
    ['repository missing', PUSH, (w) => delete w.data.target.repository, 'data.target.repository', 'is missing'],
    ['repository a number', PUSH, (w) => (w.data.target.repository = 7), 'data.target.repository', 'expected a string, got a number'],
    ['repository upper-case', PUSH, (w) => (w.data.target.repository = 'Team/API'), 'data.target.repository', /OCI repository name grammar/],
    ['repository with //', PUSH, (w) => (w.data.target.repository = 'a//b'), 'data.target.repository', /OCI repository name grammar/],
    ['repository with a leading /', PUSH, (w) => (w.data.target.repository = '/a'), 'data.target.repository', /OCI repository name grammar/],
    ['repository with ..', PUSH, (w) => (w.data.target.repository = 'a/../b'), 'data.target.repository', /OCI repository name grammar/],
    ['repository with a triple underscore', PUSH, (w) => (w.data.target.repository = 'a___b'), 'data.target.repository', /OCI repository name grammar/],
    ['repository 257 characters', PUSH, (w) => (w.data.target.repository = 'a'.repeat(257)), 'data.target.repository', 'longer than 256 characters (257)'],
    ['repository with NUL', PUSH, (w) => (w.data.target.repository = 'a\u0000b'), 'data.target.repository', /U\+0000 at index 1/],
    ['tag starting with a dot', PUSH, (w) => (w.data.target.tag = '.hidden'), 'data.target.tag', /tag grammar/],
    ['tag with a slash', PUSH, (w) => (w.data.target.tag = '1.0/evil'), 'data.target.tag', /tag grammar/],
    ['tag 129 characters', PUSH, (w) => (w.data.target.tag = 'a'.repeat(129)), 'data.target.tag', 'longer than 128 characters (129)'],
    ['tag with U+2028', PUSH, (w) => (w.data.target.tag = 'v1\u2028'), 'data.target.tag', /U\+2028/],
    ['tag a number', PUSH, (w) => (w.data.target.tag = 1), 'data.target.tag', 'expected a string, got a number'],
    ['digest missing on a delete', 'eventgrid-image-deleted.json', (w) => delete w.data.target.digest, 'data.target.digest', 'is missing'],
    ['digest too short', PUSH, (w) => (w.data.target.digest = 'sha256:abc'), 'data.target.digest', 'a sha256 digest is 64 lower-case hex characters'],
    ['digest upper-case hex', PUSH, (w) => (w.data.target.digest = DIGEST_PUSH.toUpperCase().replace('SHA256', 'sha256')), 'data.target.digest', /64 lower-case hex/],
    ['digest without algorithm', PUSH, (w) => (w.data.target.digest = DIGEST_PUSH.slice(7)), 'data.target.digest', /OCI digest grammar/],
    ['digest with an upper-case algorithm', PUSH, (w) => (w.data.target.digest = DIGEST_PUSH.replace('sha256', 'SHA256')), 'data.target.digest', /OCI digest grammar/],
    ['digest sha512 too short', PUSH, (w) => (w.data.target.digest = `sha512:${'a'.repeat(64)}`), 'data.target.digest', /128 lower-case hex/],
    ['mediaType with parameters', PUSH, (w) => (w.data.target.mediaType = 'text/html; charset=utf-8'), 'data.target.mediaType', /media type/],
    ['size negative', PUSH, (w) => (w.data.target.size = -1), 'data.target.size', 'expected a non-negative integer, got -1'],
    ['size fractional', PUSH, (w) => (w.data.target.size = 1.5), 'data.target.size', 'expected a non-negative integer, got 1.5'],
    ['size a string', PUSH, (w) => (w.data.target.size = '3023'), 'data.target.size', 'expected a non-negative integer, got a string'],
    ['length negative', PUSH, (w) => (w.data.target.length = -3), 'data.target.length', /non-negative integer/],
    ['url with a javascript: scheme', PUSH, (w) => (w.data.target.url = 'javascript:alert(1)'), 'data.target.url', 'expected an https URL'],
    ['url relative', PUSH, (w) => (w.data.target.url = '/v2/team/api/manifests/x'), 'data.target.url', 'not an absolute URL'],
    ['url with a tab (URL parsers strip it)', PUSH, (w) => (w.data.target.url = 'https://contoso\t.azurecr.io/v2/'), 'data.target.url', /U\+0009/],
    ['request an array', PUSH, (w) => (w.data.request = []), 'data.request', 'expected an object, got an array'],
    ['request.host with a space', PUSH, (w) => (w.data.request.host = 'evil host'), 'data.request.host', 'not a valid host name'],
    ['request.host with an underscore', PUSH, (w) => (w.data.request.host = 'exa_mple.azurecr.io'), 'data.request.host', 'not a valid host name'],
    ['request.host with a path', PUSH, (w) => (w.data.request.host = 'contosoprod.azurecr.io/x'), 'data.request.host', 'not a valid host name'],
    ['request.host with a bad port', PUSH, (w) => (w.data.request.host = 'contosoprod.azurecr.io:99999'), 'data.request.host', 'not a valid host name'],
    ['request.host with a user', PUSH, (w) => (w.data.request.host = 'user@contosoprod.azurecr.io'), 'data.request.host', 'not a valid host name'],
    ['request.host with RLO', PUSH, (w) => (w.data.request.host = 'contoso\u202eoi.rcrueza'), 'data.request.host', /U\+202E/],
    ['request.method lower-case', PUSH, (w) => (w.data.request.method = 'put'), 'data.request.method', /HTTP method/],
    ['request.useragent too long', PUSH, (w) => (w.data.request.useragent = 'u'.repeat(1025)), 'data.request.useragent', /longer than 1024/],
    ['request.useragent with ESC', PUSH, (w) => (w.data.request.useragent = 'curl\u001b[31m'), 'data.request.useragent', /U\+001B/],
    ['actor a string', PUSH, (w) => (w.data.actor = 'root'), 'data.actor', 'expected an object, got a string'],
    ['actor.name a number', PUSH, (w) => (w.data.actor.name = 0), 'data.actor.name', 'expected a string, got a number'],
    ['actor.name 257 characters', PUSH, (w) => (w.data.actor.name = 'a'.repeat(257)), 'data.actor.name', 'longer than 256 characters (257)'],
    ['actor.name with U+2066', PUSH, (w) => (w.data.actor.name = 'admin\u2066x'), 'data.actor.name', /U\+2066/],
    ['actor.name with LRM', PUSH, (w) => (w.data.actor.name = 'admin\u200e'), 'data.actor.name', /U\+200E/],
    ['actor.name with a C1 control', PUSH, (w) => (w.data.actor.name = 'admin\u0085'), 'data.actor.name', /U\+0085/],
    ['actor.name with DEL', PUSH, (w) => (w.data.actor.name = 'admin\u007f'), 'data.actor.name', /U\+007F/],
    ['actor.name with a lone surrogate', PUSH, (w) => (w.data.actor.name = 'admin\ud800'), 'data.actor.name', /unpaired UTF-16 surrogate/],
    ['source.instanceID a number', PUSH, (w) => (w.data.source.instanceID = 1), 'data.source.instanceID', /expected a string/],
    ['chart event: repository upper-case', 'eventgrid-chart-pushed.json', (w) => (w.data.target.repository = 'Repo'), 'data.target.repository', /OCI repository/],
  ];

  it.each(cases)('%s', (_name, file, mutate, field, reason) => {
    const wire = mutated(file, mutate);
    const rejected = rejectedOf(wire);
    expect(rejected.index).toBe(0);
    expect(rejected.field).toBe(field);
    if (typeof reason === 'string') expect(rejected.reason).toBe(reason);
    else expect(rejected.reason).toMatch(reason);
    // the event id is kept on rejects when present and safe to repeat
    const id = typeof wire.id === 'string' && wire.id.length <= 256 ? wire.id : undefined;
    expect(rejected.eventId).toBe(id);
  });

  it('an actor with an emoji (a valid surrogate pair) is accepted', () => {
    expect(acceptedOf(mutated(PUSH, (w) => (w.data.actor.name = 'ci 🚀'))).actor).toBe('ci 🚀');
  });
});

describe('registryFromResourceId', () => {
  it.each<[string, ReturnType<typeof registryFromResourceId>]>([
    [TOPIC, { subscriptionId: '0f6b3c8e-2d4a-4b7e-9c1d-3a5e7f9b2c4d', resourceGroup: 'rg-acr-prod', name: 'contosoprod' }],
    [TOPIC.toLowerCase(), { subscriptionId: '0f6b3c8e-2d4a-4b7e-9c1d-3a5e7f9b2c4d', resourceGroup: 'rg-acr-prod', name: 'contosoprod' }],
    [
      '/SUBSCRIPTIONS/0F6B3C8E-2D4A-4B7E-9C1D-3A5E7F9B2C4D/RESOURCEGROUPS/RG(Prod).east/PROVIDERS/MICROSOFT.CONTAINERREGISTRY/REGISTRIES/ContosoProd',
      { subscriptionId: '0F6B3C8E-2D4A-4B7E-9C1D-3A5E7F9B2C4D', resourceGroup: 'RG(Prod).east', name: 'ContosoProd' },
    ],
    [TOPIC.replace('rg-acr-prod', 'rg-ünïcode'), { subscriptionId: '0f6b3c8e-2d4a-4b7e-9c1d-3a5e7f9b2c4d', resourceGroup: 'rg-ünïcode', name: 'contosoprod' }],
    [`${TOPIC}/`, undefined],
    [`${TOPIC}/replications/eastus`, undefined],
    [TOPIC.replace('0f6b3c8e-2d4a-4b7e-9c1d-3a5e7f9b2c4d', 'not-a-guid'), undefined],
    [TOPIC.replace('contosoprod', 'acr'), undefined],
    [TOPIC.replace('contosoprod', 'contoso-prod'), undefined],
    [TOPIC.replace('rg-acr-prod', 'rg.'), undefined],
    [TOPIC.replace('rg-acr-prod', 'rg/acr'), undefined],
    [TOPIC.replace('Microsoft.ContainerRegistry', 'Microsoft.ContainerRegistryX'), undefined],
    [TOPIC.slice(1), undefined],
    ['', undefined],
    [TOPIC.replace('rg-acr-prod', 'rg\u202eacr'), undefined],
  ])('%s', (id, expected) => {
    expect(registryFromResourceId(id)).toEqual(expected);
  });
});
