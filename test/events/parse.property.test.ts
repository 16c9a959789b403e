import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEventBatch, type ParsedBatch, type RegistryEvent, type RegistryEventKind } from '../../shared/events/parse.js';
import { fixture, type Wire } from './fixtures.js';
import { sdkView } from './sdkCheck.js';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Characters an attacker would try, mixed with ones that are legal in names. */
const HOSTILE_CHARS = [
  '\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u061c', '\u200e', '\u200f', '\u2028', '\u2029',
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\ud800', '\udc00',
  '<', '>', '"', "'", ' ', ':', '@', '%', '\\',
  'a', 'b', 'z', '0', '9', 'A', 'Z', '/', '.', '_', '-',
];
const hostileString = fc.string({ unit: fc.constantFrom(...HOSTILE_CHARS), maxLength: 40 });

const KINDS: Record<RegistryEventKind, string> = {
  image_pushed: 'Microsoft.ContainerRegistry.ImagePushed',
  image_deleted: 'Microsoft.ContainerRegistry.ImageDeleted',
  chart_pushed: 'Microsoft.ContainerRegistry.ChartPushed',
  chart_deleted: 'Microsoft.ContainerRegistry.ChartDeleted',
};

const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
const alnum = fc.string({ unit: fc.constantFrom(...lower), minLength: 1, maxLength: 8 });
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const repository = fc.array(pathComponent, { minLength: 1, maxLength: 4 }).map((c) => c.join('/'));
const tag = fc.stringMatching(/^[\w][\w.-]{0,40}$/);
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const digest = fc.oneof(hex(64).map((h) => `sha256:${h}`), hex(128).map((h) => `sha512:${h}`));
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const host = fc.array(label, { minLength: 2, maxLength: 4 }).map((l) => l.join('.'));
const safeText = fc.string({ unit: fc.constantFrom(...'abcXYZ019 .-_@()/:;,+é漢🚀'), minLength: 1, maxLength: 60 });
const iso = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const registryName = fc.stringMatching(/^[a-zA-Z0-9]{5,50}$/);
const resourceGroup = fc.stringMatching(/^[-\w()]{0,89}[-\w()]$/);

interface Spec {
  schema: RegistryEvent['schema'];
  kind: RegistryEventKind;
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  registryName: string;
  time: string;
  timestamp: string;
  repository: string;
  tag?: string;
  digest: string;
  size?: number;
  actor?: string;
  host?: string;
  useragent?: string;
}

const spec: fc.Arbitrary<Spec> = fc.record(
  {
    schema: fc.constantFrom('eventgrid' as const, 'cloudevents' as const),
    kind: fc.constantFrom(...(Object.keys(KINDS) as RegistryEventKind[])),
    id: fc.uuid(),
    subscriptionId: fc.uuid(),
    resourceGroup,
    registryName,
    time: iso,
    timestamp: iso,
    repository,
    tag,
    digest,
    size: fc.nat(),
    actor: safeText,
    host,
    useragent: safeText,
  },
  { requiredKeys: ['schema', 'kind', 'id', 'subscriptionId', 'resourceGroup', 'registryName', 'time', 'timestamp', 'repository', 'digest'] },
);

function registryId(s: Spec): string {
  return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${s.registryName}`;
}

/** The wire event ACR would deliver for `s`. */
function toWire(s: Spec): Wire {
  const data: Wire = {
    id: 'd1f3e5a7-0000-4000-8000-000000000000',
    timestamp: s.timestamp,
    action: s.kind,
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: s.digest,
      repository: s.repository,
      ...(s.tag !== undefined ? { tag: s.tag } : {}),
      ...(s.size !== undefined ? { size: s.size, length: s.size } : {}),
    },
    ...(s.host !== undefined || s.useragent !== undefined
      ? { request: { ...(s.host !== undefined ? { host: s.host } : {}), ...(s.useragent !== undefined ? { useragent: s.useragent } : {}) } }
      : {}),
    ...(s.actor !== undefined ? { actor: { name: s.actor } } : {}),
  };
  const subject = `${s.repository}${s.tag !== undefined ? `:${s.tag}` : ''}`;
  return s.schema === 'cloudevents'
    ? { specversion: '1.0', id: s.id, source: registryId(s), subject, type: KINDS[s.kind], time: s.time, data }
    : { id: s.id, topic: registryId(s), subject, eventType: KINDS[s.kind], eventTime: s.time, data, dataVersion: '1.0', metadataVersion: '1' };
}

/** The RegistryEvent the parser must produce for `s`. */
function expected(s: Spec): RegistryEvent {
  const e: RegistryEvent = {
    kind: s.kind,
    schema: s.schema,
    eventId: s.id,
    eventType: KINDS[s.kind],
    eventTime: s.time,
    registryId: registryId(s),
    registryName: s.registryName,
    loginServer: s.host ?? `${s.registryName.toLowerCase()}.azurecr.io`,
    repository: s.repository,
    digest: s.digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    timestamp: s.timestamp,
  };
  if (s.tag !== undefined) e.tag = s.tag;
  if (s.size !== undefined) e.size = s.size;
  if (s.actor !== undefined) e.actor = s.actor;
  if (s.host !== undefined || s.useragent !== undefined) {
    e.request = { ...(s.host !== undefined ? { host: s.host } : {}), ...(s.useragent !== undefined ? { useragent: s.useragent } : {}) };
  }
  return e;
}

/** A valid event with one field replaced by something hostile. */
const hostileWire = fc
  .tuple(spec, fc.constantFrom('repository', 'tag', 'actor', 'host', 'digest', 'topic'), hostileString)
  .map(([s, field, value]) => {
    const w = toWire(s);
    if (field === 'repository') w.data.target.repository = value;
    if (field === 'tag') w.data.target.tag = value;
    if (field === 'actor') w.data.actor = { name: value };
    if (field === 'host') w.data.request = { host: value };
    if (field === 'digest') w.data.target.digest = value;
    if (field === 'topic') w[s.schema === 'cloudevents' ? 'source' : 'topic'] = value;
    return w;
  });

const realFixtures = [
  'eventgrid-image-pushed.json',
  'eventgrid-image-deleted.json',
  'eventgrid-chart-pushed.json',
  'cloudevents-image-pushed.json',
  'subscription-validation.json',
].map((f) => fixture(f)[0]);

/** Each index appears once across ignored and rejected; events fill the rest. */
function expectAccounted(batch: ParsedBatch, length: number): void {
  expect(batch.events.length + batch.ignored.length + batch.rejected.length).toBe(length);
  const indexes = [...batch.ignored, ...batch.rejected].map((x) => x.index);
  expect(new Set(indexes).size).toBe(indexes.length);
  for (const i of indexes) {
    expect(i).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(length);
  }
}

describe('parseEventBatch properties', () => {
  it('never throws on arbitrary strings, JSON text, bytes or values', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json(), fc.jsonValue(), fc.anything(), fc.uint8Array(), hostileWire),
        (input) => {
          const r = parseEventBatch(input);
          expect(Array.isArray(r.events) && Array.isArray(r.ignored) && Array.isArray(r.rejected)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on mutated real events (every leaf replaced by arbitrary JSON)', () => {
    const leafPaths = (o: unknown, prefix: string[] = []): string[][] =>
      o !== null && typeof o === 'object'
        ? Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => [[...prefix, k], ...leafPaths(v, [...prefix, k])])
        : [];
    fc.assert(
      fc.property(fc.constantFrom(...realFixtures), fc.nat(), fc.jsonValue(), (base, pick, value) => {
        const w = structuredClone(base) as Wire;
        const paths = leafPaths(w);
        const path = paths[pick % paths.length]!;
        let node = w;
        for (const k of path.slice(0, -1)) node = node[k];
        node[path.at(-1)!] = value;
        const r = parseEventBatch([w]);
        expectAccounted(r, 1);
      }),
      { numRuns: 1000 },
    );
  });

  it('accounts for every array entry exactly once', () => {
    const entry = fc.oneof(spec.map(toWire), hostileWire, fc.jsonValue(), fc.constantFrom(...realFixtures));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 25 }), fc.boolean(), (entries, asText) => {
        const r = parseEventBatch(asText ? JSON.stringify(entries) : entries);
        expectAccounted(r, entries.length);
      }),
      { numRuns: 300 },
    );
  });

  it('accepted events never carry control or bidi characters in repository, tag, actor or login server', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hostileWire, spec.map(toWire)), { minLength: 1, maxLength: 10 }), (entries) => {
        for (const e of parseEventBatch(entries).events) {
          for (const v of [e.repository, e.tag, e.actor, e.loginServer, e.request?.host, e.request?.useragent]) {
            if (v !== undefined) expect(v).not.toMatch(UNSAFE);
          }
          expect(e.repository).toMatch(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/);
          if (e.tag !== undefined) expect(e.tag).toMatch(/^[\w][\w.-]{0,127}$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('valid generated events round-trip their fields', () => {
    fc.assert(
      fc.property(spec, fc.boolean(), (s, asText) => {
        const w = toWire(s);
        expect(parseEventBatch(asText ? JSON.stringify([w]) : w)).toEqual({ events: [expected(s)], ignored: [], rejected: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('whatever the parser accepts, EventGridDeserializer accepts, and isSystemEvent agrees on the type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(spec.map(toWire), hostileWire), async (w) => {
        const r = parseEventBatch([w]);
        for (const e of r.events) {
          expect(await sdkView(e.schema, [w], e.eventType)).toEqual({ ids: [e.eventId], systemEvent: true });
        }
      }),
      { numRuns: 300 },
    );
  });
});
