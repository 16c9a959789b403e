/**
 * Use case: deliver the notifications that are due. Folds held push-time items into daily digests,
 * then claims each due outbox row, sends it through the channel's notifier and records the result:
 * sent, retry later (backoff, honouring Retry-After), or failed after `maxAttempts` with the last
 * error. Safe to run concurrently (claims are ETag-guarded) and to re-run (sent rows are never due).
 */
import { stableHash } from '../domain/hash.js';
import { composeDailyDigest, type Channel, type HeldNotification } from './plan.js';
import type { Outbox, OutboxRecord } from './outbox.js';

export type SendResult =
  | { ok: true }
  | {
      ok: false;
      /** False: retrying cannot help (the notification ends `failed` now). */
      retryable: boolean;
      /** Server-requested wait (Retry-After). */
      retryAfterMs?: number;
      /** Stop after this many attempts even below maxAttempts (e.g. a 4xx from a webhook). */
      giveUpAfterAttempts?: number;
      /** Short, secret-free description (status code, redacted host). */
      error: string;
    };

/** A channel adapter (`TeamsNotifier`, `SmtpNotifier`, `AcsEmailNotifier`, `EventGridNotifier`). */
export interface Notifier {
  readonly channel: Channel;
  send(notification: OutboxRecord, options?: { abortSignal?: AbortSignal }): Promise<SendResult>;
}

export interface DeliverDeps {
  outbox: Outbox;
  notifiers: Partial<Record<Channel, Notifier>>;
  /** One line per outcome; never receives secrets. */
  log?: (line: string) => void;
}

export interface DeliverOptions {
  now: Date;
  maxAttempts: number;
  /** Rows handled per call (the rest waits for the next call). Default 100. */
  limit?: number;
  /** How long a claim protects a row from other senders. Default 5 minutes. */
  leaseInMs?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffInMs`. Default 30 s. */
  baseBackoffInMs?: number;
  maxBackoffInMs?: number;
  /** Items listed in a daily digest. Default 25. */
  digestMaxItems?: number;
  abortSignal?: AbortSignal;
}

export interface DeliverSummary {
  composed: number;
  due: number;
  sent: number;
  retried: number;
  failed: number;
  /** Claimed by another sender meanwhile. */
  skipped: number;
}

/** Exponential backoff with a small deterministic jitter (0-20 %) from the notification id. */
export function backoffInMs(id: string, attempts: number, baseInMs: number, maxInMs: number): number {
  const jitter = parseInt(stableHash([id, String(attempts)], 2), 16) / 255 / 5;
  return Math.min(maxInMs, Math.round(baseInMs * 2 ** Math.max(0, attempts - 1) * (1 + jitter)));
}

async function composeDaily(deps: DeliverDeps, options: DeliverOptions): Promise<number> {
  const groups = new Map<string, OutboxRecord[]>();
  for await (const r of deps.outbox.listHeld(options.now)) {
    if (!r.payload || r.payload.channel !== 'held') continue;
    const k = `${r.payload.bucket}|${r.route}|${r.channel}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  let composed = 0;
  for (const rows of groups.values()) {
    const held: HeldNotification[] = rows.map((r) => ({
      id: r.id, route: r.route, channel: r.channel as 'teams' | 'email', payload: r.payload as HeldNotification['payload'],
    }));
    const digests = composeDailyDigest(held, { now: options.now, digestMaxItems: options.digestMaxItems ?? 25 });
    // Store the digest first: if we crash before marking the held rows, the same held set composes the same id again.
    await deps.outbox.enqueue(digests);
    const into = digests[0]?.id ?? '';
    for (const r of rows) await deps.outbox.complete(r, { status: 'merged', mergedInto: into });
    composed += digests.length;
    deps.log?.(`notify: composed daily digest ${into} (${rows[0]?.route}/${rows[0]?.channel}) from ${rows.length} held notification(s)`);
  }
  return composed;
}

export async function deliverPending(deps: DeliverDeps, options: DeliverOptions): Promise<DeliverSummary> {
  const summary: DeliverSummary = { composed: 0, due: 0, sent: 0, retried: 0, failed: 0, skipped: 0 };
  summary.composed = await composeDaily(deps, options);
  const limit = options.limit ?? 100;
  const due: OutboxRecord[] = [];
  for await (const r of deps.outbox.listDue(options.now)) due.push(r);
  due.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  summary.due = due.length;
  const leaseInMs = options.leaseInMs ?? 5 * 60_000;
  for (const row of due.slice(0, limit)) {
    if (options.abortSignal?.aborted) break;
    const rec = await deps.outbox.claim(row, options.now, leaseInMs);
    if (!rec) {
      summary.skipped++;
      continue;
    }
    const notifier = deps.notifiers[rec.channel];
    let result: SendResult;
    if (!notifier) {
      result = { ok: false, retryable: true, error: `no ${rec.channel} notifier is configured` };
    } else {
      try {
        result = await notifier.send(rec, options.abortSignal ? { abortSignal: options.abortSignal } : {});
      } catch (e) {
        result = { ok: false, retryable: true, error: `unexpected error: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300) };
      }
    }
    const label = `${rec.channel}/${rec.route} ${rec.id} attempt ${rec.attempts}`;
    if (result.ok) {
      await deps.outbox.complete(rec, { status: 'sent', sentAt: options.now.toISOString() });
      summary.sent++;
      deps.log?.(`notify: sent ${label}`);
      continue;
    }
    const exhausted = rec.attempts >= options.maxAttempts || (result.giveUpAfterAttempts !== undefined && rec.attempts >= result.giveUpAfterAttempts);
    if (!result.retryable || exhausted) {
      await deps.outbox.complete(rec, { status: 'failed', lastError: result.error });
      summary.failed++;
      deps.log?.(`notify: FAILED ${label}: ${result.error}`);
      continue;
    }
    const wait = Math.max(result.retryAfterMs ?? 0, backoffInMs(rec.id, rec.attempts, options.baseBackoffInMs ?? 30_000, options.maxBackoffInMs ?? 60 * 60_000));
    const nextAttemptAt = new Date(options.now.getTime() + wait).toISOString();
    await deps.outbox.complete(rec, { status: 'pending', nextAttemptAt, lastError: result.error });
    summary.retried++;
    deps.log?.(`notify: retry ${label} at ${nextAttemptAt}: ${result.error}`);
  }
  return summary;
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now.getTime());
}

/** Serialises calls and keeps at least `minIntervalInMs` between their starts (channel throttling). */
export class Pacer {
  private last = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly minIntervalInMs: number) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      const wait = this.last + this.minIntervalInMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.last = Date.now();
    });
    this.chain = next.catch(() => undefined);
    return next.then(fn);
  }
}
