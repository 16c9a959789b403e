/**
 * The notification outbox: planned notifications are stored BEFORE any send, keyed by their
 * dedupe id; senders claim a row (ETag-guarded), send, and record the result. `TableOutbox` is the
 * Azure Table adapter (table `notifications`).
 *
 * Row: PartitionKey = key-safe encoding of the origin (`nightly-<hash>`, `event-<hash>`,
 * `daily-<yyyy-mm-dd>`), RowKey = notification id. The payload JSON is split over `payload0..N`
 * properties of at most 30,000 characters (a string property holds 64 KiB of UTF-16).
 */
import { RestError, TableClient, odata, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { TABLES } from '../names.js';
import type { Severity } from '../domain/severity.js';
import type { Channel, NotificationKind, NotificationPayload, PlannedNotification } from './plan.js';

export type OutboxStatus = 'held' | 'pending' | 'sending' | 'sent' | 'failed' | 'merged';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['held', 'pending', 'sending', 'sent', 'failed', 'merged'];

export interface OutboxRecord {
  id: string;
  partition: string;
  channel: Channel;
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
  /** Takes a due row for sending: status `sending`, attempts+1, lease until now+leaseInMs. Undefined when another sender won. */
  claim(record: OutboxRecord, now: Date, leaseInMs: number): Promise<OutboxRecord | undefined>;
  /** Records the outcome of a claim (or merges a held row). False when the row changed meanwhile. */
  complete(record: OutboxRecord, update: OutboxUpdate): Promise<boolean>;
  get(id: string): Promise<OutboxRecord | undefined>;
  listNotifications(options?: ListNotificationsOptions): AsyncIterable<OutboxRecord>;
}

const CHUNK = 30_000;
const MAX_CHUNKS = 30; // 900,000 characters: within the 1 MiB entity limit only for ASCII; payloads are capped far below.
const META_FIELDS = ['channel', 'route', 'kind', 'originKey', 'status', 'attempts', 'nextAttemptAt', 'lastError', 'createdAt', 'sentAt', 'mergedInto', 'severity', 'total', 'summary', 'payloadChunks'];

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toEntity(n: PlannedNotification): Entity {
  const json = JSON.stringify(n.payload);
  const chunks = Math.ceil(json.length / CHUNK) || 1;
  if (chunks > MAX_CHUNKS) throw new Error(`notification ${n.id}: payload of ${json.length} characters is too large for the outbox`);
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
    payloadChunks: chunks,
  };
  for (let i = 0; i < chunks; i++) e[`payload${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
  return e;
}

function fromEntity(e: TableEntityResult<Record<string, unknown>>): OutboxRecord {
  const str = (k: string): string | undefined => (typeof e[k] === 'string' && e[k] !== '' ? (e[k] as string) : undefined);
  const rec: OutboxRecord = {
    id: e.rowKey!,
    partition: e.partitionKey!,
    channel: e.channel as Channel,
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
}

export class TableOutbox implements Outbox {
  private created: Promise<void> | undefined;

  constructor(private readonly client: TableClient) {}

  static fromConnectionString(connectionString: string, options: TableOutboxOptions = {}): TableOutbox {
    return new TableOutbox(TableClient.fromConnectionString(connectionString, options.tableName ?? TABLES.notifications, {
      allowInsecureConnection: options.allowInsecureConnection ?? /UseDevelopmentStorage|127\.0\.0\.1|localhost/i.test(connectionString),
    }));
  }

  static fromServiceUri(tableServiceUri: string, credential: TokenCredential, options: TableOutboxOptions = {}): TableOutbox {
    return new TableOutbox(new TableClient(tableServiceUri, options.tableName ?? TABLES.notifications, credential,
      options.allowInsecureConnection ? { allowInsecureConnection: true } : {}));
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
          await this.client.createEntity(toEntity(n));
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
