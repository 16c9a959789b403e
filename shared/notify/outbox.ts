/**
 * The notification outbox: planned notifications are stored BEFORE any send, keyed by their
 * dedupe id; senders claim a row (ETag-guarded), send, and record the result. `TableOutbox` is the
 * Azure Table adapter (table `notifications`).
 *
 * Row: PartitionKey = key-safe encoding of the origin (`nightly-<hash>`, `event-<hash>`,
 * `daily-<yyyy-mm-dd>`), RowKey = notification id. The payload JSON is split over `payload0..N`
 * properties of at most 30,000 UTF-16 code units (60,000 bytes; a String property holds 64 KiB of
 * UTF-16), never splitting a surrogate pair. The whole entity must stay within 1 MiB, counted as the
 * Table service counts it (strings as UTF-16: 2 bytes per code unit); see "Understanding the Table
 * service data model": https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
 * A payload that would not fit is replaced by a summary (`summaryPayload`) and logged: `enqueue`
 * never fails for size.
 */
import { RestError, TableClient, odata, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { TABLES } from '../names.js';
import type { Severity } from '../domain/severity.js';
import { summaryPayload, type ChannelId, type ChannelRenderer, type NotificationKind, type NotificationPayload, type PlannedNotification } from './plan.js';
import { CHANNELS } from './registry.js';

export type OutboxStatus = 'held' | 'pending' | 'sending' | 'sent' | 'failed' | 'merged';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['held', 'pending', 'sending', 'sent', 'failed', 'merged'];

export interface OutboxRecord {
  id: string;
  partition: string;
  channel: ChannelId;
  route: string;
  kind: NotificationKind;
  originKey: string;
  status: OutboxStatus;
  attempts: number;
  /** ISO time: when a pending row is due, or when a `sending` lease expires. */
  nextAttemptAt: string;
  lastError?: string;
  createdAt: string;
  sentAt?: string;
  /** For `merged` held rows: the digest they were folded into. */
  mergedInto?: string;
  severity: Severity;
  total: number;
  summary: string;
  /** Present when read with the payload (due/held listings, `get`). */
  payload?: NotificationPayload;
  /** Concurrency token of the row as read. */
  etag?: string;
}

export interface EnqueueResult {
  inserted: string[];
  /** Ids that were already in the outbox: nothing changed for them. */
  existing: string[];
}

export interface ListNotificationsOptions {
  status?: OutboxStatus;
  includePayload?: boolean;
}

export type OutboxUpdate =
  | { status: 'sent'; sentAt: string }
  | { status: 'pending'; nextAttemptAt: string; lastError: string }
  | { status: 'failed'; lastError: string }
  | { status: 'merged'; mergedInto: string };

/** The outbox port. */
export interface Outbox {
  /** Insert-if-absent: an id already present is left untouched (and is never sent again). */
  enqueue(notifications: readonly PlannedNotification[]): Promise<EnqueueResult>;
  /** Pending rows due at `now`, plus `sending` rows whose lease expired (a crashed sender). */
  listDue(now: Date): AsyncIterable<OutboxRecord>;
  /** Held rows (daily-digest material) whose day is over at `now`. */
  listHeld(now: Date): AsyncIterable<OutboxRecord>;
  /** Takes a due row for sending: status `sending`, attempts+1, lease until now+leaseInMs (`now` = the claim time). Undefined when another sender won. */
  claim(record: OutboxRecord, now: Date, leaseInMs: number): Promise<OutboxRecord | undefined>;
  /**
   * Re-checks and extends a claim right before posting: lease until now+leaseInMs, guarded by the
   * claim's ETag. Undefined when the row changed meanwhile (another sender took it after the lease
   * expired): the caller must not post.
   */
  renew(record: OutboxRecord, now: Date, leaseInMs: number): Promise<OutboxRecord | undefined>;
  /** Records the outcome of a claim (or merges a held row). False when the row changed meanwhile. */
  complete(record: OutboxRecord, update: OutboxUpdate): Promise<boolean>;
  get(id: string): Promise<OutboxRecord | undefined>;
  listNotifications(options?: ListNotificationsOptions): AsyncIterable<OutboxRecord>;
}

/** UTF-16 code units per payload property: 60,000 bytes, under the 64 KiB String property limit. */
const CHUNK = 30_000;
/** The Table service's entity limit (1 MiB of property data) less a margin for the system properties. */
export const MAX_ENTITY_BYTES = 1024 * 1024 - 8 * 1024;
const META_FIELDS = ['channel', 'route', 'kind', 'originKey', 'status', 'attempts', 'nextAttemptAt', 'lastError', 'createdAt', 'sentAt', 'mergedInto', 'severity', 'total', 'summary', 'payloadChunks'];

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

/** Splits a string in pieces of at most `size` UTF-16 code units, never between the two halves of a surrogate pair. */
export function splitUtf16(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    let end = Math.min(s.length, i + size);
    const c = s.charCodeAt(end - 1);
    if (end < s.length && c >= 0xd800 && c <= 0xdbff) end--;
    out.push(s.slice(i, end));
    i = end;
  }
  return out.length ? out : [''];
}

/**
 * Size of an entity as the Table service computes it ("Understanding the Table service data
 * model"): 4 bytes + 2 x (PartitionKey + RowKey) + per property 8 bytes + 2 x name length + the
 * value: String 4 + 2 x UTF-16 code units, Int32 4, Double/Int64/DateTime 8, Boolean 1.
 */
export function entitySizeInBytes(e: Entity): number {
  let n = 4 + 2 * (e.partitionKey.length + e.rowKey.length);
  for (const [k, v] of Object.entries(e)) {
    if (k === 'partitionKey' || k === 'rowKey' || v === undefined) continue;
    n += 8 + 2 * k.length;
    if (typeof v === 'string') n += 4 + 2 * v.length;
    else if (typeof v === 'boolean') n += 1;
    else if (typeof v === 'number') n += Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 4 : 8;
    else n += 4 + 2 * (JSON.stringify(v) ?? '').length;
  }
  return n;
}

function toEntity(n: PlannedNotification): Entity {
  const chunks = splitUtf16(JSON.stringify(n.payload), CHUNK);
  const e: Entity = {
    partitionKey: n.partition,
    rowKey: n.id,
    channel: n.channel,
    route: n.route,
    kind: n.kind,
    originKey: n.originKey,
    status: n.kind === 'held' ? 'held' : 'pending',
    attempts: 0,
    nextAttemptAt: n.notBefore,
    createdAt: n.createdAt,
    severity: n.severity,
    total: n.total,
    summary: n.summary,
    payloadChunks: chunks.length,
  };
  chunks.forEach((c, i) => (e[`payload${i}`] = c));
  return e;
}

/**
 * The entity for a notification, within the Table service's limits. A payload still too large after
 * the planner's bounds is replaced by its summary (counts and a link), never rejected.
 */
export function boundedEntity(n: PlannedNotification, log?: (line: string) => void, channels: readonly ChannelRenderer[] = CHANNELS): Entity {
  const e = toEntity(n);
  const size = entitySizeInBytes(e);
  if (size <= MAX_ENTITY_BYTES) return e;
  const summarised = toEntity({ ...n, payload: summaryPayload(n, channels) });
  log?.(`outbox: notification ${n.id} (${n.channel}/${n.route}) is ${size} bytes, above the ${MAX_ENTITY_BYTES}-byte entity budget; stored as a summary of ${n.total} finding(s)`);
  if (entitySizeInBytes(summarised) <= MAX_ENTITY_BYTES) return summarised;
  // Cannot happen with the planner's bounds (a summary keeps at most ids); keep the row anyway, without content.
  return toEntity({ ...n, payload: summaryPayload(n, channels, true) });
}

function fromEntity(e: TableEntityResult<Record<string, unknown>>): OutboxRecord {
  const str = (k: string): string | undefined => (typeof e[k] === 'string' && e[k] !== '' ? (e[k] as string) : undefined);
  const rec: OutboxRecord = {
    id: e.rowKey!,
    partition: e.partitionKey!,
    channel: e.channel as ChannelId,
    route: String(e.route ?? ''),
    kind: e.kind as NotificationKind,
    originKey: String(e.originKey ?? ''),
    status: e.status as OutboxStatus,
    attempts: Number(e.attempts ?? 0),
    nextAttemptAt: String(e.nextAttemptAt ?? ''),
    createdAt: String(e.createdAt ?? ''),
    severity: e.severity as Severity,
    total: Number(e.total ?? 0),
    summary: String(e.summary ?? ''),
    ...(e.etag ? { etag: e.etag } : {}),
  };
  const lastError = str('lastError');
  if (lastError) rec.lastError = lastError;
  const sentAt = str('sentAt');
  if (sentAt) rec.sentAt = sentAt;
  const mergedInto = str('mergedInto');
  if (mergedInto) rec.mergedInto = mergedInto;
  const chunks = Number(e.payloadChunks ?? 0);
  if (chunks > 0 && typeof e.payload0 === 'string') {
    let json = '';
    for (let i = 0; i < chunks; i++) json += String(e[`payload${i}`] ?? '');
    rec.payload = JSON.parse(json) as NotificationPayload;
  }
  return rec;
}

function isStatus(e: unknown, code: number): boolean {
  return e instanceof RestError ? e.statusCode === code : (e as { statusCode?: number })?.statusCode === code;
}

export interface TableOutboxOptions {
  tableName?: string;
  /** For Azurite / loopback only. */
  allowInsecureConnection?: boolean;
  /** One line when a payload had to be summarised; never receives secrets. */
  log?: (line: string) => void;
  /** The channels whose payloads it may have to summarise (default: registry.ts `CHANNELS`). */
  channels?: readonly ChannelRenderer[];
}

function pickOptions(o: TableOutboxOptions): Pick<TableOutboxOptions, 'log' | 'channels'> {
  return { ...(o.log ? { log: o.log } : {}), ...(o.channels ? { channels: o.channels } : {}) };
}

export class TableOutbox implements Outbox {
  private created: Promise<void> | undefined;

  constructor(private readonly client: TableClient, private readonly options: Pick<TableOutboxOptions, 'log' | 'channels'> = {}) {}

  static fromConnectionString(connectionString: string, options: TableOutboxOptions = {}): TableOutbox {
    return new TableOutbox(TableClient.fromConnectionString(connectionString, options.tableName ?? TABLES.notifications, {
      allowInsecureConnection: options.allowInsecureConnection ?? /UseDevelopmentStorage|127\.0\.0\.1|localhost/i.test(connectionString),
    }), pickOptions(options));
  }

  static fromServiceUri(tableServiceUri: string, credential: TokenCredential, options: TableOutboxOptions = {}): TableOutbox {
    return new TableOutbox(new TableClient(tableServiceUri, options.tableName ?? TABLES.notifications, credential,
      options.allowInsecureConnection ? { allowInsecureConnection: true } : {}), pickOptions(options));
  }

  /** Creates the table when missing (idempotent, memoised). */
  ensureTable(): Promise<void> {
    this.created ??= this.client.createTable().catch((e: unknown) => {
      this.created = undefined;
      throw e;
    });
    return this.created;
  }

  async enqueue(notifications: readonly PlannedNotification[]): Promise<EnqueueResult> {
    await this.ensureTable();
    const result: EnqueueResult = { inserted: [], existing: [] };
    const seen = new Set<string>();
    const queue = notifications.filter((n) => (seen.has(n.id) ? false : (seen.add(n.id), true)));
    const worker = async (): Promise<void> => {
      for (let n = queue.shift(); n; n = queue.shift()) {
        try {
          await this.client.createEntity(boundedEntity(n, this.options.log, this.options.channels));
          result.inserted.push(n.id);
        } catch (e) {
          if (isStatus(e, 409)) result.existing.push(n.id);
          else throw new Error(`outbox: could not store notification ${n.id}`, { cause: e });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
    return result;
  }

  async *listDue(now: Date): AsyncIterable<OutboxRecord> {
    await this.ensureTable();
    const t = now.toISOString();
    const filter = odata`(status eq 'pending' or status eq 'sending') and nextAttemptAt le ${t}`;
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) yield fromEntity(e);
  }

  async *listHeld(now: Date): AsyncIterable<OutboxRecord> {
    await this.ensureTable();
    const t = now.toISOString();
    const filter = odata`status eq 'held' and nextAttemptAt le ${t}`;
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) yield fromEntity(e);
  }

  async claim(record: OutboxRecord, now: Date, leaseInMs: number): Promise<OutboxRecord | undefined> {
    const claimed: OutboxRecord = {
      ...record,
      status: 'sending',
      attempts: record.attempts + 1,
      nextAttemptAt: new Date(now.getTime() + leaseInMs).toISOString(),
    };
    try {
      const r = await this.client.updateEntity(
        { partitionKey: record.partition, rowKey: record.id, status: claimed.status, attempts: claimed.attempts, nextAttemptAt: claimed.nextAttemptAt },
        'Merge',
        { etag: record.etag ?? '*' },
      );
      return { ...claimed, ...(r.etag ? { etag: r.etag } : {}) };
    } catch (e) {
      if (isStatus(e, 412) || isStatus(e, 404)) return undefined;
      throw new Error(`outbox: could not claim notification ${record.id}`, { cause: e });
    }
  }

  async renew(record: OutboxRecord, now: Date, leaseInMs: number): Promise<OutboxRecord | undefined> {
    const nextAttemptAt = new Date(now.getTime() + leaseInMs).toISOString();
    try {
      const r = await this.client.updateEntity({ partitionKey: record.partition, rowKey: record.id, nextAttemptAt }, 'Merge', { etag: record.etag ?? '*' });
      return { ...record, nextAttemptAt, ...(r.etag ? { etag: r.etag } : {}) };
    } catch (e) {
      if (isStatus(e, 412) || isStatus(e, 404)) return undefined;
      throw new Error(`outbox: could not renew the claim on notification ${record.id}`, { cause: e });
    }
  }

  async complete(record: OutboxRecord, update: OutboxUpdate): Promise<boolean> {
    const patch: Entity = { partitionKey: record.partition, rowKey: record.id, status: update.status };
    if (update.status === 'sent') Object.assign(patch, { sentAt: update.sentAt, lastError: '' });
    if (update.status === 'pending') Object.assign(patch, { nextAttemptAt: update.nextAttemptAt, lastError: update.lastError.slice(0, 1000) });
    if (update.status === 'failed') Object.assign(patch, { lastError: update.lastError.slice(0, 1000) });
    if (update.status === 'merged') Object.assign(patch, { mergedInto: update.mergedInto });
    try {
      await this.client.updateEntity(patch, 'Merge', { etag: record.etag ?? '*' });
      return true;
    } catch (e) {
      if (isStatus(e, 412) || isStatus(e, 404)) return false;
      throw new Error(`outbox: could not record the outcome of notification ${record.id}`, { cause: e });
    }
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    await this.ensureTable();
    const filter = odata`RowKey eq ${id}`;
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) return fromEntity(e);
    return undefined;
  }

  async *listNotifications(options: ListNotificationsOptions = {}): AsyncIterable<OutboxRecord> {
    await this.ensureTable();
    const queryOptions: { filter?: string; select?: string[] } = {};
    if (options.status) queryOptions.filter = odata`status eq ${options.status}`;
    if (!options.includePayload) queryOptions.select = META_FIELDS;
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions })) yield fromEntity(e);
  }
}
