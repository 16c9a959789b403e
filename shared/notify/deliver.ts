/**
 * Use case: deliver the notifications that are due. Folds held push-time items into daily digests,
 * then claims each due outbox row, sends it through the channel's notifier and records the result:
 * sent, retry later (backoff, honouring Retry-After), or failed after `maxAttempts` with the last
 * error. Safe to run concurrently (claims are ETag-guarded) and to re-run (sent rows are never due).
 *
 * Leases: a claim protects a row for `leaseInMs` from the moment it is CLAIMED (`clock()`), not from
 * the start of the pass (a slow webhook would otherwise let a later pass re-claim a row still being
 * posted). Right before the message leaves (after any pacing wait) the notifier calls
 * `confirmClaim`, which re-checks the claim's ETag and extends the lease from that moment: a row
 * another sender took meanwhile is not posted again. The lease must exceed the longest post
 * (`Notifier.postTimeoutInMs`) with margin; `leaseInMsFor` enforces that.
 */
import { stableHash } from '../domain/hash.js';
import { composeDailyDigest, type ChannelId, type ChannelRenderer, type HeldNotification } from './plan.js';
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

export interface SendOptions {
  abortSignal?: AbortSignal;
  /**
   * Called by the notifier right before the message leaves (after any pacing wait). Renews the claim
   * (ETag-guarded); false: the row was taken by another sender, so the notifier must not post and
   * returns any non-ok result (the deliverer then leaves the row to its new owner).
   */
  confirmClaim?: () => Promise<boolean>;
}

/** A channel adapter (`TeamsNotifier`, `SmtpNotifier`, `AcsEmailNotifier`, `EventGridNotifier`). */
export interface Notifier {
  readonly channel: ChannelId;
  /** Upper bound of one post, from `confirmClaim` to the answer (its timeout). Default DEFAULT_POST_TIMEOUT_IN_MS. */
  readonly postTimeoutInMs?: number;
  send(notification: OutboxRecord, options?: SendOptions): Promise<SendResult>;
  /** Releases connections (SMTP). */
  close?(): void | Promise<void>;
}

/** What a notifier returns when `confirmClaim` said no. */
export const CLAIM_LOST: SendResult = { ok: false, retryable: true, error: 'claim lost to another sender; not posted' };

/** Asks `confirmClaim` (when given); true when the post may go ahead. */
export async function claimConfirmed(options: SendOptions | undefined): Promise<boolean> {
  return options?.confirmClaim ? options.confirmClaim() : true;
}

export const DEFAULT_LEASE_IN_MS = 5 * 60_000;
export const DEFAULT_POST_TIMEOUT_IN_MS = 60_000;
/** A lease covers at least twice the longest post plus one minute (clock skew between senders, the outcome write). */
export function minimumLeaseInMs(postTimeoutInMs: number): number {
  return 2 * postTimeoutInMs + 60_000;
}

/**
 * The lease for rows of this notifier: `requested` (default 5 minutes) raised to at least
 * `minimumLeaseInMs(postTimeoutInMs)`. An explicitly requested lease below that minimum is a
 * configuration error (a lease that can expire during a post lets another sender post twice).
 */
export function leaseInMsFor(notifier: Pick<Notifier, 'postTimeoutInMs'> | undefined, requested?: number): number {
  const min = minimumLeaseInMs(notifier?.postTimeoutInMs ?? DEFAULT_POST_TIMEOUT_IN_MS);
  if (requested !== undefined && requested < min) {
    throw new RangeError(`leaseInMs ${requested} is shorter than the minimum ${min} for a post timeout of ${notifier?.postTimeoutInMs ?? DEFAULT_POST_TIMEOUT_IN_MS} ms`);
  }
  return Math.max(requested ?? DEFAULT_LEASE_IN_MS, min);
}

export interface DeliverDeps {
  outbox: Outbox;
  /** Channel id -> its notifier. */
  notifiers: Partial<Record<ChannelId, Notifier>>;
  /** The channels' renderers, to compose daily digests (registry.ts `CHANNELS`). Held rows of a channel not listed stay held. */
  channels: readonly ChannelRenderer[];
  /** One line per outcome; never receives secrets. */
  log?: (line: string) => void;
}

export interface DeliverOptions {
  /** The pass's time: what is due (and which days are over, for daily digests). Default `clock()`. */
  now?: Date;
  /**
   * The current time, read at each claim, renewal and outcome (leases, `sentAt`, retry times).
   * Default: a clock starting at `now` and advancing with real time.
   */
  clock?: () => Date;
  maxAttempts: number;
  /** Rows handled per call (the rest waits for the next call). Default 100. */
  limit?: number;
  /**
   * How long a claim protects a row from other senders, from the claim (and from each renewal).
   * Default 5 minutes, raised to `minimumLeaseInMs` of the notifier's post timeout; a smaller
   * explicit value throws a RangeError.
   */
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

async function composeDaily(deps: DeliverDeps, options: DeliverOptions & { now: Date }): Promise<number> {
  const groups = new Map<string, Array<{ row: OutboxRecord; held: HeldNotification }>>();
  for await (const r of deps.outbox.listHeld(options.now)) {
    if (!r.payload || r.payload.channel !== 'held') continue;
    if (!deps.channels.some((c) => c.id === r.channel)) {
      deps.log?.(`notify: held ${r.id} stays held: no ${r.channel} channel is registered`);
      continue;
    }
    const k = `${r.payload.bucket}|${r.route}|${r.channel}`;
    groups.set(k, [...(groups.get(k) ?? []), { row: r, held: { id: r.id, route: r.route, channel: r.channel, payload: r.payload } }]);
  }
  let composed = 0;
  for (const group of groups.values()) {
    const rows = group.map((g) => g.row);
    const digests = composeDailyDigest(group.map((g) => g.held), { now: options.now, digestMaxItems: options.digestMaxItems ?? 25, channels: deps.channels });
    // Store the digest first: if we crash before marking the held rows, the same held set composes the same id again.
    await deps.outbox.enqueue(digests);
    const into = digests[0]?.id ?? '';
    for (const r of rows) await deps.outbox.complete(r, { status: 'merged', mergedInto: into });
    composed += digests.length;
    deps.log?.(`notify: composed daily digest ${into} (${rows[0]?.route}/${rows[0]?.channel}) from ${rows.length} held notification(s)`);
  }
  return composed;
}

/** A clock that starts at `start` and advances with real (monotonic) time. */
function clockFrom(start: Date): () => Date {
  const t0 = performance.now();
  return () => new Date(start.getTime() + Math.floor(performance.now() - t0));
}

export async function deliverPending(deps: DeliverDeps, options: DeliverOptions): Promise<DeliverSummary> {
  const clock = options.clock ?? clockFrom(options.now ?? new Date());
  const now = options.now ?? clock();
  // Check every lease before touching a row: a misconfigured lease fails the pass, not half of it.
  const leases = new Map(Object.values(deps.notifiers).filter((n): n is Notifier => n !== undefined).map((n) => [n.channel, leaseInMsFor(n, options.leaseInMs)] as const));
  const leaseFor = (channel: ChannelId): number => leases.get(channel) ?? leaseInMsFor(undefined, options.leaseInMs);
  const summary: DeliverSummary = { composed: 0, due: 0, sent: 0, retried: 0, failed: 0, skipped: 0 };
  summary.composed = await composeDaily(deps, { ...options, now });
  const limit = options.limit ?? 100;
  const due: OutboxRecord[] = [];
  for await (const r of deps.outbox.listDue(now)) due.push(r);
  due.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  summary.due = due.length;
  for (const row of due.slice(0, limit)) {
    if (options.abortSignal?.aborted) break;
    const leaseInMs = leaseFor(row.channel);
    // The lease runs from the claim, not from the start of the pass.
    let rec = await deps.outbox.claim(row, clock(), leaseInMs);
    if (!rec) {
      summary.skipped++;
      continue;
    }
    const notifier = deps.notifiers[rec.channel];
    let result: SendResult;
    let lost = false;
    const confirmClaim = async (): Promise<boolean> => {
      const renewed = await deps.outbox.renew(rec!, clock(), leaseInMs);
      if (!renewed) lost = true;
      else rec = renewed;
      return !lost;
    };
    if (!notifier) {
      result = { ok: false, retryable: true, error: `no ${rec.channel} notifier is configured` };
    } else {
      try {
        result = await notifier.send(rec, { confirmClaim, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
      } catch (e) {
        result = { ok: false, retryable: true, error: `unexpected error: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300) };
      }
    }
    const label = `${rec.channel}/${rec.route} ${rec.id} attempt ${rec.attempts}`;
    if (lost) {
      // Another sender took the row after our lease expired: it is theirs now, we posted nothing.
      summary.skipped++;
      deps.log?.(`notify: not sent ${label}: claimed by another sender meanwhile`);
      continue;
    }
    if (result.ok) {
      await deps.outbox.complete(rec, { status: 'sent', sentAt: clock().toISOString() });
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
    const nextAttemptAt = new Date(clock().getTime() + wait).toISOString();
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
