/**
 * Parses Event Grid deliveries of Azure Container Registry events into domain `RegistryEvent`s.
 *
 * PURE: no SDK, no I/O. Accepts what a trigger or a queue hands over (a JSON string, decoded
 * bytes, or an already-parsed value; one event or a batch) in either delivery schema, detected per
 * event: an object with `specversion` is CloudEvents 1.0, anything else the Event Grid schema.
 *
 * Every input event ends up in exactly one of `events`, `ignored` (not an ACR event: e.g. the
 * subscription validation handshake) or `rejected` (malformed: the first offending field is named).
 * `parseEventBatch` never throws.
 *
 * Wire shape (Event Grid schema; CloudEvents uses source/type/time/specversion instead of
 * topic/eventType/eventTime/dataVersion/metadataVersion):
 *   { id, topic, subject, eventType, eventTime, dataVersion, metadataVersion: "1",
 *     data: { id, timestamp, action, location?,
 *             target: { mediaType?, size?, length?, digest, repository, tag?, url?, name?, version? },
 *             request?: { id?, addr?, host?, method?, useragent? }, actor?: { name? },
 *             source?: { addr?, instanceID? }, connectedRegistry?: { name? } } }
 * Delete events carry only digest + repository in `target`; chart events carry no request/actor.
 */
import { utf8Bytes } from '../domain/utf8.js';
import { parseRegistryId, type RegistryIdParts } from '../domain/armIds.js';

export type RegistryEventKind = 'image_pushed' | 'image_deleted' | 'chart_pushed' | 'chart_deleted';

export interface RegistryEvent {
  kind: RegistryEventKind;
  schema: 'eventgrid' | 'cloudevents';
  /** Event Grid event id (dedupe key across redeliveries). */
  eventId: string;
  /** e.g. Microsoft.ContainerRegistry.ImagePushed */
  eventType: string;
  /** ISO 8601 / RFC 3339, as delivered (`eventTime`, or CloudEvents `time`, else `data.timestamp`). */
  eventTime: string;
  /** ARM id of the registry from `topic` (Event Grid schema) or `source` (CloudEvents). */
  registryId: string;
  registryName: string;
  /**
   * Lower-case login server: from data.request.host, else the host of data.target.url, else (chart
   * events carry neither) `<registry name>.<loginServerSuffix>`.
   */
  loginServer: string;
  repository: string;
  tag?: string;
  digest: string;
  mediaType?: string;
  size?: number;
  actor?: string;
  request?: { id?: string; addr?: string; host?: string; method?: string; useragent?: string };
  source?: { addr?: string; instanceID?: string };
  /** the ACR event's own timestamp (data.timestamp) */
  timestamp: string;
}

export interface IgnoredEvent {
  index: number;
  eventId?: string;
  eventType?: string;
  reason: string;
}

export interface RejectedEvent {
  index: number;
  eventId?: string;
  /** Path of the first offending field, e.g. `data.target.repository`; `$` for the event (or body) itself. */
  field: string;
  reason: string;
}

export interface ParsedBatch {
  events: RegistryEvent[];
  ignored: IgnoredEvent[];
  rejected: RejectedEvent[];
}

export interface ParseEventBatchOptions {
  /**
   * DNS suffix used to name the login server when an event carries neither `data.request.host` nor
   * `data.target.url` (chart events). `azurecr.io` in the public cloud; `azurecr.cn`, `azurecr.us` in
   * sovereign clouds.
   */
  loginServerSuffix?: string;
}

/** The limits enforced by `parseEventBatch` (characters unless the name says bytes). */
export const EVENT_LIMITS = {
  /** Event Grid's own per-event limit: 1 MB, measured on the event's JSON in UTF-8. */
  eventBytes: 1_048_576,
  /** A whole body (string input): above this the body is rejected unread. */
  bodyChars: 64 * 1_048_576,
  /** Event Grid delivers 1-5,000 events per batch: later array entries are rejected. */
  batchEvents: 5_000,
  /** Nesting levels of one event (the event itself is level 1; ACR events nest 4: event, data, target). */
  depth: 32,
  id: 256,
  eventType: 256,
  subject: 1_024,
  resourceId: 1_024,
  time: 64,
  dataVersion: 32,
  action: 64,
  repository: 256,
  tag: 128,
  digest: 256,
  mediaType: 255,
  actor: 256,
  host: 259,
  addr: 300,
  method: 16,
  useragent: 1_024,
  url: 2_048,
  instanceID: 256,
} as const;

const EVENT_TYPES: Readonly<Record<string, RegistryEventKind>> = {
  'Microsoft.ContainerRegistry.ImagePushed': 'image_pushed',
  'Microsoft.ContainerRegistry.ImageDeleted': 'image_deleted',
  'Microsoft.ContainerRegistry.ChartPushed': 'chart_pushed',
  'Microsoft.ContainerRegistry.ChartDeleted': 'chart_deleted',
};

const IGNORE_REASONS: Readonly<Record<string, string>> = {
  'Microsoft.EventGrid.SubscriptionValidationEvent':
    'Event Grid subscription validation handshake: answered by the Event Grid trigger (Functions host) or the webhook endpoint, not an audit input',
  'Microsoft.EventGrid.SubscriptionDeletedEvent': 'Event Grid subscription deleted notice: not an audit input',
};

/**
 * Characters refused in every text field: C0 controls, DEL, C1 controls, line/paragraph separators,
 * bidi embeddings/overrides/isolates and the implicit bidi marks (LRM, RLM, ALM).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** OCI distribution-spec repository name: lower-case path components separated by `/`. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** OCI image-spec digest: algorithm ":" encoded; registered algorithms have fixed lower-case hex encodings. */
const DIGEST = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const REGISTERED_DIGESTS: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};
/** RFC 6838 type/subtype (ACR media types carry no parameters). */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const DNS_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`);
const IPV6_LITERAL = /^\[[0-9a-f:.]*:[0-9a-f:.]*\]$/;
const HTTP_METHOD = /^[A-Z]{1,16}$/;

/** Thrown inside one event's parse; becomes that event's `RejectedEvent`. Never escapes. */
class FieldError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own properties only: an already-parsed value may come with a prototype we do not trust. */
function own(o: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function unsafeCharReason(s: string): string | undefined {
  const m = UNSAFE_CHAR.exec(s);
  if (m) {
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `contains a control or bidirectional-formatting character (U+${code} at index ${m.index})`;
  }
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

interface TextRule {
  max: number;
  /** Grammar the value must match (checked after length and character safety). */
  pattern?: { test(value: string): boolean };
  /** What the grammar is, for the reason. */
  grammar?: string;
}

/** Validates a text value: type, emptiness, length, unsafe characters, grammar. */
function checkText(v: unknown, path: string, rule: TextRule): string {
  if (typeof v !== 'string') throw new FieldError(path, `expected a string, got ${describe(v)}`);
  if (v.length === 0) throw new FieldError(path, 'is empty');
  if (v.length > rule.max) throw new FieldError(path, `longer than ${rule.max} characters (${v.length})`);
  const unsafe = unsafeCharReason(v);
  if (unsafe) throw new FieldError(path, unsafe);
  if (rule.pattern && !rule.pattern.test(v)) throw new FieldError(path, `does not match ${rule.grammar ?? 'the expected format'}`);
  return v;
}

function requiredText(o: JsonObject, key: string, path: string, rule: TextRule): string {
  const v = own(o, key);
  if (v === undefined || v === null) throw new FieldError(path, 'is missing');
  return checkText(v, path, rule);
}

/** Absent, null and "" all mean "not given". */
function optionalText(o: JsonObject, key: string, path: string, rule: TextRule): string | undefined {
  const v = own(o, key);
  if (v === undefined || v === null || v === '') return undefined;
  return checkText(v, path, rule);
}

function optionalObject(o: JsonObject, key: string, path: string): JsonObject | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new FieldError(path, `expected an object, got ${describe(v)}`);
  return v;
}

function requiredObject(o: JsonObject, key: string, path: string): JsonObject {
  const v = optionalObject(o, key, path);
  if (v === undefined) throw new FieldError(path, 'is missing');
  return v;
}

function optionalSize(o: JsonObject, key: string, path: string): number | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new FieldError(path, `expected a non-negative integer, got ${typeof v === 'number' ? String(v) : describe(v)}`);
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  return [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** RFC 3339 date-time with calendar-valid fields (up to 9 fractional digits, as Go and .NET write). */
export function isIsoTimestamp(s: string): boolean {
  const m = ISO_TIME.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}

const TIME_RULE: TextRule = { max: EVENT_LIMITS.time, pattern: { test: isIsoTimestamp }, grammar: 'an RFC 3339 date-time' };

/** A host name or bracketed IPv6 literal, lower-case, with an optional port. */
export function isValidHost(host: string): boolean {
  if (host.length === 0 || host.length > EVENT_LIMITS.host) return false;
  let name = host;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return false;
    name = host.slice(0, close + 1);
    const rest = host.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return false;
      port = rest.slice(1);
    }
    if (!IPV6_LITERAL.test(name)) return false;
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) {
      name = host.slice(0, colon);
      port = host.slice(colon + 1);
    }
    if (name.length > 253 || !HOST_NAME.test(name)) return false;
  }
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535)) return false;
  return true;
}

/** Parses a registry ARM id (`/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>`), bounded for untrusted input. */
export function registryFromResourceId(id: string): RegistryIdParts | undefined {
  if (typeof id !== 'string' || id.length > EVENT_LIMITS.resourceId || unsafeCharReason(id)) return undefined;
  return parseRegistryId(id);
}


/** The id, when it is safe to repeat in an ignored/rejected record. */
function safeId(o: JsonObject): string | undefined {
  const v = own(o, 'id');
  return typeof v === 'string' && v.length > 0 && v.length <= EVENT_LIMITS.id && !unsafeCharReason(v) ? v : undefined;
}

/**
 * Why an event's structure cannot be read, found without recursion (so a hostile nesting depth cannot
 * overflow the stack) and without following a cycle: too deep, a cycle, or more values than an event of
 * EVENT_LIMITS.eventBytes can hold (which also bounds a shared sub-object referenced many times).
 */
function structureProblem(root: JsonObject): string | undefined {
  const onPath = new Set<object>();
  const stack: Array<{ value: object; depth: number; leave?: true }> = [{ value: root, depth: 1 }];
  let values = 0;
  while (stack.length) {
    const top = stack.pop()!;
    if (top.leave) {
      onPath.delete(top.value);
      continue;
    }
    if (onPath.has(top.value)) return 'the event is not serialisable as JSON (it refers to itself)';
    if (top.depth > EVENT_LIMITS.depth) return `nested deeper than ${EVENT_LIMITS.depth} levels (ACR events nest 4)`;
    if (++values > EVENT_LIMITS.eventBytes / 2) return `larger than ${EVENT_LIMITS.eventBytes} bytes`;
    onPath.add(top.value);
    stack.push({ value: top.value, depth: top.depth, leave: true });
    const children: unknown[] = Array.isArray(top.value) ? top.value : Object.values(top.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: top.depth + 1 });
    }
  }
  return undefined;
}

/**
 * CloudEvents 1.0 context attributes. The spec (cloudevents/spec, spec.md, "Attribute Naming Convention")
 * says CloudEvents attribute names MUST consist of lower-case letters ('a' to 'z') or digits ('0' to '9').
 */
const CLOUDEVENT_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'data_base64'];

/**
 * A top-level key that is a CloudEvents attribute in the wrong case (`specVersion`, `dataContentType`).
 * Decision (issue 10, item 11): reject it, naming that key, rather than accept it. Microsoft's "Azure
 * Container Registry as an Event Grid source" page (learn.microsoft.com/azure/event-grid/
 * event-schema-container-registry, Cloud event schema tab) spells `specversion` in its ImagePushed sample;
 * Event Grid delivers CloudEvents 1.0 as the spec requires, and the Azure SDK's own deserializer
 * (@azure/eventgrid `deserializeCloudEvents`, util.js validateCloudEventEvent) requires the lower-case
 * `specversion`. A `specVersion` event is therefore a hand-made or copied sample, not a delivery: saying
 * which attribute is wrong beats reading it as an Event Grid event with a "missing eventType".
 */
function wronglyCasedAttribute(o: JsonObject, cloud: boolean): { key: string; expected: string } | undefined {
  for (const key of Object.keys(o)) {
    const lower = key.toLowerCase();
    if (lower === key || !CLOUDEVENT_ATTRIBUTES.includes(lower)) continue;
    // In an Event Grid event only `specVersion` says "this was meant as a CloudEvent" (`id`, `subject`, `data` are shared).
    if (cloud || lower === 'specversion') return { key, expected: lower };
  }
  return undefined;
}

type Outcome =
  | { ok: 'event'; event: RegistryEvent }
  | { ok: 'ignored'; eventType?: string; reason: string };

function parseOne(raw: unknown, loginServerSuffix: string): Outcome {
  if (!isObject(raw)) throw new FieldError('$', `expected an event object, got ${describe(raw)}`);

  const structure = structureProblem(raw);
  if (structure) throw new FieldError('$', structure);
  let json: string | undefined;
  try {
    json = JSON.stringify(raw);
  } catch {
    throw new FieldError('$', 'the event is not serialisable as JSON');
  }
  if (json === undefined) throw new FieldError('$', 'the event is not serialisable as JSON');
  const bytes = utf8Bytes(json);
  if (bytes > EVENT_LIMITS.eventBytes) throw new FieldError('$', `larger than ${EVENT_LIMITS.eventBytes} bytes (${bytes})`);

  const miscased = wronglyCasedAttribute(raw, Object.prototype.hasOwnProperty.call(raw, 'specversion'));
  if (miscased) {
    throw new FieldError(miscased.key, `CloudEvents attribute names are lower case: expected ${JSON.stringify(miscased.expected)} (CloudEvents 1.0, Attribute Naming Convention)`);
  }
  const cloud = Object.prototype.hasOwnProperty.call(raw, 'specversion');
  const f = cloud
    ? { type: 'type', source: 'source', time: 'time' }
    : { type: 'eventType', source: 'topic', time: 'eventTime' };

  if (cloud) {
    const spec = own(raw, 'specversion');
    if (spec !== '1.0') throw new FieldError('specversion', `expected "1.0", got ${typeof spec === 'string' ? 'another version' : describe(spec)}`);
  }
  const eventId = requiredText(raw, 'id', 'id', { max: EVENT_LIMITS.id });
  const eventType = requiredText(raw, f.type, f.type, { max: EVENT_LIMITS.eventType });

  const kind = EVENT_TYPES[eventType];
  if (kind === undefined) {
    const known = Object.keys(EVENT_TYPES).find((t) => t.toLowerCase() === eventType.toLowerCase());
    if (known) throw new FieldError(f.type, `ACR event types are case-sensitive: expected ${known}`);
    return {
      ok: 'ignored',
      eventType,
      reason:
        IGNORE_REASONS[eventType] ??
        (eventType.startsWith('Microsoft.ContainerRegistry.')
          ? 'ACR event type not handled by the auditor (only ImagePushed, ImageDeleted, ChartPushed, ChartDeleted)'
          : 'not an Azure Container Registry event'),
    };
  }

  // Envelope.
  let eventTime: string | undefined;
  if (cloud) {
    eventTime = optionalText(raw, 'time', 'time', TIME_RULE);
    const contentType = optionalText(raw, 'datacontenttype', 'datacontenttype', { max: EVENT_LIMITS.mediaType });
    if (contentType !== undefined && !/^application\/(?:[\w.+-]+\+)?json(?:\s*;.*)?$/i.test(contentType)) {
      throw new FieldError('datacontenttype', 'ACR event data is JSON: expected application/json');
    }
    if (own(raw, 'data_base64') !== undefined) throw new FieldError('data_base64', 'ACR event data is JSON, not base64 binary data');
  } else {
    eventTime = requiredText(raw, 'eventTime', 'eventTime', TIME_RULE);
    const dataVersion = own(raw, 'dataVersion');
    if (dataVersion === undefined || dataVersion === null) throw new FieldError('dataVersion', 'is missing');
    if (dataVersion !== '') checkText(dataVersion, 'dataVersion', { max: EVENT_LIMITS.dataVersion });
    const metadataVersion = own(raw, 'metadataVersion');
    if (metadataVersion === undefined || metadataVersion === null) throw new FieldError('metadataVersion', 'is missing');
    if (metadataVersion !== '1') throw new FieldError('metadataVersion', `expected "1" (the Event Grid schema), got ${typeof metadataVersion === 'string' ? 'another version' : describe(metadataVersion)}`);
  }
  const registryId = requiredText(raw, f.source, f.source, { max: EVENT_LIMITS.resourceId });
  const registry = registryFromResourceId(registryId);
  if (!registry) {
    throw new FieldError(f.source, 'not a registry ARM id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>)');
  }

  // data
  const data = requiredObject(raw, 'data', 'data');
  const timestamp = requiredText(data, 'timestamp', 'data.timestamp', TIME_RULE);
  optionalText(data, 'id', 'data.id', { max: EVENT_LIMITS.id });
  optionalText(data, 'action', 'data.action', { max: EVENT_LIMITS.action });

  const target = requiredObject(data, 'target', 'data.target');
  const repository = requiredText(target, 'repository', 'data.target.repository', {
    max: EVENT_LIMITS.repository,
    pattern: REPOSITORY,
    grammar: 'the OCI repository name grammar (lower-case path components separated by "/")',
  });
  const tag = optionalText(target, 'tag', 'data.target.tag', { max: EVENT_LIMITS.tag, pattern: TAG, grammar: 'the tag grammar [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' });
  const digest = requiredText(target, 'digest', 'data.target.digest', {
    max: EVENT_LIMITS.digest,
    pattern: DIGEST,
    grammar: 'the OCI digest grammar (algorithm:encoded)',
  });
  const [algorithm, encoded] = digest.split(':', 2) as [string, string];
  const registered = REGISTERED_DIGESTS[algorithm];
  if (registered && !registered.test(encoded)) {
    throw new FieldError('data.target.digest', `a ${algorithm} digest is ${algorithm === 'sha256' ? 64 : 128} lower-case hex characters`);
  }
  const mediaType = optionalText(target, 'mediaType', 'data.target.mediaType', { max: EVENT_LIMITS.mediaType, pattern: MEDIA_TYPE, grammar: 'a type/subtype media type' });
  const sizeField = optionalSize(target, 'size', 'data.target.size');
  const lengthField = optionalSize(target, 'length', 'data.target.length');
  const size = sizeField ?? lengthField;
  const url = optionalText(target, 'url', 'data.target.url', { max: EVENT_LIMITS.url });
  let urlHost: string | undefined;
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FieldError('data.target.url', 'not an absolute URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new FieldError('data.target.url', 'expected an https URL');
    if (!isValidHost(parsed.host)) throw new FieldError('data.target.url', 'the URL host is not a valid host name');
    urlHost = parsed.host;
  }

  let request: RegistryEvent['request'];
  const req = optionalObject(data, 'request', 'data.request');
  if (req) {
    const r: NonNullable<RegistryEvent['request']> = {};
    const id = optionalText(req, 'id', 'data.request.id', { max: EVENT_LIMITS.id });
    const addr = optionalText(req, 'addr', 'data.request.addr', { max: EVENT_LIMITS.addr });
    const host = optionalText(req, 'host', 'data.request.host', { max: EVENT_LIMITS.host });
    if (host !== undefined && !isValidHost(host.toLowerCase())) throw new FieldError('data.request.host', 'not a valid host name');
    const method = optionalText(req, 'method', 'data.request.method', { max: EVENT_LIMITS.method, pattern: HTTP_METHOD, grammar: 'an upper-case HTTP method' });
    const useragent = optionalText(req, 'useragent', 'data.request.useragent', { max: EVENT_LIMITS.useragent });
    if (id !== undefined) r.id = id;
    if (addr !== undefined) r.addr = addr;
    if (host !== undefined) r.host = host;
    if (method !== undefined) r.method = method;
    if (useragent !== undefined) r.useragent = useragent;
    if (Object.keys(r).length > 0) request = r;
  }

  let actor: string | undefined;
  const act = optionalObject(data, 'actor', 'data.actor');
  if (act) actor = optionalText(act, 'name', 'data.actor.name', { max: EVENT_LIMITS.actor });

  let source: RegistryEvent['source'];
  const src = optionalObject(data, 'source', 'data.source');
  if (src) {
    const s: NonNullable<RegistryEvent['source']> = {};
    const addr = optionalText(src, 'addr', 'data.source.addr', { max: EVENT_LIMITS.addr });
    const instanceID = optionalText(src, 'instanceID', 'data.source.instanceID', { max: EVENT_LIMITS.instanceID });
    if (addr !== undefined) s.addr = addr;
    if (instanceID !== undefined) s.instanceID = instanceID;
    if (Object.keys(s).length > 0) source = s;
  }

  // The subject (`repo:tag` for ACR) repeats data.target: checked last so that a bad tag is named as such.
  if (cloud) optionalText(raw, 'subject', 'subject', { max: EVENT_LIMITS.subject });
  else requiredText(raw, 'subject', 'subject', { max: EVENT_LIMITS.subject });

  const loginServer = (request?.host ?? urlHost ?? `${registry.name}.${loginServerSuffix}`).toLowerCase();
  if (!isValidHost(loginServer)) {
    throw new FieldError('data.request.host', 'is missing, and the login server suffix configured for such events is not a valid DNS suffix');
  }

  const event: RegistryEvent = {
    kind,
    schema: cloud ? 'cloudevents' : 'eventgrid',
    eventId,
    eventType,
    eventTime: eventTime ?? timestamp,
    registryId,
    registryName: registry.name,
    loginServer,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    digest,
    ...(mediaType !== undefined ? { mediaType } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(actor !== undefined ? { actor } : {}),
    ...(request !== undefined ? { request } : {}),
    ...(source !== undefined ? { source } : {}),
    timestamp,
  };
  return { ok: 'event', event };
}

function decodeBody(input: unknown): { value: unknown } | { error: string } {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input instanceof Uint8Array) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return { error: 'the body is not valid UTF-8' };
    }
  } else {
    return { value: input };
  }
  if (text.length > EVENT_LIMITS.bodyChars) return { error: `the body is longer than ${EVENT_LIMITS.bodyChars} characters` };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: 'the body is not valid JSON' };
  }
}

/**
 * Accepts: a JSON string or Buffer-decoded string (or the bytes themselves), or an already-parsed
 * value; a single event or an array (batch); Event Grid schema or CloudEvents 1.0 (detected per
 * event: `specversion` => CloudEvents). Never throws for bad input: a body that is not JSON, or not
 * an object or array, is one RejectedEvent with index -1 and field '$'.
 */
export function parseEventBatch(input: unknown, options?: ParseEventBatchOptions): ParsedBatch {
  const batch: ParsedBatch = { events: [], ignored: [], rejected: [] };
  const suffix = typeof options?.loginServerSuffix === 'string' ? options.loginServerSuffix : 'azurecr.io';

  let items: unknown[];
  let count: number;
  try {
    const decoded = decodeBody(input);
    if ('error' in decoded) {
      batch.rejected.push({ index: -1, field: '$', reason: decoded.error });
      return batch;
    }
    const body = decoded.value;
    if (Array.isArray(body)) items = body;
    else if (isObject(body)) items = [body];
    else {
      batch.rejected.push({ index: -1, field: '$', reason: `expected an event object or an array of events, got ${describe(body)}` });
      return batch;
    }
    count = items.length;
  } catch {
    batch.rejected.push({ index: -1, field: '$', reason: 'the body could not be read' });
    return batch;
  }

  for (let index = 0; index < count; index++) {
    let raw: unknown;
    let eventId: string | undefined;
    try {
      raw = items[index];
      eventId = isObject(raw) ? safeId(raw) : undefined;
      if (index >= EVENT_LIMITS.batchEvents) {
        throw new FieldError('$', `beyond the ${EVENT_LIMITS.batchEvents} events Event Grid delivers in one batch`);
      }
      const outcome = parseOne(raw, suffix);
      if (outcome.ok === 'event') batch.events.push(outcome.event);
      else {
        batch.ignored.push({
          index,
          ...(eventId !== undefined ? { eventId } : {}),
          ...(outcome.eventType !== undefined ? { eventType: outcome.eventType } : {}),
          reason: outcome.reason,
        });
      }
    } catch (e) {
      const { field, reason } = e instanceof FieldError ? e : { field: '$', reason: 'the event could not be read' };
      batch.rejected.push({ index, ...(eventId !== undefined ? { eventId } : {}), field, reason });
    }
  }
  return batch;
}
